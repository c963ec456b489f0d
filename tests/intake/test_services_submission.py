"""Intake services: public submission, the hourly limit, status changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.intake import services
from ketaclinic.intake.models import (
    Addiction,
    Answer,
    ContactMethod,
    Inquiry,
    InquiryAttempt,
    InquiryStatus,
    InquiryStatusChange,
)


def _submission(**overrides):
    values = {
        "first_name": " Robin ",
        "last_name": "Quillfeather",
        "date_of_birth": dt.date(1985, 4, 12),
        "phone": "(857) 555-0142",
        "email": "robin.q@example.org",
        "preferred_contact": ContactMethod.PHONE,
        "addictions": [Addiction.ALCOHOL],
        "addiction_other": "ignored unless other is ticked",
        "prior_treatment": "",
        "high_blood_pressure": Answer.NO,
        "psychosis_history": Answer.NO,
        "pregnancy": Answer.UNSURE,
        "prior_ketamine_misuse": Answer.NO,
        "crisis_reported": False,
    }
    return {**values, **overrides}


# --- submission -------------------------------------------------------------------------


def test_submit_stores_trimmed_answers_and_drops_other_text_when_other_is_not_ticked(boston):
    inquiry = services.inquiry_submit(site=boston, **_submission())

    inquiry.refresh_from_db()
    assert (inquiry.first_name, inquiry.addiction_other, inquiry.is_urgent) == ("Robin", "", False)


def test_submit_with_crisis_yes_is_urgent(boston):
    inquiry = services.inquiry_submit(site=boston, **_submission(crisis_reported=True))

    assert (inquiry.crisis_reported, inquiry.is_urgent) == (True, True)


def test_submit_refuses_other_without_text_and_stores_nothing(boston):
    with pytest.raises(ApplicationError) as refused:
        services.inquiry_submit(
            site=boston, **_submission(addictions=[Addiction.OTHER], addiction_other=" ")
        )

    assert refused.value.field_errors == {"addiction_other": ["Say what 'other' is."]}
    assert not Inquiry.objects.exists()
    assert not AuditEvent.objects.exists()


def test_submit_to_an_inactive_site_is_refused(boston):
    boston.is_active = False

    with pytest.raises(NotFoundError):
        services.inquiry_submit(site=boston, **_submission())

    assert not Inquiry.objects.exists()


# --- the hourly limit -----------------------------------------------------------------


def test_five_attempts_an_hour_are_allowed_and_the_sixth_is_not(db):
    now = timezone.now()

    results = [services.inquiry_attempt_record(client_ip="203.0.113.7", now=now) for _ in range(6)]

    assert results == [True, True, True, True, True, False]


def test_attempts_older_than_an_hour_no_longer_count_and_are_pruned(db):
    start = timezone.now() - dt.timedelta(hours=2)
    for _ in range(6):
        services.inquiry_attempt_record(client_ip="203.0.113.7", now=start)

    allowed = services.inquiry_attempt_record(client_ip="203.0.113.7")

    assert allowed is True
    assert InquiryAttempt.objects.count() == 1


def test_address_digest_is_stable_keyed_and_never_the_address():
    digest = services.address_digest("203.0.113.7")

    assert digest == services.address_digest("203.0.113.7")
    assert digest != services.address_digest("203.0.113.8")
    assert len(digest) == 64
    assert "203" not in digest


# --- status changes -------------------------------------------------------------------


def test_status_change_keeps_a_history_row_and_audits(frontdesk, boston, inquiry_factory):
    inquiry = inquiry_factory(site=boston)

    change = services.inquiry_status_change(
        actor=frontdesk, inquiry=inquiry, status=InquiryStatus.CONTACTED, note=" Left voicemail "
    )

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CONTACTED
    assert (change.from_status, change.to_status, change.note, change.changed_by) == (
        "new",
        "contacted",
        "Left voicemail",
        frontdesk,
    )
    event = AuditEvent.objects.get(action=Action.UPDATE)
    assert (event.target_type, event.target_id, event.site_id, event.detail) == (
        "inquiry",
        str(inquiry.pk),
        boston.pk,
        "status new -> contacted",
    )


def test_status_change_without_note_is_refused_and_changes_nothing(
    frontdesk, boston, inquiry_factory
):
    inquiry = inquiry_factory(site=boston)

    with pytest.raises(ApplicationError) as refused:
        services.inquiry_status_change(
            actor=frontdesk, inquiry=inquiry, status=InquiryStatus.CLOSED, note="   "
        )

    assert refused.value.field_errors == {"note": ["Write a short note about this change."]}
    assert refused.value.message.startswith("A note is missing")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW
    assert not InquiryStatusChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_status_change_to_the_same_status_is_refused(frontdesk, boston, inquiry_factory):
    inquiry = inquiry_factory(site=boston, status=InquiryStatus.CONTACTED)

    with pytest.raises(ApplicationError, match="already 'Contacted'"):
        services.inquiry_status_change(
            actor=frontdesk, inquiry=inquiry, status=InquiryStatus.CONTACTED, note="Again"
        )

    assert not InquiryStatusChange.objects.exists()


def test_status_change_at_another_site_is_404_and_the_denial_is_audited(
    wh_frontdesk, boston, inquiry_factory
):
    inquiry = inquiry_factory(site=boston)

    with pytest.raises(NotFoundError):
        services.inquiry_status_change(
            actor=wh_frontdesk, inquiry=inquiry, status=InquiryStatus.CLOSED, note="Closing"
        )

    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW
    denial = AuditEvent.objects.get()
    assert (denial.action, denial.outcome, denial.site_id, denial.detail) == (
        Action.ACCESS_DENIED,
        Outcome.DENIED,
        boston.pk,
        "outside user's sites",
    )


def test_status_change_by_a_role_without_inquiry_access_is_refused(nurse, boston, inquiry_factory):
    inquiry = inquiry_factory(site=boston)

    with pytest.raises(PermissionDeniedError):
        services.inquiry_status_change(
            actor=nurse, inquiry=inquiry, status=InquiryStatus.CLOSED, note="Closing"
        )

    assert not InquiryStatusChange.objects.exists()
    assert AuditEvent.objects.get().detail == "missing permission inquiry.manage"

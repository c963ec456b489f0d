"""Inquiry reads: scoping, queue order, filters, audit, duplicate candidates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import NotFoundError, PermissionDeniedError
from ketaclinic.intake import selectors
from ketaclinic.intake.models import InquiryStatus


def _ago(hours: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def test_queue_is_urgent_first_then_oldest_and_only_my_sites(
    frontdesk, boston, west_hartford, inquiry_factory
):
    newer = inquiry_factory(site=boston, received_at=_ago(1))
    older = inquiry_factory(site=boston, received_at=_ago(30))
    urgent_new = inquiry_factory(site=boston, crisis_reported=True, received_at=_ago(0))
    urgent_old = inquiry_factory(site=boston, crisis_reported=True, received_at=_ago(5))
    inquiry_factory(site=west_hartford, crisis_reported=True)

    result = list(selectors.inquiry_list(user=frontdesk))

    assert result == [urgent_old, urgent_new, older, newer]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["new", "contacted", "evaluation_booked"]),
        ("all", ["new", "contacted", "evaluation_booked", "referred_elsewhere", "closed"]),
        ("closed", ["closed"]),
    ],
)
def test_queue_status_filter(frontdesk, boston, inquiry_factory, status, expected):
    for hours, value in enumerate(reversed(InquiryStatus.values)):
        inquiry_factory(site=boston, status=value, received_at=_ago(hours))

    result = selectors.inquiry_list(user=frontdesk, status=status)

    assert [inquiry.status for inquiry in result] == expected


def test_queue_site_and_urgent_filters(make_user, boston, west_hartford, inquiry_factory):
    from ketaclinic.accounts.roles import Role

    both = make_user(Role.FRONT_DESK, boston, west_hartford, username="both-sites")
    in_boston = inquiry_factory(site=boston)
    urgent_wh = inquiry_factory(site=west_hartford, crisis_reported=True)
    elsewhere = make_user(Role.FRONT_DESK, username="nowhere")

    assert list(selectors.inquiry_list(user=both, site_id=boston.pk)) == [in_boston]
    assert list(selectors.inquiry_list(user=both, urgent=True)) == [urgent_wh]
    assert list(selectors.inquiry_list(user=elsewhere, site_id=boston.pk)) == []


def test_queue_refuses_a_role_without_inquiry_access_and_audits(nurse):
    with pytest.raises(PermissionDeniedError):
        selectors.inquiry_list(user=nurse)

    assert AuditEvent.objects.get().outcome == Outcome.DENIED


def test_list_audit_names_the_inquiries_shown_and_reads_of_linked_patients(
    frontdesk, boston, inquiry_factory, patient_factory
):
    patient = patient_factory(site=boston)
    shown = inquiry_factory.create_batch(2, site=boston)
    shown.append(inquiry_factory(site=boston, patient=patient, converted_at=timezone.now()))

    selectors.inquiry_list_audit(user=frontdesk, inquiries=shown)

    events = AuditEvent.objects.filter(action=Action.READ).order_by("id")
    assert list(events.values_list("target_type", "patient_id", "detail")) == [
        ("inquiry_list", patient.pk, ""),
        ("inquiry_list", None, "inquiries " + ",".join(str(i.pk) for i in shown)),
    ]


def test_get_reads_and_audits(frontdesk, boston, inquiry_factory):
    inquiry = inquiry_factory(site=boston)

    assert selectors.inquiry_get(user=frontdesk, inquiry_id=inquiry.pk) == inquiry

    event = AuditEvent.objects.get()
    assert (event.action, event.site_id, event.target_id) == (
        Action.READ,
        boston.pk,
        str(inquiry.pk),
    )


def test_get_foreign_or_missing_is_the_same_404_and_both_are_audited(
    wh_frontdesk, boston, inquiry_factory
):
    inquiry = inquiry_factory(site=boston)

    for inquiry_id in (inquiry.pk, inquiry.pk + 1000):
        with pytest.raises(NotFoundError, match=r"No inquiry with that id at your sites\."):
            selectors.inquiry_get(user=wh_frontdesk, inquiry_id=inquiry_id)

    denials = AuditEvent.objects.order_by("id")
    assert list(denials.values_list("action", "site_id", "detail")) == [
        (Action.ACCESS_DENIED, boston.pk, "outside user's sites"),
        (Action.ACCESS_DENIED, None, "no such inquiry"),
    ]


def _candidates(user, site, **details):
    values = {
        "first_name": "Robin",
        "last_name": "Quillfeather",
        "date_of_birth": dt.date(1985, 4, 12),
        "phone": "",
        "email": "",
    }
    return selectors.duplicate_candidates(user=user, site=site, **{**values, **details})


def test_duplicates_by_name_and_birth_date_ignore_case(frontdesk, boston, patient_factory):
    same = patient_factory(
        site=boston,
        first_name="ROBIN",
        last_name="quillfeather",
        date_of_birth=dt.date(1985, 4, 12),
    )
    patient_factory(
        site=boston,
        first_name="Robin",
        last_name="Quillfeather",
        date_of_birth=dt.date(1986, 4, 12),
    )

    found = _candidates(frontdesk, boston)

    assert [(c.patient, c.matched_on) for c in found] == [(same, ("name and date of birth",))]
    reads = AuditEvent.objects.filter(action=Action.READ)
    assert list(reads.values_list("patient_id", "target_type")) == [
        (same.pk, "inquiry_duplicate_check")
    ]


def test_duplicates_by_phone_in_another_format_or_email_in_another_case(
    frontdesk, boston, west_hartford, patient_factory
):
    by_phone = patient_factory(site=boston, phone="617-555-0123", email="x@example.org")
    by_email = patient_factory(site=boston, phone="", email="Robin.Q@Example.org")
    patient_factory(site=west_hartford, phone="(617) 555-0123", email="robin.q@example.org")

    found = _candidates(frontdesk, boston, phone="(617) 555-0123", email="robin.q@example.org")

    assert {(c.patient, c.matched_on) for c in found} == {
        (by_phone, ("phone",)),
        (by_email, ("email",)),
    }


def test_without_birth_date_a_name_alone_is_not_a_duplicate(frontdesk, boston, patient_factory):
    patient_factory(site=boston, first_name="Robin", last_name="Quillfeather")

    assert _candidates(frontdesk, boston, date_of_birth=None) == []


def test_phone_variants_cover_common_us_formats():
    variants = selectors.phone_variants("+1 (617) 555-0123")

    assert "(617) 555-0123" in variants
    assert "617-555-0123" in variants
    assert "6175550123" in variants
    assert selectors.phone_variants("  ") == []

from __future__ import annotations

import datetime as dt

import pytest

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import PermissionDeniedError
from ketaclinic.questionnaires.models import DueStatus
from ketaclinic.questionnaires.selectors import (
    due_for_clinician,
    due_list_audit,
    due_questionnaires,
    upcoming_questionnaires,
)
from ketaclinic.questionnaires.services import schedule_event
from tests.questionnaires.factories import DueQuestionnaireFactory, care_team

NOW = dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def _item(patient, *, due_at, window=dt.timedelta(days=1), code="phq9", **kwargs):
    return DueQuestionnaireFactory(
        patient=patient, instrument=code, due_at=due_at, overdue_at=due_at + window, **kwargs
    )


def test_an_item_is_due_from_due_at_and_overdue_exactly_at_the_end_of_its_window(patient):
    """Given an item due at NOW with a one-day window, then it is due (not overdue) from NOW,
    still not overdue a second before the day ends, and overdue exactly when it ends."""
    item = _item(patient, due_at=NOW)
    end = NOW + dt.timedelta(days=1)

    assert due_questionnaires(patient=patient, now=NOW - SECOND) == []
    assert [(i, i.is_overdue) for i in due_questionnaires(patient=patient, now=NOW)] == [
        (item, False)
    ]
    assert [i.is_overdue for i in due_questionnaires(patient=patient, now=end - SECOND)] == [False]
    assert [i.is_overdue for i in due_questionnaires(patient=patient, now=end)] == [True]


def test_a_scheduled_follow_up_turns_overdue_after_its_14_day_window(nurse, patient):
    last_infusion = NOW - dt.timedelta(days=30)
    schedule_event(actor=nurse, patient=patient, event="after_last_infusion", at=last_infusion)

    due_now = due_questionnaires(patient=patient, now=NOW)
    overdue_then = due_questionnaires(patient=patient, now=NOW + dt.timedelta(days=14))

    # Same due time: in the rule's order (phq9, gad7, craving).
    assert [(i.instrument.code, i.is_overdue) for i in due_now] == [
        ("phq9", False),
        ("gad7", False),
        ("craving", False),
    ]
    assert {i.is_overdue for i in overdue_then} == {True}


def test_due_lists_only_open_items_oldest_first(nurse, patient):
    oldest = _item(patient, due_at=NOW - dt.timedelta(days=3), code="gad7")
    newer = _item(patient, due_at=NOW - dt.timedelta(hours=1))
    _item(patient, due_at=NOW + dt.timedelta(days=1), code="craving")  # upcoming
    _item(
        patient,
        due_at=NOW - dt.timedelta(days=2),
        code="pacs",
        status=DueStatus.CANCELLED,
        cancelled_at=NOW,
        cancel_reason="not needed",
    )

    items = due_questionnaires(patient=patient, now=NOW)

    assert [(i, i.is_overdue) for i in items] == [(oldest, True), (newer, False)]


def test_upcoming_lists_open_items_not_due_yet_soonest_first(patient):
    later = _item(patient, due_at=NOW + dt.timedelta(days=5))
    sooner = _item(patient, due_at=NOW + dt.timedelta(days=1), code="gad7")
    _item(patient, due_at=NOW, code="craving")

    assert upcoming_questionnaires(patient=patient, now=NOW) == [sooner, later]


def test_the_clinicians_list_shows_their_care_team_patients_overdue_first(
    physician, therapist, nurse, patient, other_patient, wh_patient, wh_therapist
):
    """Given the physician is Ada's physician of record and the therapist Bo's, then each
    sees their own patients' items; the site-wide view shows both; West Hartford shows
    neither."""
    care_team(patient, physician=physician, therapist=None, by=nurse)
    care_team(other_patient, physician=None, therapist=therapist, by=nurse)
    ada_due = _item(patient, due_at=NOW - dt.timedelta(hours=1))
    ada_overdue = _item(patient, due_at=NOW - dt.timedelta(days=3), code="gad7")
    bo_due = _item(other_patient, due_at=NOW - dt.timedelta(hours=2))
    _item(wh_patient, due_at=NOW - dt.timedelta(days=1))
    _item(patient, due_at=NOW + dt.timedelta(days=1), code="craving")  # not due yet

    mine = due_for_clinician(user=physician, now=NOW)
    theirs = due_for_clinician(user=therapist, now=NOW)
    site_wide = due_for_clinician(user=physician, now=NOW, all_at_sites=True)

    assert [(i, i.is_overdue) for i in mine] == [(ada_overdue, True), (ada_due, False)]
    assert list(theirs) == [bo_due]
    assert list(site_wide) == [ada_overdue, bo_due, ada_due]
    assert list(due_for_clinician(user=wh_therapist, now=NOW)) == []


def test_the_clinicians_list_needs_patient_view(make_user, boston):
    admin = make_user(Role.CLINIC_ADMIN, boston)

    with pytest.raises(PermissionDeniedError):
        due_for_clinician(user=admin)

    assert AuditEvent.objects.get().action == Action.ACCESS_DENIED


def test_auditing_the_list_writes_one_read_per_patient_shown(physician, patient, other_patient):
    items = [
        _item(patient, due_at=NOW),
        _item(patient, due_at=NOW, code="gad7"),
        _item(other_patient, due_at=NOW),
    ]

    due_list_audit(user=physician, items=items)

    reads = AuditEvent.objects.filter(action=Action.READ, target_type="due_questionnaire_list")
    assert sorted(reads.values_list("patient_id", flat=True)) == sorted(
        [patient.pk, other_patient.pk]
    )

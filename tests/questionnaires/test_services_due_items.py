from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.questionnaires.models import DueQuestionnaire, DueStatus, QuestionnaireResponse
from ketaclinic.questionnaires.services import due_cancel
from tests.questionnaires.factories import (
    PHQ9_MODERATE,
    DueQuestionnaireFactory,
    submit,
)


def _due(patient, code="phq9", *, days_ago: float, window_days: int = 7, **kwargs):
    due_at = timezone.now() - dt.timedelta(days=days_ago)
    return DueQuestionnaireFactory(
        patient=patient,
        instrument=code,
        due_at=due_at,
        overdue_at=due_at + dt.timedelta(days=window_days),
        **kwargs,
    )


def test_a_response_completes_the_oldest_open_item_of_its_instrument(nurse, patient):
    """Given two open PHQ-9 items and a craving item, when a PHQ-9 is entered, then the older
    PHQ-9 item is completed by it, in the same transaction, and the others stay open."""
    older = _due(patient, days_ago=9)
    newer = _due(patient, days_ago=2)
    craving = _due(patient, "craving", days_ago=10)

    response = submit(nurse, patient, "phq9", PHQ9_MODERATE)

    for item in (older, newer, craving):
        item.refresh_from_db()
    assert (older.status, older.completed_response) == (DueStatus.COMPLETED, response)
    assert (newer.status, craving.status) == (DueStatus.OPEN, DueStatus.OPEN)
    event = AuditEvent.objects.get(action=Action.UPDATE, target_type="due_questionnaire")
    assert (event.actor, event.target_id, event.detail) == (
        nurse,
        str(older.pk),
        f"completed by response {response.pk}",
    )


def test_a_response_completed_before_the_item_was_due_does_not_complete_it(nurse, patient):
    item = _due(patient, days_ago=-1)  # due tomorrow

    submit(nurse, patient, "phq9", PHQ9_MODERATE)

    item.refresh_from_db()
    assert item.status == DueStatus.OPEN


def test_a_back_dated_response_completes_only_items_due_by_its_completion_time(nurse, patient):
    item = _due(patient, days_ago=2)

    submit(
        nurse, patient, "phq9", PHQ9_MODERATE, completed_at=timezone.now() - dt.timedelta(days=3)
    )

    item.refresh_from_db()
    assert item.status == DueStatus.OPEN


def test_a_correction_does_not_complete_another_item(nurse, patient):
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    item = _due(patient, days_ago=1)

    submit(nurse, patient, "phq9", [0] * 9, supersedes=original.pk, correction_reason="wrong form")

    item.refresh_from_db()
    assert item.status == DueStatus.OPEN


def test_a_refused_response_leaves_the_item_open(nurse, patient):
    item = _due(patient, days_ago=1)

    with pytest.raises(ApplicationError):
        submit(nurse, patient, "phq9", {"phq9_1": 1})

    item.refresh_from_db()
    assert item.status == DueStatus.OPEN
    assert not QuestionnaireResponse.objects.exists()


def test_cancelling_records_who_when_and_why(nurse, patient):
    item = _due(patient, days_ago=1)

    cancelled = due_cancel(actor=nurse, due_id=item.pk, reason="  Infusion cancelled  ")

    item.refresh_from_db()
    assert (item.status, item.cancelled_by, item.cancel_reason) == (
        DueStatus.CANCELLED,
        nurse,
        "Infusion cancelled",
    )
    assert item.cancelled_at == cancelled.cancelled_at
    event = AuditEvent.objects.get(action=Action.UPDATE)
    assert (event.patient_id, event.target_id, event.detail) == (
        patient.pk,
        str(item.pk),
        "due item cancelled",
    )


def test_cancelling_without_a_reason_is_refused_and_changes_nothing(nurse, patient):
    item = _due(patient, days_ago=1)

    with pytest.raises(ApplicationError) as refused:
        due_cancel(actor=nurse, due_id=item.pk, reason=" ")

    assert refused.value.field_errors == {
        "reason": [
            "Say why this questionnaire is no longer needed, for example 'infusion "
            "cancelled' (at most 300 characters)."
        ]
    }
    item.refresh_from_db()
    assert item.status == DueStatus.OPEN
    assert not AuditEvent.objects.exists()


def test_a_completed_item_cannot_be_cancelled(nurse, patient):
    item = _due(patient, days_ago=1)
    submit(nurse, patient, "phq9", PHQ9_MODERATE)

    with pytest.raises(ApplicationError) as refused:
        due_cancel(actor=nurse, due_id=item.pk, reason="not needed")

    assert refused.value.message == "This PHQ-9 is already completed: nothing changed."
    item.refresh_from_db()
    assert (item.status, item.cancel_reason) == (DueStatus.COMPLETED, "")


def test_west_hartford_staff_get_404_cancelling_a_boston_item_and_it_is_audited(
    wh_therapist, patient
):
    item = _due(patient, days_ago=1)

    with pytest.raises(NotFoundError):
        due_cancel(actor=wh_therapist, due_id=item.pk, reason="not needed")

    item.refresh_from_db()
    assert item.status == DueStatus.OPEN
    denial = AuditEvent.objects.get()
    assert (denial.action, denial.actor, denial.patient_id, denial.outcome) == (
        Action.ACCESS_DENIED,
        wh_therapist,
        patient.pk,
        Outcome.DENIED,
    )
    assert DueQuestionnaire.objects.filter(status=DueStatus.CANCELLED).count() == 0

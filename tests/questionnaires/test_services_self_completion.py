from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.questionnaires.models import DueStatus, QuestionnaireResponse, SafetyAlert
from ketaclinic.questionnaires.services import response_submit_by_patient
from tests.questionnaires.factories import (
    PHQ9_ITEM9,
    PHQ9_MODERATE,
    DueQuestionnaireFactory,
)
from tests.questionnaires.helpers import answers_for


def test_the_patient_completes_their_due_item(patient, patient_user):
    """Given Ada's due PHQ-9, when she submits it from her login, then the response is
    stored as hers (no staff author), the item is completed by it, and the audit trail
    names her login."""
    item = DueQuestionnaireFactory(patient=patient, instrument="phq9")

    response = response_submit_by_patient(
        user=patient_user, due_id=item.pk, answers=answers_for("phq9", PHQ9_MODERATE)
    )

    assert (response.patient, response.total, response.source) == (
        patient,
        Decimal(10),
        "patient_self",
    )
    assert (response.completed_by_patient, response.entered_by) == (True, None)
    item.refresh_from_db()
    assert (item.status, item.completed_response) == (DueStatus.COMPLETED, response)
    created = AuditEvent.objects.filter(action__in=[Action.CREATE, Action.UPDATE]).order_by("id")
    assert list(created.values_list("actor__username", "action", "target_type")) == [
        ("ada", Action.CREATE, "questionnaire_response"),
        ("ada", Action.UPDATE, "due_questionnaire"),
    ]


def test_the_item_the_patient_opened_is_completed_not_an_older_one(patient, patient_user):
    older = DueQuestionnaireFactory(
        patient=patient, instrument="craving", due_at=timezone.now() - dt.timedelta(days=3)
    )
    opened = DueQuestionnaireFactory(patient=patient, instrument="craving")

    response_submit_by_patient(user=patient_user, due_id=opened.pk, answers={"craving_1": 2})

    older.refresh_from_db()
    opened.refresh_from_db()
    assert (older.status, opened.status) == (DueStatus.OPEN, DueStatus.COMPLETED)


def test_phq9_item_9_from_the_patient_raises_the_same_alert_as_staff_entry(patient, patient_user):
    item = DueQuestionnaireFactory(patient=patient, instrument="phq9")

    response_submit_by_patient(
        user=patient_user, due_id=item.pk, answers=answers_for("phq9", PHQ9_ITEM9)
    )

    alert = SafetyAlert.objects.get()
    assert (alert.patient, alert.code, alert.level, alert.acknowledged_at) == (
        patient,
        "suicide_risk",
        "same_day",
        None,
    )
    raised = AuditEvent.objects.get(target_type="safety_alert")
    assert (raised.actor_username, raised.detail) == ("ada", "same_day alert raised")


def test_a_missing_answer_stores_nothing_and_names_the_item(patient, patient_user):
    item = DueQuestionnaireFactory(patient=patient, instrument="phq9")
    answers = answers_for("phq9", PHQ9_MODERATE)
    del answers["phq9_4"]

    with pytest.raises(ApplicationError) as refused:
        response_submit_by_patient(user=patient_user, due_id=item.pk, answers=answers)

    assert refused.value.field_errors == {"phq9_4": ["Answer this item."]}
    assert not QuestionnaireResponse.objects.exists()
    item.refresh_from_db()
    assert item.status == DueStatus.OPEN


def test_another_patients_item_is_a_404_and_the_attempt_is_audited(
    patient, other_patient, other_patient_user
):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")

    with pytest.raises(NotFoundError) as refused:
        response_submit_by_patient(
            user=other_patient_user, due_id=item.pk, answers={"craving_1": 1}
        )

    assert refused.value.message == "No questionnaire with that number is waiting for you."
    assert not QuestionnaireResponse.objects.exists()
    denial = AuditEvent.objects.get()
    assert (denial.actor, denial.patient_id, denial.action, denial.outcome) == (
        other_patient_user,
        patient.pk,
        Action.ACCESS_DENIED,
        Outcome.DENIED,
    )


def test_staff_cannot_use_the_patients_form(nurse, patient):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")

    with pytest.raises(PermissionDeniedError):
        response_submit_by_patient(user=nurse, due_id=item.pk, answers={"craving_1": 1})

    assert not QuestionnaireResponse.objects.exists()
    denial = AuditEvent.objects.get()
    assert (denial.actor, denial.action, denial.target_type) == (
        nurse,
        Action.ACCESS_DENIED,
        "patient_self_completion",
    )


def test_an_item_not_due_yet_cannot_be_completed(patient, patient_user):
    item = DueQuestionnaireFactory(
        patient=patient, instrument="craving", due_at=timezone.now() + dt.timedelta(hours=2)
    )

    with pytest.raises(ApplicationError) as refused:
        response_submit_by_patient(user=patient_user, due_id=item.pk, answers={"craving_1": 1})

    assert refused.value.message == (
        "This questionnaire is not open yet. It will appear in your list when it is due."
    )
    assert not QuestionnaireResponse.objects.exists()


def test_an_item_cannot_be_completed_twice(patient, patient_user):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")
    response_submit_by_patient(user=patient_user, due_id=item.pk, answers={"craving_1": 1})

    with pytest.raises(ApplicationError) as refused:
        response_submit_by_patient(user=patient_user, due_id=item.pk, answers={"craving_1": 5})

    assert refused.value.message.startswith("You have already answered this questionnaire.")
    assert QuestionnaireResponse.objects.count() == 1

"""What a signed-in patient may read of their own questionnaires (portal and /questionnaires/me/).

The patient is `portal.selectors.account_patient`; staff and anyone else are refused (403)
and the refusal is audited. A due item of another patient is the same 404 as a missing one,
and the attempt is audited. Every read is audited with the patient's login as the actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, NotFoundError, PermissionDeniedError
from ketaclinic.patients.models import Patient
from ketaclinic.portal.selectors import account_patient
from ketaclinic.questionnaires.models import (
    DueQuestionnaire,
    DueStatus,
    Instrument,
    QuestionnaireResponse,
)
from ketaclinic.questionnaires.selectors.due import due_questionnaires
from ketaclinic.questionnaires.selectors.instruments import instrument_for_administration

TARGET_TYPE = "due_questionnaire"
NOT_FOUND = "No questionnaire with that number is waiting for you."


def self_completion_patient(*, user: User) -> Patient:
    """The patient behind the login; anyone else gets a 403 and the refusal is audited."""
    try:
        return account_patient(user=user)
    except PermissionDeniedError:
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type="patient_self_completion",
            outcome=Outcome.DENIED,
            detail="not a patient login",
        )
        raise


def my_due_questionnaires(
    *, user: User, now: dt.datetime | None = None
) -> tuple[Patient, list[DueQuestionnaire]]:
    """The signed-in patient and their questionnaires due now or overdue, oldest first."""
    patient = self_completion_patient(user=user)
    items = due_questionnaires(patient=patient, now=now)
    audit_record(
        actor=user, action=Action.READ, patient=patient, target_type="due_questionnaire_list"
    )
    return patient, items


def _own_item(user: User, patient: Patient, due_id: int) -> DueQuestionnaire:
    due = (
        DueQuestionnaire.objects.select_related("instrument", "completed_response")
        .filter(pk=due_id, patient=patient)
        .first()
    )
    if due is None:
        existing = DueQuestionnaire.objects.select_related("patient").filter(pk=due_id).first()
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            patient=existing.patient if existing else None,
            target_type=TARGET_TYPE,
            target_id=due_id,
            outcome=Outcome.DENIED,
            detail="another patient's item" if existing else "no such item",
        )
        raise NotFoundError(NOT_FOUND)
    audit_record(
        actor=user, action=Action.READ, patient=patient, target_type=TARGET_TYPE, target_id=due.pk
    )
    return due


@dataclass(frozen=True)
class SelfCompletion:
    """A due item the patient can fill in now, and the instrument version to give."""

    patient: Patient
    due: DueQuestionnaire
    instrument: Instrument


def self_completion_get(
    *, user: User, due_id: int, now: dt.datetime | None = None
) -> SelfCompletion:
    """One of the patient's own open items that is due; anything else is refused."""
    patient = self_completion_patient(user=user)
    due = _own_item(user, patient, due_id)
    require_open_and_due(due, now or timezone.now())
    code = due.instrument.code
    return SelfCompletion(patient, due, instrument_for_administration(patient=patient, code=code))


def require_open_and_due(due: DueQuestionnaire, now: dt.datetime) -> None:
    if due.status == DueStatus.COMPLETED:
        raise ApplicationError(
            "You have already answered this questionnaire. Thank you: nothing more to do here.",
            code=ErrorCode.CONFLICT,
        )
    if due.status == DueStatus.CANCELLED:
        raise ApplicationError(
            "Your care team no longer needs this questionnaire: nothing to do here.",
            code=ErrorCode.CONFLICT,
        )
    if due.due_at > now:
        raise ApplicationError(
            "This questionnaire is not open yet. It will appear in your list when it is due.",
            code=ErrorCode.CONFLICT,
        )


@dataclass(frozen=True)
class SelfCompletionDone:
    due: DueQuestionnaire
    show_crisis_resources: bool


def self_completion_done_get(*, user: User, due_id: int) -> SelfCompletionDone:
    """The thank-you page of an item the patient completed; no score is shown to them."""
    patient = self_completion_patient(user=user)
    due = _own_item(user, patient, due_id)
    if due.completed_response is None:
        raise NotFoundError(NOT_FOUND)
    return SelfCompletionDone(due, shows_crisis_resources(due.completed_response))


def shows_crisis_resources(response: QuestionnaireResponse) -> bool:
    """A suicide-risk answer was given: a safety rule fired (PHQ-9 item 9 above 0, C-SSRS
    moderate or high) or the C-SSRS screener found any risk level above none (a "yes" to
    wishing to be dead or to suicidal thoughts). The patient then sees crisis resources."""
    return "suicide_risk" in response.flags or response.risk_level not in ("", "none")

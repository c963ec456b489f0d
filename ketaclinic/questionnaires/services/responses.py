"""Storing a completed questionnaire: score it with the engine, keep answers and score, raise
safety alerts and complete the oldest open due item of the instrument in the same
transaction, audit it. Nothing is stored when scoring fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import (
    ApplicationError,
    ErrorCode,
    NotFoundError,
    require_plausible_time,
)
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import (
    Instrument,
    QuestionnaireResponse,
    ResponseSource,
    SafetyAlert,
)
from ketaclinic.questionnaires.selectors import instrument_for_administration
from ketaclinic.questionnaires.services._common import validated
from ketaclinic.questionnaires.services.due_items import due_item_complete

TARGET_TYPE = "questionnaire_response"
REASON_MAX_LENGTH = 300
# Clocks on different machines drift; a time a minute "ahead" is not a typing error.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MISSING_ITEM = "Answer this item."


def response_submit(
    *,
    actor: User,
    patient: Patient,
    instrument_code: str,
    answers: Mapping[str, object],
    context: Mapping[str, str] | None = None,
    source: ResponseSource = ResponseSource.STAFF_ENTRY,
    supersedes: int | None = None,
    correction_reason: str = "",
    completed_at: dt.datetime | None = None,
    completed_by_patient: bool = False,
) -> QuestionnaireResponse:
    """Score and store one response; a correction names the response it supersedes and why.

    `context` defaults to the patient's recorded sex (AUDIT-C's cut-off depends on it).
    `source=patient_self` stores no staff author; a patient's own login goes through
    `response_submit_by_patient` instead.
    Safety alerts the score raises are stored in the same transaction, and a new response
    (not a correction) completes the patient's oldest open due item of the instrument that
    was due by `completed_at`.
    """
    # Checked before the transaction, so that the audited refusal is not rolled back.
    require_questionnaire_entry(user=actor, patient=patient)
    with transaction.atomic():
        previous = _superseded(patient, supersedes, instrument_code, correction_reason)
        # A correction is scored with the version the original was given with.
        instrument = (
            previous.instrument
            if previous is not None
            else instrument_for_administration(patient=patient, code=instrument_code)
        )
        self_completed = source == ResponseSource.PATIENT_SELF
        response = response_store(
            actor=actor,
            patient=patient,
            instrument=instrument,
            answers=answers,
            context=context,
            completed_at=_completed_at(completed_at, previous),
            entered_by=None if self_completed else actor,
            completed_by_patient=completed_by_patient or self_completed,
            source=source,
            supersedes=previous,
            correction_reason=correction_reason.strip(),
        )
        # A correction replaces a response that already counted for its due item.
        if previous is None:
            due_item_complete(actor=actor, response=response)
    return response


def response_store(
    *,
    actor: User,
    patient: Patient,
    instrument: Instrument,
    answers: Mapping[str, object],
    context: Mapping[str, str] | None,
    completed_at: dt.datetime,
    entered_by: User | None,
    completed_by_patient: bool,
    source: ResponseSource,
    supersedes: QuestionnaireResponse | None = None,
    correction_reason: str = "",
) -> QuestionnaireResponse:
    """Score, store and audit one response and raise its safety alerts. Call it inside the
    caller's transaction, after the caller checked who may store it."""
    scoring_context = {"sex": patient.sex, **(context or {})}
    result = score_or_refuse(instrument, answers, scoring_context)
    response = response_build(
        patient=patient,
        instrument=instrument,
        answers=answers,
        scoring_context=scoring_context,
        result=result,
        completed_at=completed_at,
        entered_by=entered_by,
        completed_by_patient=completed_by_patient,
        source=source,
        supersedes=supersedes,
        correction_reason=correction_reason,
    )
    validated(response).save()
    detail = f"{instrument.code} v{instrument.version} via {source}"
    if supersedes is not None:
        detail += f"; supersedes response {supersedes.pk}"
    _audit(actor, patient, TARGET_TYPE, response.pk, detail)
    _alerts_raise(actor, response, result)
    return response


def _alerts_raise(
    actor: User, response: QuestionnaireResponse, result: scoring.ScoreResult
) -> None:
    """Store and audit the response's safety alerts (same transaction as the response)."""
    SafetyAlert.objects.bulk_create(
        validated(alert) for alert in alerts_build(response=response, result=result)
    )
    for alert in SafetyAlert.objects.filter(response=response).order_by("id"):
        _audit(actor, response.patient, "safety_alert", alert.pk, f"{alert.level} alert raised")


def require_questionnaire_entry(*, user: User, patient: Patient) -> None:
    """The patient is at the user's sites (else 404) and the role enters questionnaires."""
    require_patient_access(user=user, patient=patient, target_type=TARGET_TYPE)
    require_perm(
        user=user,
        perm=Perm.QUESTIONNAIRE_ENTER,
        target_type=TARGET_TYPE,
        target_id=patient.pk,
        patient=patient,
        message="Your role does not allow entering questionnaires. Ask a clinician to enter it.",
    )


def score_or_refuse(
    instrument: Instrument, answers: Mapping[str, object], context: Mapping[str, str]
) -> scoring.ScoreResult:
    """The engine's score, or a refusal naming each missing or invalid item."""
    definition = instrument.parsed
    try:
        return scoring.score(definition, answers, context=context)  # type: ignore[arg-type]  # the engine reports non-int answers itself
    except scoring.ScoringError as error:
        raise _scoring_refusal(definition, error) from error


def _scoring_refusal(
    definition: scoring.InstrumentDefinition, error: scoring.ScoringError
) -> ApplicationError:
    by_id = {item.id: item for item in definition.items}
    field_errors: dict[str, list[str]] = {}
    parts: list[str] = []
    if error.missing:
        names = ", ".join(f"item {by_id[i].number} ({i})" for i in error.missing)
        parts.append(f"Not answered: {names}. Answer every item, then save again.")
        for item_id in error.missing:
            field_errors[item_id] = [MISSING_ITEM]
    for problem in error.invalid:
        item_id, _, text = problem.partition(": ")
        key = item_id if item_id in by_id else "answers"
        field_errors.setdefault(key, []).append(text if key != "answers" else problem)
        parts.append(problem + ".")
    parts.append("Nothing was stored.")
    return ApplicationError(" ".join(parts), field_errors=field_errors)


def response_build(
    *,
    patient: Patient,
    instrument: Instrument,
    answers: Mapping[str, object],
    scoring_context: Mapping[str, str],
    result: scoring.ScoreResult,
    completed_at: dt.datetime,
    entered_by: User | None,
    completed_by_patient: bool,
    source: ResponseSource,
    supersedes: QuestionnaireResponse | None = None,
    correction_reason: str = "",
) -> QuestionnaireResponse:
    """An unsaved response carrying the score snapshot (also used by the demo seed)."""
    scored = result.as_dict()
    return QuestionnaireResponse(
        patient=patient,
        instrument=instrument,
        version=instrument.version,
        answers=dict(answers),
        scoring_context=dict(scoring_context),
        total=result.total,
        total_percent_of_max=result.total_percent_of_max,
        band_code=result.band.code if result.band else "",
        band_label=result.band.label if result.band else "",
        risk_level=result.risk_level or "",
        flags=list(result.flags),
        subscales=scored["subscales"],
        interpretation=result.interpretation,
        completed_at=completed_at,
        entered_by=entered_by,
        completed_by_patient=completed_by_patient,
        source=source,
        supersedes=supersedes,
        correction_reason=correction_reason,
    )


def alerts_build(
    *, response: QuestionnaireResponse, result: scoring.ScoreResult
) -> list[SafetyAlert]:
    """One open alert per safety rule that fired (issue 4 item 5), raised when stored."""
    raised_at = timezone.now()
    return [
        SafetyAlert(
            patient_id=response.patient_id,
            response=response,
            code=alert.code,
            level=alert.level,
            message=alert.message,
            raised_at=raised_at,
        )
        for alert in result.safety_alerts
    ]


def _superseded(
    patient: Patient, supersedes: int | None, instrument_code: str, reason: str
) -> QuestionnaireResponse | None:
    reason = reason.strip()
    if supersedes is None:
        if reason:
            message = (
                "A correction reason is only for a correction: choose the response it "
                "corrects, or leave the reason empty."
            )
            raise ApplicationError(message, field_errors={"correction_reason": [message]})
        return None
    previous = (
        QuestionnaireResponse.objects.select_related("instrument")
        .filter(patient=patient, pk=supersedes)
        .first()
    )
    if previous is None:
        raise NotFoundError("No questionnaire response with that id in this patient's chart.")
    if previous.instrument.code != instrument_code:
        message = (
            f"Response {previous.pk} is a {previous.instrument.title}: a correction must be "
            f"the same instrument. Enter a new {instrument_code} response instead."
        )
        raise ApplicationError(message, field_errors={"supersedes": [message]})
    correction = previous.corrections.first()
    if correction is not None:
        raise ApplicationError(
            f"Response {previous.pk} was already corrected by response {correction.pk}: "
            "correct that one instead.",
            code=ErrorCode.CONFLICT,
        )
    if not reason or len(reason) > REASON_MAX_LENGTH:
        message = (
            "Give a reason for the correction, for example 'item 3 entered as 3, patient "
            f"said 1' (at most {REASON_MAX_LENGTH} characters)."
        )
        raise ApplicationError(message, field_errors={"correction_reason": [message]})
    return previous


def _completed_at(
    completed_at: dt.datetime | None, previous: QuestionnaireResponse | None
) -> dt.datetime:
    if completed_at is None:
        return previous.completed_at if previous is not None else timezone.now()
    if timezone.is_naive(completed_at):
        message = "Give the completion time with its UTC offset, e.g. 2026-11-20T09:30:00-05:00."
        raise ApplicationError(message, field_errors={"completed_at": [message]})
    if completed_at > timezone.now() + FUTURE_TOLERANCE:
        message = "The completion time is in the future: check the date and time."
        raise ApplicationError(message, field_errors={"completed_at": [message]})
    return require_plausible_time(completed_at, field="completed_at")


def _audit(actor: User, patient: Patient, target_type: str, target_id: int, detail: str) -> None:
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=patient,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )

"""Reads of stored responses, for the entry pages, the chart and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import not_in_chart, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get
from ketaclinic.questionnaires.models import (
    Instrument,
    QuestionnaireResponse,
    ResponseQuerySet,
    SafetyAlert,
)
from ketaclinic.questionnaires.selectors.instruments import instrument_for_administration


@dataclass(frozen=True)
class ResponseEntry:
    """What a staff entry form needs: the patient, the instrument and, for a correction, the
    response being corrected."""

    patient: Patient
    instrument: Instrument
    corrects: QuestionnaireResponse | None = None


def response_entry_get(
    *, user: User, patient_id: int, code: str = "", corrects_id: int | None = None
) -> ResponseEntry:
    """For the entry page: the patient (audited read), QUESTIONNAIRE_ENTER, and the instrument
    (refused when switched off at the site; a correction keeps the original's version)."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_response")
    require_perm(
        user=user,
        perm=Perm.QUESTIONNAIRE_ENTER,
        target_type="questionnaire_response",
        target_id=patient.pk,
        patient=patient,
        message="Your role does not allow entering questionnaires. Ask a clinician to enter it.",
    )
    if corrects_id is None:
        return ResponseEntry(patient, instrument_for_administration(patient=patient, code=code))
    corrects = response_list(patient=patient).filter(pk=corrects_id).first()
    if corrects is None:
        raise not_in_chart(
            user=user,
            patient=patient,
            model=QuestionnaireResponse,
            record_id=corrects_id,
            target_type="questionnaire_response",
            message="No questionnaire response with that id in this patient's chart.",
        )
    return ResponseEntry(patient, corrects.instrument, corrects)


# --- Responses ------------------------------------------------------------------------------
# The readers below take a patient loaded through `patient_get`, which scoped the read to the
# user's sites and audited it; they add no audit row of their own.


def response_list(*, patient: Patient, instrument_code: str = "") -> ResponseQuerySet:
    """Newest first, each with `is_superseded`, its author, instrument and safety alerts."""
    queryset = (
        QuestionnaireResponse.objects.filter(patient=patient)
        .with_superseded()
        .select_related("instrument", "entered_by")
        .prefetch_related(
            Prefetch(
                "safety_alerts", queryset=SafetyAlert.objects.select_related("acknowledged_by")
            )
        )
        .order_by("-completed_at", "-id")
    )
    if instrument_code:
        queryset = queryset.filter(instrument__code=instrument_code)
    return queryset


def patient_response_get(*, user: User, patient_id: int, response_id: int) -> QuestionnaireResponse:
    """One response in a patient's chart at the user's sites (the read is audited)."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_response")
    response = response_list(patient=patient).select_related("supersedes").filter(pk=response_id)
    found = response.first()
    if found is None:
        raise not_in_chart(
            user=user,
            patient=patient,
            model=QuestionnaireResponse,
            record_id=response_id,
            target_type="questionnaire_response",
            message="No questionnaire response with that id in this patient's chart.",
        )
    return found


@dataclass(frozen=True)
class AnswerRow:
    number: int
    item_id: str
    text: str
    value: int | None  # None: not asked (skip logic) or not required and left empty
    label: str


def response_answer_rows(*, response: QuestionnaireResponse) -> list[AnswerRow]:
    """Each item of the instrument version the response was given with, and its answer."""
    rows = []
    for item in response.instrument.parsed.items:
        value = response.answers.get(item.id)
        label = item.label_for(value) if value is not None else "Not asked"
        rows.append(AnswerRow(item.number, item.id, item.text, value, label))
    return rows

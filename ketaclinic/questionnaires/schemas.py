from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Schema
from pydantic import Field

from ketaclinic.core.api import StrictSchema
from ketaclinic.questionnaires.models import DueQuestionnaire, QuestionnaireResponse, SafetyAlert


class ScoreIn(StrictSchema):
    answers: dict[str, int] = Field(
        description="Answer value per item id (for example phq9_1); item numbers ('1') work too."
    )
    sex: str | None = Field(
        None, description="The patient's sex, for sex-specific cut-offs (AUDIT-C): male, female."
    )
    context: dict[str, str] | None = Field(
        None, description="Other facts a cut-off depends on, for example {'sex': 'female'}."
    )


class OptionOut(Schema):
    value: int
    label: str


class ItemOut(Schema):
    id: str
    number: int
    text: str
    required: bool
    options: list[OptionOut]
    show_if: dict[str, Any] | None = None


class InstrumentSummaryOut(Schema):
    code: str
    version: str
    title: str
    item_count: int
    loinc_panel: str | None
    loinc_total: str | None


class InstrumentOut(InstrumentSummaryOut):
    description: str
    citation: str
    licence_note: str
    scoring_method: str
    items: list[ItemOut]
    bands: list[dict[str, Any]]
    subscales: list[dict[str, Any]]


# --- Stored responses and safety alerts -----------------------------------------------------


class ResponseIn(StrictSchema):
    instrument: str = Field(description="Instrument code, for example phq9.")
    answers: dict[str, int] = Field(description="Answer value per item id, e.g. {'phq9_1': 2}.")
    supersedes: int | None = Field(
        None, description="Id of the response this one corrects (a correction needs a reason)."
    )
    correction_reason: str = Field("", max_length=300)
    completed_at: dt.datetime | None = Field(
        None, description="When the patient completed it, with UTC offset; default now."
    )
    completed_by_patient: bool = Field(
        False, description="The patient filled it in themselves (paper or tablet)."
    )


class AcknowledgeIn(StrictSchema):
    action_taken: str = Field(
        max_length=2000, description="What was done, e.g. 'Called the patient, safety plan'."
    )


class BandOut(Schema):
    code: str
    label: str


class ScoreOut(Schema):
    total: int | float
    total_percent_of_max: float | None
    band: BandOut | None
    risk_level: str | None
    flags: list[str]
    subscales: dict[str, Any]
    interpretation: str


class AlertOut(Schema):
    id: int
    patient_id: int
    response_id: int
    code: str
    level: str
    message: str
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    action_taken: str

    @staticmethod
    def resolve_acknowledged_by(obj: SafetyAlert) -> str | None:
        return obj.acknowledged_by.username if obj.acknowledged_by else None


class ResponseOut(Schema):
    id: int
    patient_id: int
    instrument: str
    version: str
    completed_at: dt.datetime
    recorded_at: dt.datetime
    source: str
    completed_by_patient: bool
    entered_by: str | None
    answers: dict[str, int]
    score: ScoreOut
    supersedes: int | None
    correction_reason: str
    is_superseded: bool
    safety_alerts: list[AlertOut]

    @staticmethod
    def resolve_instrument(obj: QuestionnaireResponse) -> str:
        return obj.instrument.code

    @staticmethod
    def resolve_entered_by(obj: QuestionnaireResponse) -> str | None:
        return obj.entered_by.username if obj.entered_by else None

    @staticmethod
    def resolve_supersedes(obj: QuestionnaireResponse) -> int | None:
        return obj.supersedes_id

    @staticmethod
    def resolve_is_superseded(obj: QuestionnaireResponse) -> bool:
        return bool(getattr(obj, "is_superseded", False))

    @staticmethod
    def resolve_safety_alerts(obj: QuestionnaireResponse) -> list[SafetyAlert]:
        return list(obj.safety_alerts.all())

    @staticmethod
    def resolve_score(obj: QuestionnaireResponse) -> dict[str, Any]:
        mean = obj.instrument.parsed.method == "mean"
        pct = obj.total_percent_of_max
        return {
            "total": float(obj.total) if mean else int(obj.total),
            "total_percent_of_max": None if pct is None else float(pct),
            "band": {"code": obj.band_code, "label": obj.band_label} if obj.band_code else None,
            "risk_level": obj.risk_level or None,
            "flags": obj.flags,
            "subscales": obj.subscales,
            "interpretation": obj.interpretation,
        }


class ResponsePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ResponseOut]


class AlertPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AlertOut]


# --- Due questionnaires ---------------------------------------------------------------------


class ScheduleIn(StrictSchema):
    event: str = Field(
        description="baseline, pre_infusion, post_infusion, weekly_during_treatment or "
        "after_last_infusion (then `at` is the last infusion)."
    )
    at: dt.datetime | None = Field(
        None, description="When the event happens, with UTC offset; default now."
    )
    reference: str = Field(
        "", max_length=64, description="What the items belong to, e.g. course:12 or infusion:34."
    )


class DueOut(Schema):
    id: int
    patient_id: int
    instrument: str
    instrument_title: str
    event: str
    reference: str
    due_at: dt.datetime
    overdue_at: dt.datetime
    is_overdue: bool
    status: str
    completed_response_id: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_instrument(obj: DueQuestionnaire) -> str:
        return obj.instrument.code

    @staticmethod
    def resolve_instrument_title(obj: DueQuestionnaire) -> str:
        return obj.instrument.title

    @staticmethod
    def resolve_is_overdue(obj: DueQuestionnaire) -> bool:
        annotated = getattr(obj, "is_overdue", None)
        return bool(annotated) if annotated is not None else obj.overdue_at <= timezone.now()


class DuePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DueOut]

"""API shapes for infusions: inputs refuse unknown fields; outputs carry units in names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ketaclinic.core.api import StrictSchema


class InfusionOut(Schema):
    id: int
    course_id: int
    patient_id: int
    site_id: int
    session_number: int
    scheduled_at: dt.datetime
    chair: str
    status: str
    planned_total_mg: Decimal | None
    administered_mg: Decimal | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    discharged_at: dt.datetime | None
    signed_at: dt.datetime | None


class InfusionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InfusionOut]


class DosePhaseOut(Schema):
    order: int
    kind: str
    mg_per_kg: Decimal
    minutes: int | None
    dose_mg: Decimal
    volume_ml: Decimal
    rate_ml_per_h: Decimal | None


class DoseOut(Schema):
    weight_kg: Decimal | None
    weight_measured_at: dt.datetime | None
    concentration_mg_per_ml: Decimal | None
    bag_volume_ml: Decimal | None
    planned_mg_per_kg: Decimal | None
    planned_total_mg: Decimal | None
    planned_total_ml: Decimal | None
    administered_mg: Decimal | None
    lot_number: str
    verified: bool
    phases: list[DosePhaseOut]


class AlertOut(Schema):
    id: int
    parameter: str
    phase: str
    observed_value: Decimal
    action: str
    rule_id: int
    is_example_rule: bool
    raised_at: dt.datetime
    response: str
    responded_at: dt.datetime | None
    reading_voided: bool = Field(
        description="The reading that raised it was voided: it no longer asks for a response."
    )


class AdverseEventOut(Schema):
    id: int
    kind: str
    severity: str
    onset_at: dt.datetime
    description: str
    action_taken: str
    outcome: str
    infusion_effect: str


class RecoveryOut(Schema):
    total: int
    scored_at: dt.datetime
    circulation_variant: str
    discharge_ready: bool


class DischargeOut(Schema):
    discharged_at: dt.datetime
    minutes_until_ready: int
    escort_present: bool
    no_driving_advice_given: bool
    early_reason: str


class InfusionSummaryOut(Schema):
    infusion: InfusionOut
    protocol_code: str
    sessions_planned: int
    dose: DoseOut
    vitals_count: int = Field(description="Readings that count (voided ones excluded).")
    min_spo2: int | None
    max_sbp: int | None
    max_dbp: int | None
    alerts: list[AlertOut]
    adverse_events: list[AdverseEventOut]
    latest_recovery: RecoveryOut | None
    discharge: DischargeOut | None


class VitalsIn(StrictSchema):
    measured_at: dt.datetime | None = Field(None, description="When measured; default now.")
    sbp: int | None = Field(None, description="Systolic BP, mmHg (50-300).")
    dbp: int | None = Field(None, description="Diastolic BP, mmHg (below systolic).")
    hr: int | None = Field(None, description="Heart rate per minute (20-250).")
    spo2: int | None = Field(None, description="SpO2 % (0-100).")
    rr: int | None = Field(None, description="Respiratory rate per minute (0-80).")
    moaas: int | None = Field(None, description="MOAA/S sedation 0-5.")
    note: str = Field("", max_length=300)


class VitalsOut(Schema):
    id: int
    measured_at: dt.datetime
    phase: str
    sbp: int | None
    dbp: int | None
    hr: int | None
    spo2: int | None
    rr: int | None
    moaas: int | None
    note: str
    recorded_by: str
    voided_at: dt.datetime | None
    voided_by: str | None
    void_reason: str
    alerts: list[AlertOut]


class VitalsVoidIn(StrictSchema):
    reason: str = Field(..., max_length=300, description="Why the reading is void (required).")


class VitalsPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[VitalsOut]


class AdverseEventIn(StrictSchema):
    kind: str
    severity: str
    action_taken: str = Field(..., max_length=500)
    outcome: str
    infusion_effect: str
    onset_at: dt.datetime | None = None
    description: str = Field("", max_length=500)


class BoardRowOut(Schema):
    infusion_id: int
    patient_id: int
    patient_name: str
    chair: str
    session_number: int
    sessions_planned: int
    status: str
    elapsed_minutes: int | None
    next_vitals_due: dt.datetime | None
    vitals_overdue: bool
    open_alerts: int
    latest_aldrete: int | None
    observation_minutes_left: int | None
    discharge_ready: bool


class BoardOut(Schema):
    site_id: int
    items: list[BoardRowOut]

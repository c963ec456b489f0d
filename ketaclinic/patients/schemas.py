from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from ketaclinic.core.api import StrictSchema
from ketaclinic.patients.codes import ICD10CM_SYSTEM
from ketaclinic.patients.models import (
    AddictionTarget,
    BodyMeasurement,
    RecoveryUnit,
    Target,
    TargetKind,
)


class PatientOut(Schema):
    id: int
    site: str
    mrn: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date
    sex: str
    phone: str
    email: str

    @staticmethod
    def resolve_site(obj: object) -> str:
        return obj.site.slug  # type: ignore[attr-defined,no-any-return]  # a Patient


class PatientPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PatientOut]


class AddictionTargetIn(StrictSchema):
    target: Target
    unit: RecoveryUnit = Field(description="The unit daily check-ins count use in.")
    kind: TargetKind | None = Field(
        None, description="Follows from the target; required only for 'other'."
    )
    label: str = Field("", max_length=80, description="Required for 'other'.")
    quit_date: dt.date | None = None
    code: str = Field(
        "",
        max_length=8,
        description=f"Optional ICD-10-CM code such as F10.20, stored with system {ICD10CM_SYSTEM}. "
        "Food, sex and shopping have no code.",
    )


class AddictionTargetOut(Schema):
    id: int
    kind: str
    target: str
    label: str
    unit: str
    quit_date: dt.date | None
    code: str
    code_system: str
    is_active: bool
    recorded_by: str
    recorded_at: dt.datetime
    ended_at: dt.datetime | None
    ended_reason: str

    @staticmethod
    def resolve_recorded_by(obj: AddictionTarget) -> str:
        return obj.recorded_by.username


class AddictionTargetPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AddictionTargetOut]


class EndIn(StrictSchema):
    reason: str = Field(description="Why the target ends, e.g. 'entered twice by mistake'.")


class MeasurementIn(StrictSchema):
    measured_at: dt.datetime = Field(description="With its UTC offset: 2026-11-20T09:30-05:00.")
    weight_kg: Decimal | None = Field(None, description="20-400 kg, up to 2 decimals.")
    height_cm: Decimal | None = Field(None, description="50-250 cm, up to 1 decimal.")


class MeasurementOut(Schema):
    id: int
    measured_at: dt.datetime
    weight_kg: Decimal | None
    height_cm: Decimal | None
    recorded_by: str
    recorded_at: dt.datetime
    is_active: bool = Field(description="False when voided as entered in error.")
    voided_reason: str

    @staticmethod
    def resolve_recorded_by(obj: BodyMeasurement) -> str:
        return obj.recorded_by.username


class MeasurementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MeasurementOut]

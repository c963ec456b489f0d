"""API shapes of the protocol library and the dose plan.

Quantities are JSON numbers: the service rounds them as `Decimal`, and they become floats
only here, at the edge (a float holds every value of 0.1 mg / 0.01 mL / 0.1 mL/h exactly
enough to print it back as the rounded decimal).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from ketaclinic.core.api import StrictSchema
from ketaclinic.protocols.dosing import DosePlan, version_problems
from ketaclinic.protocols.models import ProtocolTemplate, ProtocolVersion


class DosePlanIn(StrictSchema):
    weight_kg: Decimal = Field(
        ..., description="The patient's weight in kg (JSON number or numeric string)."
    )
    concentration_mg_per_ml: Decimal = Field(
        ..., description="Ketamine concentration of the vial used, mg/mL."
    )
    bag_volume_ml: Decimal | None = Field(
        None, description="Volume of the infusion bag the dose is diluted in, mL (IV only)."
    )
    session_number: int = Field(1, description="Which session of the protocol (1 = first).")


class PhasePlanOut(Schema):
    order: int
    kind: str
    mg_per_kg: float
    minutes: int | None
    dose_mg: float
    volume_ml: float
    rate_ml_per_h: float | None


class DosePlanOut(Schema):
    protocol_code: str
    version_number: int
    route: str
    session_number: int
    weight_kg: float
    concentration_mg_per_ml: float
    bag_volume_ml: float | None
    phases: list[PhasePlanOut]
    total_mg: float
    total_mg_per_kg: float
    total_volume_ml: float
    total_minutes: int | None
    max_mg_per_kg: float | None
    max_total_mg: float | None
    warnings: list[str]


class PhaseOut(Schema):
    session_number: int
    order: int
    kind: str
    mg_per_kg: float | None
    minutes: int | None


class VersionOut(Schema):
    number: int
    status: str
    route: str
    sessions_planned: int
    session_spacing_days: int
    schedule_description: str
    adjunct_therapy: str
    entry_condition: str
    entry_min_hours_abstinent: int | None
    max_mg_per_kg: float | None
    max_total_mg: float | None
    min_infusion_minutes: int | None
    vitals_interval_intra_minutes: int
    vitals_interval_post_minutes: int
    min_observation_minutes: int
    instrument_schedule: list[dict[str, str]]
    outcome_set: str
    source: str
    notes: str
    change_reason: str
    created_at: datetime
    usable: bool
    problems: list[str]
    phases: list[PhaseOut]


class ProtocolOut(Schema):
    code: str
    name: str
    indication: str
    active_version: VersionOut | None


class ProtocolPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProtocolOut]


class ProtocolDetailOut(Schema):
    code: str
    name: str
    indication: str
    versions: list[VersionOut]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def version_out(version: ProtocolVersion) -> dict[str, Any]:
    problems = version_problems(version)
    plain = {
        field: getattr(version, field)
        for field in (
            "number",
            "status",
            "route",
            "sessions_planned",
            "session_spacing_days",
            "schedule_description",
            "adjunct_therapy",
            "entry_condition",
            "entry_min_hours_abstinent",
            "min_infusion_minutes",
            "vitals_interval_intra_minutes",
            "vitals_interval_post_minutes",
            "min_observation_minutes",
            "instrument_schedule",
            "outcome_set",
            "source",
            "notes",
            "change_reason",
            "created_at",
        )
    }
    return plain | {
        "max_mg_per_kg": _number(version.max_mg_per_kg),
        "max_total_mg": _number(version.max_total_mg),
        "usable": not problems,
        "problems": problems,
        "phases": [
            {
                "session_number": p.session_number,
                "order": p.order,
                "kind": p.kind,
                "mg_per_kg": _number(p.mg_per_kg),
                "minutes": p.minutes,
            }
            for p in version.phases.all()
        ],
    }


def _active(template: ProtocolTemplate) -> ProtocolVersion | None:
    return next((v for v in template.versions.all() if v.status == "active"), None)


def protocol_out(template: ProtocolTemplate) -> dict[str, Any]:
    active = _active(template)
    return {
        "code": template.code,
        "name": template.name,
        "indication": template.indication,
        "active_version": version_out(active) if active is not None else None,
    }


def protocol_detail_out(template: ProtocolTemplate) -> dict[str, Any]:
    return {
        "code": template.code,
        "name": template.name,
        "indication": template.indication,
        "versions": [version_out(v) for v in template.versions.all()],
    }


def dose_plan_out(plan: DosePlan) -> dict[str, Any]:
    return {
        "protocol_code": plan.protocol_code,
        "version_number": plan.version_number,
        "route": plan.route,
        "session_number": plan.session_number,
        "weight_kg": float(plan.weight_kg),
        "concentration_mg_per_ml": float(plan.concentration_mg_per_ml),
        "bag_volume_ml": _number(plan.bag_volume_ml),
        "phases": [
            {
                "order": p.order,
                "kind": p.kind,
                "mg_per_kg": float(p.mg_per_kg),
                "minutes": p.minutes,
                "dose_mg": float(p.dose_mg),
                "volume_ml": float(p.volume_ml),
                "rate_ml_per_h": _number(p.rate_ml_per_h),
            }
            for p in plan.phases
        ],
        "total_mg": float(plan.total_mg),
        "total_mg_per_kg": float(plan.total_mg_per_kg),
        "total_volume_ml": float(plan.total_volume_ml),
        "total_minutes": plan.total_minutes,
        "max_mg_per_kg": _number(plan.max_mg_per_kg),
        "max_total_mg": _number(plan.max_total_mg),
        "warnings": list(plan.warnings),
    }

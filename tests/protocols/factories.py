"""Builders for protocol tests: a course using a version, a draft made through the service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.patients.models import Patient
from ketaclinic.protocols import services
from ketaclinic.protocols.models import ProtocolVersion
from ketaclinic.protocols.services import PhaseSpec


def course_using(*, version: ProtocolVersion, patient: Patient, physician: User) -> TreatmentCourse:
    """A planned course on `version` (enrolment itself is the courses app's work)."""
    now = timezone.now()
    return TreatmentCourse.objects.create(
        patient=patient,
        protocol_version=version,
        sessions_planned=version.sessions_planned,
        planned_start=dt.date(2026, 1, 5),
        supervising_physician=physician,
        enrolled_by=physician,
        enrolled_at=now,
        status_changed_at=now,
    )


def draft_from(
    *,
    actor: User,
    version: ProtocolVersion,
    phases: list[PhaseSpec] | None = None,
    reason: str = "Test change",
    **changes: object,
) -> ProtocolVersion:
    return services.protocol_version_create(
        actor=actor,
        template=version.template,
        from_version=version,
        changes=changes,
        phases=phases,
        change_reason=reason,
    )


def infusion(mg_per_kg: str | None, minutes: int | None, order: int = 1) -> PhaseSpec:
    return PhaseSpec(
        kind="infusion",
        mg_per_kg=None if mg_per_kg is None else Decimal(mg_per_kg),
        minutes=minutes,
        order=order,
    )

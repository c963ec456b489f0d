"""The gates an infusion must pass before it starts (issue 5, item 3; PRODUCT.md journey 5-7).

One function decides, so the flowsheet, the API, the chair board and the admin agree. The
infusion service calls `require_infusion_gates` inside its transaction before it writes
anything; pages call `infusion_gates` to show what is still missing and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.consent.models import ConsentKind
from ketaclinic.consent.selectors import valid_consent
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.courses.models import CourseStatus, GateCode, GateOverride, TreatmentCourse
from ketaclinic.eligibility.selectors import current_risk_benefit
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.therapy.models import IntegrationSession, NoteStatus, PreparationSession


@dataclass(frozen=True)
class Gate:
    code: GateCode
    passed: bool
    # What is on file when passed; otherwise what is missing and how to satisfy it.
    detail: str
    overridden: bool = False

    @property
    def label(self) -> str:
        return GateCode(self.code).label


def _site_time(moment: dt.datetime, course: TreatmentCourse) -> str:
    """A time as the clinic reads it: the patient's site time zone, with its abbreviation."""
    zone = zoneinfo.ZoneInfo(course.patient.site.time_zone)
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M %Z")


def _course_active(course: TreatmentCourse) -> Gate:
    if course.status == CourseStatus.ACTIVE:
        return Gate(GateCode.COURSE_ACTIVE, True, "The course is active.")
    fixes = {
        CourseStatus.PLANNED: "a physician must start the course on the course page",
        CourseStatus.PAUSED: "a physician must resume the course on the course page",
    }
    fix = fixes.get(CourseStatus(course.status), "enrol the patient in a new course")
    return Gate(
        GateCode.COURSE_ACTIVE,
        False,
        f"The course is {course.get_status_display().lower()}: {fix}.",
    )


def _preparation(course: TreatmentCourse) -> Gate:
    signed = (
        PreparationSession.objects.filter(course=course, status=NoteStatus.SIGNED)
        .order_by("-signed_at")
        .first()
    )
    if signed is not None and signed.signed_at is not None:
        return Gate(
            GateCode.PREPARATION_SIGNED,
            True,
            f"Preparation signed {_site_time(signed.signed_at, course)}.",
        )
    return Gate(
        GateCode.PREPARATION_SIGNED,
        False,
        "No signed preparation session: the physician must hold the preparation session "
        "and sign its note before the first infusion.",
    )


def _consent(course: TreatmentCourse, now: dt.datetime) -> Gate:
    consent = valid_consent(patient=course.patient, kind=ConsentKind.TREATMENT_KETAMINE, on=now)
    if consent is not None:
        return Gate(GateCode.TREATMENT_CONSENT, True, "Treatment consent on file and valid.")
    return Gate(
        GateCode.TREATMENT_CONSENT,
        False,
        "No valid treatment consent (none signed, or it was revoked or has expired): "
        "the patient must sign the ketamine treatment consent again.",
    )


def _risk_benefit(course: TreatmentCourse) -> Gate:
    assessment = current_risk_benefit(patient=course.patient)
    if assessment is not None and assessment.is_signed:
        return Gate(GateCode.RISK_BENEFIT, True, "Risk-benefit assessment signed.")
    return Gate(
        GateCode.RISK_BENEFIT,
        False,
        "The current risk-benefit assessment is not signed: the physician must sign it "
        "with the patient on the eligibility page.",
    )


def _previous(course: TreatmentCourse, session_number: int) -> Infusion | None:
    return (
        Infusion.objects.filter(course=course, session_number__lt=session_number)
        .exclude(status=InfusionStatus.CANCELLED)
        .select_related("integration")
        .order_by("-session_number")
        .first()
    )


def _previous_closed(previous: Infusion | None) -> Gate:
    if previous is None or previous.status == InfusionStatus.SIGNED:
        return Gate(GateCode.PREVIOUS_INFUSION_CLOSED, True, "No earlier infusion is open.")
    return Gate(
        GateCode.PREVIOUS_INFUSION_CLOSED,
        False,
        f"Infusion {previous.session_number} is not signed yet: finish, discharge and "
        "sign its flowsheet first.",
    )


def _integration(
    course: TreatmentCourse, session_number: int, previous: Infusion | None, now: dt.datetime
) -> Gate:
    code = GateCode.INTEGRATION_NOT_OVERDUE
    # Loaded with the previous infusion (select_related): no query of its own.
    session: IntegrationSession | None = getattr(previous, "integration", None)
    if session is None or session.status == NoteStatus.SIGNED or session.due_at >= now:
        return Gate(code, True, "No integration session is overdue.")
    override = GateOverride.objects.filter(
        course=course, gate=code, session_number=session_number
    ).first()
    if override is not None:
        return Gate(
            code,
            True,
            f"Integration overdue; a physician allowed this infusion: {override.reason}",
            overridden=True,
        )
    return Gate(
        code,
        False,
        f"The integration session after infusion {previous.session_number if previous else ''} "
        f"was due {_site_time(session.due_at, course)} and is not signed: the therapist must "
        "hold and sign it, or a physician may override with a written reason.",
    )


def _entry_condition(course: TreatmentCourse, confirmed: bool | None) -> Gate:
    condition = course.protocol_version.entry_condition or "the protocol's entry condition"
    if confirmed:
        return Gate(GateCode.ENTRY_CONDITION, True, f"Confirmed at the checklist: {condition}.")
    return Gate(
        GateCode.ENTRY_CONDITION,
        False,
        f"Entry condition not confirmed ({condition}): confirm it on the pre-infusion checklist.",
    )


def infusion_gates(
    *,
    course: TreatmentCourse,
    session_number: int,
    entry_condition_confirmed: bool | None,
    now: dt.datetime | None = None,
) -> list[Gate]:
    """Every gate for starting infusion `session_number` of `course`, passed or not."""
    moment = now or timezone.now()
    previous = _previous(course, session_number)
    return [
        _course_active(course),
        _preparation(course),
        _consent(course, moment),
        _risk_benefit(course),
        _previous_closed(previous),
        _integration(course, session_number, previous, moment),
        _entry_condition(course, entry_condition_confirmed),
    ]


def require_infusion_gates(
    *,
    course: TreatmentCourse,
    session_number: int,
    entry_condition_confirmed: bool | None,
) -> list[Gate]:
    """Refuse, naming every missing gate and its fix, unless all gates pass."""
    gates = infusion_gates(
        course=course,
        session_number=session_number,
        entry_condition_confirmed=entry_condition_confirmed,
    )
    missing = [gate for gate in gates if not gate.passed]
    if missing:
        details = [gate.detail for gate in missing]
        raise ApplicationError(
            "The infusion cannot start: " + " ".join(details),
            code=ErrorCode.CONFLICT,
            field_errors={gate.code: [gate.detail] for gate in missing},
        )
    return gates

"""A physician's written decision to start an infusion despite an overdue integration."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, validated
from ketaclinic.courses import gates
from ketaclinic.courses.models import GateCode, GateOverride, TreatmentCourse
from ketaclinic.courses.services._common import locked_course, required_reason

TARGET_TYPE = "gate_override"
# Only this gate may be overridden (issue 5 item 3); every other gate protects the patient
# in a way a signature cannot replace (consent, risk-benefit, preparation, an open chart).
OVERRIDABLE = (GateCode.INTEGRATION_NOT_OVERDUE,)


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code=ErrorCode.CONFLICT, field_errors={field: [message]})


def gate_override_record(
    *,
    actor: User,
    course: TreatmentCourse,
    session_number: int,
    reason: str,
    gate: str = GateCode.INTEGRATION_NOT_OVERDUE,
) -> GateOverride:
    """Allow infusion `session_number` to start although the previous integration is overdue.

    Physicians only, with a written reason; refused for any other gate, for an open course
    that has no overdue integration blocking that session, and for a second override.
    """
    require_patient_access(user=actor, patient=course.patient, target_type=TARGET_TYPE)
    require_perm(
        user=actor,
        perm=Perm.GATE_OVERRIDE,
        target_type=TARGET_TYPE,
        target_id=course.pk,
        patient=course.patient,
        message="Only a physician can override a gate, with a written reason. Ask one.",
    )
    with transaction.atomic():
        return _record(actor, locked_course(course), session_number, reason, gate)


def _record(
    actor: User, course: TreatmentCourse, session_number: int, reason: str, gate: str
) -> GateOverride:
    if gate not in OVERRIDABLE:
        label = GateCode(gate).label if gate in GateCode.values else gate
        raise _refuse(
            "gate",
            f"“{label}” cannot be overridden: only an overdue integration session can be, "
            "by a physician with a written reason. Satisfy the gate instead.",
        )
    if not course.is_open:
        raise _refuse(
            "course",
            f"The course is {course.get_status_display().lower()}: no infusion can start, "
            "so there is nothing to override.",
        )
    reason = required_reason(
        reason,
        what="overriding the overdue integration",
        example="Therapist on leave; integration booked for Friday (synthetic)",
    )
    if GateOverride.objects.filter(
        course=course, gate=gate, session_number=session_number
    ).exists():
        raise _refuse(
            "session_number",
            f"Infusion {session_number} already has an override on file: nothing to add.",
        )
    check = next(
        g
        for g in gates.infusion_gates(
            course=course, session_number=session_number, entry_condition_confirmed=None
        )
        if g.code == GateCode.INTEGRATION_NOT_OVERDUE
    )
    if check.passed:
        raise _refuse(
            "session_number",
            f"No integration session is overdue before infusion {session_number}: there is "
            "nothing to override.",
        )
    override = GateOverride(
        course=course,
        gate=gate,
        session_number=session_number,
        reason=reason,
        overridden_by=actor,
        overridden_at=timezone.now(),
    )
    validated(override, exclude=("course",)).save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=course.patient,
        target_type=TARGET_TYPE,
        target_id=override.pk,
        detail=f"override {gate} for session {session_number}",
    )
    return override

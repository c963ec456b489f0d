"""What every course write shares: the physician check, the course lock, status history."""

from __future__ import annotations

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm, Role
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, validated
from ketaclinic.courses.models import CourseStatus, CourseStatusChange, TreatmentCourse
from ketaclinic.patients.models import Patient

TARGET_TYPE = "treatment_course"
REASON_MAX_LENGTH = 300


def require_course_manager(
    *, actor: User, patient: Patient, target_type: str = TARGET_TYPE
) -> None:
    """The patient must be at the actor's sites (else 404) and the actor a physician."""
    require_patient_access(user=actor, patient=patient, target_type=target_type)
    require_perm(
        user=actor,
        perm=Perm.COURSE_MANAGE,
        target_type=target_type,
        target_id=patient.pk,
        patient=patient,
        message="Only a physician can enrol a patient or change a treatment course. Ask one.",
    )


def require_staff_member(*, patient: Patient, member: User | None, role: Role, field: str) -> None:
    """Only active staff holding `role` at the patient's own site may be named on a course."""
    if member is None:
        return
    qualifies = User.objects.filter(
        pk=member.pk, is_active=True, sites=patient.site_id, role_assignments__role=role
    ).exists()
    if not qualifies:
        label = role.label.lower()
        message = (
            f"{member} is not a {label} at {patient.site.name}: choose a {label} who works "
            "at the patient's site."
        )
        raise ApplicationError(message, field_errors={field: [message]})


def required_reason(reason: str, *, what: str, example: str) -> str:
    reason = reason.strip()
    if not reason:
        message = f"Give a written reason for {what}, for example '{example}'."
        raise ApplicationError(message, field_errors={"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = f"Keep the reason under {REASON_MAX_LENGTH} characters."
        raise ApplicationError(message, field_errors={"reason": [message]})
    return reason


def locked_course(course: TreatmentCourse) -> TreatmentCourse:
    """Re-read the course under a row lock so two clinicians never race a transition."""
    return (
        TreatmentCourse.objects.select_for_update()
        .select_related("patient__site", "protocol_version__template")
        .get(pk=course.pk)
    )


def refuse_transition(
    course: TreatmentCourse, *, action: str, done: str, allowed: str
) -> ApplicationError:
    """'Cannot pause a course that is planned: only an active course can be paused.'"""
    message = (
        f"Cannot {action} a course that is {course.get_status_display().lower()}: "
        f"only {allowed} course can be {done}."
    )
    return ApplicationError(message, code=ErrorCode.CONFLICT)


def status_change_record(
    *,
    actor: User,
    course: TreatmentCourse,
    from_status: str,
    to_status: CourseStatus,
    reason: str = "",
) -> CourseStatusChange:
    """Set the course's status and write its history row and audit row (caller is atomic)."""
    now = timezone.now()
    course.status = to_status
    course.status_changed_at = now
    if to_status in (CourseStatus.PAUSED, CourseStatus.DISCONTINUED):
        course.status_reason = reason
    elif to_status == CourseStatus.ACTIVE:
        course.status_reason = ""
    validated(course, exclude=("patient", "protocol_version")).save()
    change = CourseStatusChange(
        course=course,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        changed_by=actor,
        changed_at=now,
    )
    validated(change, exclude=("course",)).save()
    audit_record(
        actor=actor,
        action=Action.CREATE if not from_status else Action.UPDATE,
        patient=course.patient,
        target_type=TARGET_TYPE,
        target_id=course.pk,
        detail=f"status {from_status or '-'} -> {to_status}",
    )
    return change

"""Course status transitions: planned -> active <-> paused -> completed | discontinued.

Every transition locks the course row, refuses an invalid move with a message naming the
current status, and writes the status history and the audit row in the same transaction.
"""

from __future__ import annotations

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.services._common import (
    locked_course,
    refuse_transition,
    require_course_manager,
    required_reason,
    status_change_record,
)
from ketaclinic.infusions.models import Infusion, InfusionStatus


def _checked(actor: User, course: TreatmentCourse) -> None:
    """The physician check runs before the transaction: a denial's audit row must outlive
    the rollback. The transition then works on the locked row."""
    require_course_manager(actor=actor, patient=course.patient)


def _synced(course: TreatmentCourse, done: TreatmentCourse) -> TreatmentCourse:
    """Keep the caller's instance in step with the row the transition wrote."""
    course.status = done.status
    course.status_reason = done.status_reason
    course.status_changed_at = done.status_changed_at
    return done


def _open_infusions(course: TreatmentCourse) -> list[Infusion]:
    return list(
        Infusion.objects.filter(course=course)
        .exclude(status__in=(InfusionStatus.SIGNED, InfusionStatus.CANCELLED))
        .order_by("session_number")
    )


def course_start(*, actor: User, course: TreatmentCourse) -> TreatmentCourse:
    """Planned -> active: infusions may now be scheduled (the gates still apply to each)."""
    _checked(actor, course)
    with transaction.atomic():
        done = _course_start(actor, locked_course(course))
    return _synced(course, done)


def _course_start(actor: User, course: TreatmentCourse) -> TreatmentCourse:
    if course.status != CourseStatus.PLANNED:
        raise refuse_transition(course, action="start", done="started", allowed="a planned")
    status_change_record(
        actor=actor, course=course, from_status=course.status, to_status=CourseStatus.ACTIVE
    )
    return course


def course_pause(*, actor: User, course: TreatmentCourse, reason: str) -> TreatmentCourse:
    """Active -> paused, with a written reason; no infusion can start while paused."""
    _checked(actor, course)
    with transaction.atomic():
        done = _course_pause(actor, locked_course(course), reason)
    return _synced(course, done)


def _course_pause(actor: User, course: TreatmentCourse, reason: str) -> TreatmentCourse:
    if course.status != CourseStatus.ACTIVE:
        raise refuse_transition(course, action="pause", done="paused", allowed="an active")
    reason = required_reason(
        reason, what="pausing the course", example="Hypertension under review (synthetic)"
    )
    status_change_record(
        actor=actor,
        course=course,
        from_status=course.status,
        to_status=CourseStatus.PAUSED,
        reason=reason,
    )
    return course


def course_resume(*, actor: User, course: TreatmentCourse) -> TreatmentCourse:
    """Paused -> active."""
    _checked(actor, course)
    with transaction.atomic():
        done = _course_resume(actor, locked_course(course))
    return _synced(course, done)


def _course_resume(actor: User, course: TreatmentCourse) -> TreatmentCourse:
    if course.status != CourseStatus.PAUSED:
        raise refuse_transition(course, action="resume", done="resumed", allowed="a paused")
    status_change_record(
        actor=actor, course=course, from_status=course.status, to_status=CourseStatus.ACTIVE
    )
    return course


def course_complete(*, actor: User, course: TreatmentCourse) -> TreatmentCourse:
    """Active or paused -> completed, once every infusion is signed or cancelled."""
    _checked(actor, course)
    with transaction.atomic():
        done = _course_complete(actor, locked_course(course))
    return _synced(course, done)


def _course_complete(actor: User, course: TreatmentCourse) -> TreatmentCourse:
    if course.status not in (CourseStatus.ACTIVE, CourseStatus.PAUSED):
        raise refuse_transition(
            course, action="complete", done="completed", allowed="an active or paused"
        )
    still_open = _open_infusions(course)
    if still_open:
        numbers = ", ".join(str(infusion.session_number) for infusion in still_open)
        raise ApplicationError(
            f"Infusion(s) {numbers} are not signed yet: sign or cancel them on the flowsheet "
            "before completing the course.",
            code=ErrorCode.CONFLICT,
        )
    status_change_record(
        actor=actor, course=course, from_status=course.status, to_status=CourseStatus.COMPLETED
    )
    return course


def course_discontinue(*, actor: User, course: TreatmentCourse, reason: str) -> TreatmentCourse:
    """Planned, active or paused -> discontinued, with a written reason."""
    _checked(actor, course)
    with transaction.atomic():
        done = _course_discontinue(actor, locked_course(course), reason)
    return _synced(course, done)


def _course_discontinue(actor: User, course: TreatmentCourse, reason: str) -> TreatmentCourse:
    if not course.is_open:
        raise refuse_transition(
            course, action="discontinue", done="discontinued", allowed="a planned, active or paused"
        )
    reason = required_reason(
        reason, what="discontinuing the course", example="Patient moved away (synthetic)"
    )
    status_change_record(
        actor=actor,
        course=course,
        from_status=course.status,
        to_status=CourseStatus.DISCONTINUED,
        reason=reason,
    )
    return course

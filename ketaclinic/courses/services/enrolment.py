"""Enrolment: a ready patient joins a treatment course built on a usable protocol version."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.core.errors import ApplicationError, ErrorCode, validated
from ketaclinic.courses.models import (
    OPEN_STATUSES,
    CourseKind,
    CourseStatus,
    TreatmentCourse,
)
from ketaclinic.courses.services._common import (
    locked_course,
    require_course_manager,
    require_staff_member,
    status_change_record,
)
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.protocols.dosing import version_problems
from ketaclinic.protocols.models import ProtocolVersion, VersionStatus

# A planned start further out than this is a typing error, not a plan.
PLANNED_START_MAX_AHEAD = dt.timedelta(days=366)
EARLIEST_START = dt.date(2000, 1, 1)


def _refuse(
    field: str, message: str, code: ErrorCode = ErrorCode.INVALID_INPUT
) -> ApplicationError:
    return ApplicationError(message, code=code, field_errors={field: [message]})


def _check_ready(patient: Patient) -> None:
    readiness = patient_readiness(patient=patient)
    if not readiness.ready:
        raise ApplicationError(
            "The patient is not ready for enrolment: " + " ".join(readiness.missing),
            code=ErrorCode.CONFLICT,
            field_errors={"patient": readiness.missing},
        )


def _check_version(version: ProtocolVersion) -> None:
    if version.status != VersionStatus.ACTIVE:
        raise _refuse(
            "protocol_version",
            f"{version} is {version.get_status_display().lower()}, not active: choose the "
            "protocol's active version.",
        )
    problems = version_problems(version)
    if problems:
        raise _refuse(
            "protocol_version",
            f"{version} cannot be used for treatment yet: " + " ".join(problems),
        )


def _check_no_open_course(patient: Patient) -> None:
    open_course = TreatmentCourse.objects.filter(patient=patient, status__in=OPEN_STATUSES).first()
    if open_course is not None:
        raise _refuse(
            "patient",
            f"The patient already has a {open_course.get_status_display().lower()} course "
            f"(started {open_course.planned_start:%Y-%m-%d}): complete or discontinue it "
            "before enrolling in another.",
            ErrorCode.CONFLICT,
        )


def _check_sessions(version: ProtocolVersion, sessions_planned: int | None) -> int:
    sessions = version.sessions_planned if sessions_planned is None else sessions_planned
    if not 1 <= sessions <= version.sessions_planned:
        raise _refuse(
            "sessions_planned",
            f"{version} plans {version.sessions_planned} session(s): plan between 1 and "
            f"{version.sessions_planned}; for more, enrol a booster course afterwards.",
        )
    return sessions


def _check_start(planned_start: dt.date) -> None:
    if planned_start < EARLIEST_START or planned_start > (
        timezone.localdate() + PLANNED_START_MAX_AHEAD
    ):
        raise _refuse(
            "planned_start",
            f"Planned start {planned_start:%Y-%m-%d} is not plausible: enter a date within "
            "the next 12 months.",
        )


def _check_boosts(course: TreatmentCourse) -> None:
    if course.status != CourseStatus.COMPLETED:
        raise ApplicationError(
            f"A booster follows a completed course; this course is "
            f"{course.get_status_display().lower()}: complete it first, or enrol a new course "
            "if it was discontinued.",
            code=ErrorCode.CONFLICT,
        )


def _check_target(patient: Patient, target: AddictionTarget | None) -> None:
    if target is not None and (target.patient_id != patient.pk or not target.is_active):
        raise _refuse(
            "addiction_target",
            "That addiction target is not an active target in this patient's chart: choose "
            "one of the patient's targets or leave it empty.",
        )


@transaction.atomic
def _enrol(
    *,
    actor: User,
    patient: Patient,
    protocol_version: ProtocolVersion,
    kind: CourseKind,
    booster_of: TreatmentCourse | None,
    addiction_target: AddictionTarget | None,
    planned_start: dt.date,
    supervising_physician: User,
    therapist: User | None,
    sessions_planned: int | None,
) -> TreatmentCourse:
    # Lock the patient so two enrolments at once cannot both see "no open course".
    patient = Patient.objects.select_for_update().select_related("site").get(pk=patient.pk)
    if booster_of is not None:
        booster_of = locked_course(booster_of)
        _check_boosts(booster_of)
    _check_ready(patient)
    _check_version(protocol_version)
    _check_no_open_course(patient)
    _check_target(patient, addiction_target)
    _check_start(planned_start)
    sessions = _check_sessions(protocol_version, sessions_planned)
    require_staff_member(
        patient=patient,
        member=supervising_physician,
        role=Role.PHYSICIAN,
        field="supervising_physician",
    )
    require_staff_member(patient=patient, member=therapist, role=Role.THERAPIST, field="therapist")
    now = timezone.now()
    course = TreatmentCourse(
        patient=patient,
        protocol_version=protocol_version,
        addiction_target=addiction_target,
        kind=kind,
        booster_of=booster_of,
        status=CourseStatus.PLANNED,
        sessions_planned=sessions,
        planned_start=planned_start,
        supervising_physician=supervising_physician,
        therapist=therapist,
        enrolled_by=actor,
        enrolled_at=now,
        status_changed_at=now,
    )
    validated(course, exclude=("patient", "protocol_version"), validate_constraints=False).save()
    status_change_record(actor=actor, course=course, from_status="", to_status=CourseStatus.PLANNED)
    return course


def course_enrol(
    *,
    actor: User,
    patient: Patient,
    protocol_version: ProtocolVersion,
    addiction_target: AddictionTarget | None = None,
    planned_start: dt.date,
    supervising_physician: User,
    therapist: User | None = None,
    sessions_planned: int | None = None,
) -> TreatmentCourse:
    """Enrol a ready patient (readiness gate) in a planned course on an active, usable version.

    Refused, writing nothing, when the patient is not ready (the message lists what is
    missing), the version is not active or not usable, another course is still open, or the
    physician or therapist does not work at the patient's site.
    """
    require_course_manager(actor=actor, patient=patient)
    return _enrol(
        actor=actor,
        patient=patient,
        protocol_version=protocol_version,
        kind=CourseKind.INITIAL,
        booster_of=None,
        addiction_target=addiction_target,
        planned_start=planned_start,
        supervising_physician=supervising_physician,
        therapist=therapist,
        sessions_planned=sessions_planned,
    )


def course_booster_enrol(
    *,
    actor: User,
    course: TreatmentCourse,
    protocol_version: ProtocolVersion,
    planned_start: dt.date,
    supervising_physician: User,
    therapist: User | None = None,
    sessions_planned: int | None = None,
) -> TreatmentCourse:
    """A booster course after a completed one; readiness is checked again (consent, weight)."""
    require_course_manager(actor=actor, patient=course.patient)
    return _enrol(
        actor=actor,
        patient=course.patient,
        protocol_version=protocol_version,
        kind=CourseKind.BOOSTER,
        booster_of=course,
        addiction_target=course.addiction_target,
        planned_start=planned_start,
        supervising_physician=supervising_physician,
        therapist=therapist,
        sessions_planned=sessions_planned,
    )

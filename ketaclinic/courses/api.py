"""Treatment course API: list and enrol, read, transitions, gates, gate overrides, booking.

Every endpoint reads the course through its patient (`patient_get`: site-scoped and audited;
another site's course is the same 404 as a missing one) and calls the same services as the
pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from ketaclinic.accounts.models import User
from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.courses import selectors, services
from ketaclinic.courses.gates import infusion_gates
from ketaclinic.courses.models import GateOverride, TreatmentCourse
from ketaclinic.courses.schemas import (
    CourseDetailOut,
    CourseEnrolIn,
    CourseOut,
    CoursePage,
    GateOverrideIn,
    GateOverrideOut,
    GatesOut,
    InfusionBookedOut,
    InfusionBookIn,
    ReasonIn,
)
from ketaclinic.patients.models import AddictionTarget
from ketaclinic.patients.selectors import patient_get
from ketaclinic.protocols.models import ProtocolVersion
from ketaclinic.scheduling.services import course_infusion_book

router = Router(tags=["courses"])

_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_TARGET = "treatment_course"


def _course(
    request: HttpRequest, course_id: int, allowed: set[str] | None = None
) -> TreatmentCourse:
    reject_unknown_params(request, allowed or set())
    return selectors.course_get(user=api_user(request), course_id=course_id)


def _staff(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        message = f"No active staff member with id {user_id}."
        raise ApplicationError(message, field_errors={field: [message]})
    return found


def _detail(course: TreatmentCourse) -> dict[str, Any]:
    overview = selectors.course_overview(course=course)
    return {
        "course": course,
        "history": overview.history,
        "sessions": [
            {
                "number": s.number,
                "planned_on": s.on,
                "infusion_id": s.infusion.pk if s.infusion else None,
                "infusion_status": s.infusion.status if s.infusion else None,
            }
            for s in overview.sessions
        ],
        "overrides": overview.overrides,
    }


@router.get("/patients/{patient_id}/courses", response={200: CoursePage, **_ERRORS})
def list_courses(
    request: HttpRequest, patient_id: int, params: Query[PageParams]
) -> dict[str, Any]:
    """The patient's treatment courses, newest first."""
    reject_unknown_params(request, {"limit", "offset"})
    patient = patient_get(user=api_user(request), patient_id=patient_id, target_type=_TARGET)
    courses = selectors.patient_courses(patient=patient).select_related("enrolled_by")
    return api_page(courses, params)


@router.post("/patients/{patient_id}/courses", response={201: CourseOut, **_ERRORS})
def enrol_course(request: HttpRequest, patient_id: int, payload: CourseEnrolIn) -> Status[Any]:
    """Enrol a ready patient (or a booster after a completed course). Refused, naming what is
    missing, unless the patient passes the readiness gate and the version is usable."""
    user = api_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type=_TARGET)
    version = (
        ProtocolVersion.objects.select_related("template")
        .filter(pk=payload.protocol_version_id)
        .first()
    )
    if version is None:
        raise ApplicationError(
            f"No protocol version with id {payload.protocol_version_id}.",
            field_errors={"protocol_version_id": ["No such protocol version."]},
        )
    physician = _staff(payload.supervising_physician_id, "supervising_physician_id")
    assert physician is not None  # the id is required
    common: dict[str, Any] = {
        "actor": user,
        "protocol_version": version,
        "planned_start": payload.planned_start,
        "supervising_physician": physician,
        "therapist": _staff(payload.therapist_id, "therapist_id"),
        "sessions_planned": payload.sessions_planned,
    }
    if payload.booster_of_id is not None:
        previous = (
            selectors.patient_courses(patient=patient).filter(pk=payload.booster_of_id).first()
        )
        if previous is None:
            raise NotFoundError("No treatment course with that id in this patient's chart.")
        course = services.course_booster_enrol(course=previous, **common)
    else:
        target = (
            AddictionTarget.objects.filter(pk=payload.addiction_target_id).first()
            if payload.addiction_target_id is not None
            else None
        )
        if payload.addiction_target_id is not None and target is None:
            raise ApplicationError("No addiction target with that id in this patient's chart.")
        course = services.course_enrol(patient=patient, addiction_target=target, **common)
    return Status(201, course)


@router.get("/courses/{course_id}", response={200: CourseDetailOut, **_ERRORS})
def get_course(request: HttpRequest, course_id: int) -> dict[str, Any]:
    """The course with its status history, planned sessions (dates) and gate overrides."""
    return _detail(_course(request, course_id))


@router.post("/courses/{course_id}/start", response={200: CourseOut, **_ERRORS})
def start_course(request: HttpRequest, course_id: int) -> TreatmentCourse:
    """Planned -> active."""
    return services.course_start(actor=api_user(request), course=_course(request, course_id))


@router.post("/courses/{course_id}/pause", response={200: CourseOut, **_ERRORS})
def pause_course(request: HttpRequest, course_id: int, payload: ReasonIn) -> TreatmentCourse:
    """Active -> paused, with a written reason."""
    course = _course(request, course_id)
    return services.course_pause(actor=api_user(request), course=course, reason=payload.reason)


@router.post("/courses/{course_id}/resume", response={200: CourseOut, **_ERRORS})
def resume_course(request: HttpRequest, course_id: int) -> TreatmentCourse:
    """Paused -> active."""
    return services.course_resume(actor=api_user(request), course=_course(request, course_id))


@router.post("/courses/{course_id}/complete", response={200: CourseOut, **_ERRORS})
def complete_course(request: HttpRequest, course_id: int) -> TreatmentCourse:
    """Active or paused -> completed, once every infusion is signed or cancelled."""
    return services.course_complete(actor=api_user(request), course=_course(request, course_id))


@router.post("/courses/{course_id}/discontinue", response={200: CourseOut, **_ERRORS})
def discontinue_course(request: HttpRequest, course_id: int, payload: ReasonIn) -> TreatmentCourse:
    """Planned, active or paused -> discontinued, with a written reason."""
    course = _course(request, course_id)
    return services.course_discontinue(
        actor=api_user(request), course=course, reason=payload.reason
    )


@router.get("/courses/{course_id}/gates", response={200: GatesOut, **_ERRORS})
def get_gates(request: HttpRequest, course_id: int, session_number: int) -> dict[str, Any]:
    """Every gate for starting infusion `session_number`, passed or not, with its fix. The
    entry condition shows as not confirmed: the nurse confirms it on the checklist."""
    course = _course(request, course_id, {"session_number"})
    if session_number < 1:
        raise ApplicationError("session_number must be 1 or more.")
    gates = infusion_gates(
        course=course, session_number=session_number, entry_condition_confirmed=None
    )
    return {
        "course_id": course.pk,
        "session_number": session_number,
        "ready": all(g.passed for g in gates if g.code != "entry_condition"),
        "gates": [
            {
                "code": g.code,
                "label": g.label,
                "passed": g.passed,
                "overridden": g.overridden,
                "detail": g.detail,
            }
            for g in gates
        ],
    }


@router.post("/courses/{course_id}/gate-overrides", response={201: GateOverrideOut, **_ERRORS})
def create_gate_override(
    request: HttpRequest, course_id: int, payload: GateOverrideIn
) -> Status[GateOverride]:
    """A physician allows an infusion although the previous integration is overdue."""
    course = _course(request, course_id)
    override = services.gate_override_record(
        actor=api_user(request),
        course=course,
        session_number=payload.session_number,
        reason=payload.reason,
    )
    return Status(201, override)


@router.post(
    "/courses/{course_id}/infusions", response={201: InfusionBookedOut, 409: ErrorOut, **_ERRORS}
)
def book_infusion(request: HttpRequest, course_id: int, payload: InfusionBookIn) -> Status[Any]:
    """Book a session of an open course (nurse or physician). The gates are checked when the
    infusion starts; list the course's infusions with GET /infusions?course_id=."""
    user = api_user(request)
    reject_unknown_params(request, set())
    course = selectors.course_get(user=user, course_id=course_id, target_type="infusion")
    # Through the calendar, so a chair already booked at that time is a 409.
    infusion = course_infusion_book(actor=user, course=course, **payload.model_dump())
    return Status(
        201,
        {
            "id": infusion.pk,
            "course_id": course.pk,
            "session_number": infusion.session_number,
            "status": infusion.status,
            "scheduled_at": infusion.scheduled_at.astimezone(dt.UTC),  # as stored
            "chair": infusion.chair,
            "flowsheet_url": selectors.flowsheet_path(infusion_id=infusion.pk),
        },
    )

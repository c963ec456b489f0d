"""Site-scoped reads for treatment courses.

A course is read through its patient: `course_get` loads the patient with `patient_get`
(scoped to the user's sites, audited; a course at another site is the same 404 as a missing
one). The other readers take a course or patient already loaded that way.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm, Role
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFoundError
from ketaclinic.courses.gates import Gate, infusion_gates
from ketaclinic.courses.models import (
    OPEN_STATUSES,
    CourseStatusChange,
    GateOverride,
    SiteTreatmentSettings,
    TreatmentCourse,
)
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import care_team_candidates, patient_get
from ketaclinic.protocols.models import ProtocolVersion
from ketaclinic.protocols.selectors import usable_versions
from ketaclinic.therapy.models import IntegrationSession, PreparationSession

TARGET_TYPE = "treatment_course"


def treatment_settings_for(*, site: Site) -> SiteTreatmentSettings:
    """The site's settings, or the defaults (unsaved) when the clinic has not changed any."""
    found = SiteTreatmentSettings.objects.filter(site=site).first()
    return found if found is not None else SiteTreatmentSettings(site=site)


def courses_queryset() -> QuerySet[TreatmentCourse]:
    return TreatmentCourse.objects.select_related(
        "patient__site",
        "protocol_version__template",
        "addiction_target",
        "supervising_physician",
        "therapist",
        "booster_of",
    )


def patient_courses(*, patient: Patient) -> QuerySet[TreatmentCourse]:
    """The patient's courses, newest first (no audit: the caller read the patient)."""
    return courses_queryset().filter(patient=patient).order_by("-enrolled_at", "-id")


def course_get(*, user: User, course_id: int, target_type: str = TARGET_TYPE) -> TreatmentCourse:
    """One course, its read audited against its patient; missing and foreign are one 404."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type=target_type, target_id=course_id)
    course = courses_queryset().filter(pk=course_id).first()
    if course is None:
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type=target_type,
            target_id=course_id,
            outcome=Outcome.DENIED,
            detail="no such course",
        )
        raise NotFoundError("No treatment course with that id at your sites.")
    try:
        course.patient = patient_get(
            user=user, patient_id=course.patient_id, target_type=target_type
        )
    except NotFoundError:
        raise NotFoundError("No treatment course with that id at your sites.") from None
    return course


# --- Planned sessions -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedSession:
    number: int
    on: dt.date | None  # None: the protocol gives no spacing; the clinic schedules it
    infusion: Infusion | None = None


def planned_session_dates(*, course: TreatmentCourse) -> list[tuple[int, dt.date | None]]:
    """Session n is planned `planned_start + (n - 1) x session_spacing_days`; with no spacing
    (a single session, or AZHARI-CANN-2021's second infusion "for non-responders") only the
    first has a date."""
    spacing = course.protocol_version.session_spacing_days
    return [
        (
            number,
            course.planned_start + dt.timedelta(days=(number - 1) * spacing)
            if number == 1 or spacing
            else None,
        )
        for number in range(1, course.sessions_planned + 1)
    ]


def flowsheet_path(*, infusion_id: int) -> str:
    """The infusion's flowsheet URL."""
    return reverse("infusions:flowsheet", args=[infusion_id])


# --- The course page and chart section --------------------------------------------------------


@dataclass(frozen=True)
class InfusionRow:
    infusion: Infusion
    flowsheet_url: str
    integration: IntegrationSession | None
    integration_overdue: bool


@dataclass(frozen=True)
class CourseOverview:
    course: TreatmentCourse
    history: list[CourseStatusChange]
    sessions: list[PlannedSession]
    infusions: list[InfusionRow]
    preparations: list[PreparationSession]
    overrides: list[GateOverride]
    next_session_number: int | None
    next_gates: list[Gate]
    now: dt.datetime

    @property
    def next_gates_passed(self) -> bool:
        return all(gate.passed for gate in self.next_gates)

    @property
    def can_override(self) -> bool:
        return any(
            not gate.passed and gate.code == "integration_not_overdue" for gate in self.next_gates
        )


def next_session_number(*, course: TreatmentCourse, infusions: list[Infusion]) -> int | None:
    """The first planned session without a live infusion; None when every one has one."""
    taken = {i.session_number for i in infusions if i.status != InfusionStatus.CANCELLED}
    free = [n for n in range(1, course.sessions_planned + 1) if n not in taken]
    return free[0] if free else None


def course_overview(*, course: TreatmentCourse, now: dt.datetime | None = None) -> CourseOverview:
    """Everything the course page shows, in a fixed number of queries."""
    moment = now or timezone.now()
    infusions = list(
        Infusion.objects.filter(course=course)
        .select_related("integration")
        .order_by("session_number", "scheduled_at", "id")
    )
    rows = [
        InfusionRow(
            infusion=infusion,
            flowsheet_url=flowsheet_path(infusion_id=infusion.pk),
            integration=getattr(infusion, "integration", None),
            integration_overdue=_overdue(getattr(infusion, "integration", None), moment),
        )
        for infusion in infusions
    ]
    live = {i.session_number: i for i in infusions if i.status != InfusionStatus.CANCELLED}
    number = next_session_number(course=course, infusions=infusions)
    gates = (
        infusion_gates(
            course=course, session_number=number, entry_condition_confirmed=None, now=moment
        )
        if number is not None and course.is_open
        else []
    )
    return CourseOverview(
        course=course,
        history=list(course.status_changes.select_related("changed_by")),
        sessions=[
            PlannedSession(n, on, live.get(n)) for n, on in planned_session_dates(course=course)
        ],
        infusions=rows,
        preparations=list(
            PreparationSession.objects.filter(course=course).select_related(
                "physician", "signed_by"
            )
        ),
        overrides=list(course.gate_overrides.select_related("overridden_by")),
        next_session_number=number,
        next_gates=gates,
        now=moment,
    )


# --- Booking an infusion ---------------------------------------------------------------------

# The booking form's default wall-clock time on the planned day: a scheduling convenience the
# nurse changes freely, not a clinical rule.
DEFAULT_BOOKING_TIME = dt.time(9, 0)


@dataclass(frozen=True)
class BookingDefaults:
    session_number: int
    scheduled_at: dt.datetime  # aware, in the patient's site time zone


def booking_defaults(*, overview: CourseOverview) -> BookingDefaults | None:
    """What the "Book infusion" form proposes: the next session without a live infusion, on
    its planned date at 09:00 site time (today when that date has passed or the protocol gives
    no spacing). None when the course is closed or every planned session is booked."""
    number = overview.next_session_number
    if number is None or not overview.course.is_open:
        return None
    zone = zoneinfo.ZoneInfo(overview.course.patient.site.time_zone)
    today = overview.now.astimezone(zone).date()
    planned = next((s.on for s in overview.sessions if s.number == number), None)
    day = planned if planned is not None and planned >= today else today
    return BookingDefaults(
        session_number=number,
        scheduled_at=dt.datetime.combine(day, DEFAULT_BOOKING_TIME, tzinfo=zone),
    )


def session_choices(*, overview: CourseOverview) -> list[tuple[int, str]]:
    """Every planned session for the booking form's list, the booked ones marked."""
    return [
        (
            s.number,
            f"Session {s.number}: booked ({s.infusion.get_status_display().lower()})"
            if s.infusion is not None
            else f"Session {s.number}"
            + (f", planned {s.on:%Y-%m-%d}" if s.on is not None else ", to be scheduled"),
        )
        for s in overview.sessions
    ]


def _overdue(session: IntegrationSession | None, now: dt.datetime) -> bool:
    return session is not None and session.status == "draft" and session.due_at < now


@dataclass(frozen=True)
class ChartCourses:
    patient: Patient
    current: CourseOverview | None  # the open course, else the most recent one
    others: list[TreatmentCourse]


def chart_courses(*, patient: Patient) -> ChartCourses:
    courses = list(
        patient_courses(patient=patient).prefetch_related(
            Prefetch("status_changes", queryset=CourseStatusChange.objects.order_by("-changed_at"))
        )
    )
    current = next((c for c in courses if c.status in OPEN_STATUSES), None) or (
        courses[0] if courses else None
    )
    return ChartCourses(
        patient=patient,
        current=course_overview(course=current) if current is not None else None,
        others=[c for c in courses if c is not current],
    )


# --- Enrolment choices --------------------------------------------------------------------------


def enrolment_choices(
    *, patient: Patient
) -> tuple[QuerySet[ProtocolVersion], QuerySet[User], QuerySet[User]]:
    """Usable protocol versions, and the physicians and therapists at the patient's site."""
    return (
        usable_versions(),
        care_team_candidates(patient=patient, role=Role.PHYSICIAN),
        care_team_candidates(patient=patient, role=Role.THERAPIST),
    )

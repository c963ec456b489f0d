"""The demo's treatment courses, infusions and ketamine register (issues 5 and 6).

Each site's ready patients are taken, in order, through one scenario each, using the real
services (gates, dose plan, verification, register draw) with explicit past times. The
patients left over stay "ready for enrolment" so a visitor can enrol one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.courses import services as courses
from ketaclinic.courses.models import (
    OPEN_STATUSES,
    CourseStatus,
    CourseStatusChange,
    TreatmentCourse,
)
from ketaclinic.courses.seed import seed_course, seed_integration_note, seed_preparation
from ketaclinic.infusions import seed as infusions
from ketaclinic.infusions.models import Infusion
from ketaclinic.infusions.services import infusion_schedule
from ketaclinic.patients.models import Patient
from ketaclinic.protocols.selectors import active_version
from ketaclinic.questionnaires.seed import seed_meq30_for
from ketaclinic.therapy.models import PreparationSession


@dataclass(frozen=True)
class SiteStaff:
    physician: User
    nurse: User
    therapist: User


# Scenario per ready patient, in order (issue 5 item 12: courses in every state, complete
# KARE-style courses, an infusion running now, an overdue integration, a paused infusion
# with a hypertension alert).
SCENARIOS: dict[str, tuple[str, ...]] = {
    "boston": (
        "completed_kare",
        "completed_kare_330",
        "running_now",
        "paused_hypertension",
        "overdue_integration",
        "completed_kare",
        "booked_today",
        "completed_single",
        "paused_course",
        "discontinued",
        "planned",
        "completed_kare_240",
        "completed_kare_150",
    ),
    "west-hartford": ("completed_kare", "booked_today", "planned"),
}
STAFF = {
    "boston": ("physician", "nurse", "therapist"),
    "west-hartford": ("wh-physician", "wh-nurse", "wh-therapist"),
}


def seed_treatment(*, sites: list[Site], ready: list[Patient], seed: int) -> int:
    """Courses for the ready patients of each site; returns the number of infusions."""
    infused = 0
    for site in sites:
        staff = _staff(site)
        patients = [p for p in ready if p.site_id == site.pk]
        if staff is None:
            continue
        for index, (scenario, patient) in enumerate(
            zip(SCENARIOS.get(site.slug, ()), patients, strict=False)
        ):
            infused += _RUN[scenario](patient, staff, seed + index)
    return infused


def _staff(site: Site) -> SiteStaff | None:
    names = STAFF.get(site.slug)
    if names is None:
        return None
    users = {u.username: u for u in User.objects.filter(username__in=names, sites=site)}
    if len(users) != len(names):
        return None
    physician, nurse, therapist = (users[name] for name in names)
    return SiteStaff(physician=physician, nurse=nurse, therapist=therapist)


def _today() -> dt.date:
    return timezone.localdate()


def _started(
    patient: Patient, staff: SiteStaff, seed: int, code: str, start: dt.date
) -> TreatmentCourse:
    """Enrolled with a start date in the past, prepared the day before, started."""
    course = courses.course_enrol(
        actor=staff.physician,
        patient=patient,
        protocol_version=active_version(code=code),
        planned_start=start,
        supervising_physician=staff.physician,
        therapist=staff.therapist,
    )
    held = timezone.make_aware(dt.datetime.combine(start - dt.timedelta(days=1), dt.time(15)))
    seed_preparation(course=course, physician=staff.physician, seed=seed, held_at=held)
    course = courses.course_start(actor=staff.physician, course=course)
    _backdate(course, enrolled=held - dt.timedelta(days=6), prepared=held)
    course.refresh_from_db()
    return course


def _backdate(course: TreatmentCourse, *, enrolled: dt.datetime, prepared: dt.datetime) -> None:
    """The services stamp the moment they run, but the demo's history happened weeks ago:
    move the enrolment, the preparation's signature and the start back to the days they
    belong to, so the chart reads in order. Demo data only; the audit log keeps the true
    seeding time."""
    started = prepared + dt.timedelta(hours=1)
    PreparationSession.objects.filter(course=course).update(
        signed_at=prepared + dt.timedelta(minutes=50)
    )
    _status_at(course, CourseStatus.PLANNED, enrolled)
    _status_at(course, CourseStatus.ACTIVE, started)
    TreatmentCourse.objects.filter(pk=course.pk).update(enrolled_at=enrolled)


def _status_at(course: TreatmentCourse, status: CourseStatus, at: dt.datetime) -> None:
    CourseStatusChange.objects.filter(course=course, to_status=status).update(changed_at=at)
    TreatmentCourse.objects.filter(pk=course.pk, status=status).update(status_changed_at=at)


def _infuse(
    course: TreatmentCourse, staff: SiteStaff, seed: int, session: int, day: dt.date
) -> Infusion:
    """A completed, signed infusion on `day`, its MEQ-30 and its signed integration note."""
    infusion = infusions.seed_completed_infusion(
        course=course,
        session_number=session,
        day=day,
        nurse=staff.nurse,
        physician=staff.physician,
        seed=seed + session,
    )
    if infusion.discharged_at is None:  # seed_completed_infusion always discharges
        raise RuntimeError(f"demo infusion {infusion.pk} was not discharged")
    seed_meq30_for(
        patient=course.patient,
        completed_at=infusion.discharged_at + dt.timedelta(minutes=5),
        actor=staff.nurse,
        seed=seed + session,
    )
    return infusion


def _weekly(course: TreatmentCourse, staff: SiteStaff, seed: int, days: list[int]) -> int:
    for session, days_ago in enumerate(days, start=1):
        infusion = _infuse(course, staff, seed, session, _today() - dt.timedelta(days=days_ago))
        seed_integration_note(
            integration=infusion.integration, therapist=staff.therapist, seed=seed + session
        )
    return len(days)


def _completed_kare(days_ago: int) -> Callable[[Patient, SiteStaff, int], int]:
    """Three weekly KARE infusions starting `days_ago` days ago, then the course completed
    (older courses spread the register's administrations over the year)."""

    def run(patient: Patient, staff: SiteStaff, seed: int) -> int:
        start = _today() - dt.timedelta(days=days_ago)
        course = _started(patient, staff, seed, "kare-2022", start)
        count = _weekly(course, staff, seed, [days_ago, days_ago - 7, days_ago - 14])
        _complete(course, staff)
        return count

    return run


def _complete(course: TreatmentCourse, staff: SiteStaff) -> None:
    """Completed the day after its last infusion was signed (see `_backdate`)."""
    course = courses.course_complete(actor=staff.physician, course=course)
    last = course.infusions.filter(signed_at__isnull=False).order_by("-signed_at").first()
    if last is not None and last.signed_at is not None:
        _status_at(course, CourseStatus.COMPLETED, last.signed_at + dt.timedelta(days=1))


def _completed_single(patient: Patient, staff: SiteStaff, seed: int) -> int:
    course = _started(patient, staff, seed, "dakwar-alc-2020", _today() - dt.timedelta(days=35))
    count = _weekly(course, staff, seed, [35])
    _complete(course, staff)
    return count


def _running_now(patient: Patient, staff: SiteStaff, seed: int) -> int:
    course = _started(patient, staff, seed, "kare-2022", _today() - dt.timedelta(days=14))
    _weekly(course, staff, seed, [14, 7])
    infusions.seed_running_infusion(
        course=course, session_number=3, nurse=staff.nurse, physician=staff.physician, seed=seed
    )
    return 3


def _paused_hypertension(patient: Patient, staff: SiteStaff, seed: int) -> int:
    course = _started(patient, staff, seed, "kare-2022", _today())
    infusions.seed_paused_with_hypertension(
        course=course, session_number=1, nurse=staff.nurse, physician=staff.physician, seed=seed
    )
    return 1


def _overdue_integration(patient: Patient, staff: SiteStaff, seed: int) -> int:
    """Infusion 1 five days ago; its integration (due within 72 h) was never held."""
    course = _started(patient, staff, seed, "kare-2022", _today() - dt.timedelta(days=5))
    _infuse(course, staff, seed, 1, _today() - dt.timedelta(days=5))
    return 1


def _booked_today(patient: Patient, staff: SiteStaff, seed: int) -> int:
    """Prepared and started, session 1 booked in Chair 4 two hours from now."""
    course = _started(patient, staff, seed, "kare-2022", _today())
    infusion_schedule(
        actor=staff.nurse,
        course=course,
        session_number=1,
        scheduled_at=timezone.now() + dt.timedelta(hours=2),
        chair="Chair 4",
    )
    return 0


def _status_only(status: CourseStatus) -> Callable[[Patient, SiteStaff, int], int]:
    def run(patient: Patient, staff: SiteStaff, seed: int) -> int:
        seed_course(
            patient=patient,
            physician=staff.physician,
            therapist=staff.therapist,
            protocol_code="kare-2022",
            status=status,
            seed=seed,
        )
        return 0

    return run


_RUN: dict[str, Callable[[Patient, SiteStaff, int], int]] = {
    "completed_kare": _completed_kare(70),
    "completed_kare_330": _completed_kare(330),
    "completed_kare_240": _completed_kare(240),
    "completed_kare_150": _completed_kare(150),
    "completed_single": _completed_single,
    "running_now": _running_now,
    "paused_hypertension": _paused_hypertension,
    "overdue_integration": _overdue_integration,
    "booked_today": _booked_today,
    "paused_course": _status_only(CourseStatus.PAUSED),
    "discontinued": _status_only(CourseStatus.DISCONTINUED),
    "planned": _status_only(CourseStatus.PLANNED),
}


def refresh_live_infusion(*, seed: int = 42) -> str:
    """On a demo restart, keep the chair board alive: when no Boston infusion is running
    from the last three hours, start one (25 minutes in) for a ready patient without a
    course. Says what it did, for the demo command to print."""
    from ketaclinic.eligibility.readiness import patient_readiness

    site = Site.objects.filter(slug="boston").first()
    staff = _staff(site) if site is not None else None
    if site is None or staff is None:
        return "No Boston demo site: no live infusion started."
    recent = timezone.now() - dt.timedelta(hours=3)
    if Infusion.objects.filter(site=site, status="running", started_at__gte=recent).exists():
        return "An infusion is already running on the Boston chair board."
    candidates = Patient.objects.filter(site=site, is_active=True).exclude(
        treatment_courses__status__in=[s.value for s in OPEN_STATUSES]
    )
    for patient in candidates.order_by("pk"):
        if patient_readiness(patient=patient).ready:
            course = _started(patient, staff, seed, "kare-2022", _today())
            infusions.seed_running_infusion(
                course=course,
                session_number=1,
                nurse=staff.nurse,
                physician=staff.physician,
                seed=seed,
            )
            return f"Started a live demo infusion for {patient.mrn} on the Boston chair board."
    return "No ready Boston patient left for a live demo infusion."

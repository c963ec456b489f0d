"""The demo calendar: per site four chairs and three rooms, opening hours, the demo staff's
weekly hours, the appointment types, and a realistic week of appointments (three days
back to three ahead, today included): the week's demo infusions in their chairs, evaluations,
preparations, integrations and follow-ups, some cancelled and one no-show, with reasons.

Rows are written in bulk (the booking rules are the services'; the demo infusions were
booked by the treatment seed already). Deterministic for a given seed."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.courses.models import OPEN_STATUSES, TreatmentCourse
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Availability,
    Hold,
    HoldRole,
    OpeningHours,
    Resource,
    ResourceKind,
)
from ketaclinic.scheduling.services.config import appointment_types_ensure
from ketaclinic.treatment_seed import STAFF

CHAIRS = ("Chair 1", "Chair 2", "Chair 3", "Chair 4")
ROOMS = ("Room 1", "Room 2", "Room 3")
WEEKDAYS = range(5)
SATURDAY = 5
# Sites open on Saturday mornings too.
SATURDAY_SITES = {"boston"}
DAY = (dt.time(8), dt.time(18))
SATURDAY_HOURS = (dt.time(9), dt.time(13))
FRONT_DESK = "frontdesk"
# A day's room bookings: (hour, minute, kind, room index, who: physician or therapist).
ROOM_PLAN = (
    (9, 0, AppointmentKind.EVALUATION, 0, "physician"),
    (10, 30, AppointmentKind.PREPARATION, 1, "physician"),
    (11, 0, AppointmentKind.INTEGRATION, 2, "therapist"),
    (13, 30, AppointmentKind.FOLLOW_UP, 0, "physician"),
    (14, 0, AppointmentKind.INTEGRATION, 2, "therapist"),
    (15, 30, AppointmentKind.FOLLOW_UP, 1, "therapist"),
)
CANCEL_REASONS = (
    "Patient asked to move it: work shift changed (synthetic)",
    "Patient unwell with a cold, rebooking next week (synthetic)",
)
NO_SHOW_REASON = "No answer to two calls; voicemail left (synthetic)"


@dataclass(frozen=True)
class _Staff:
    physician: User
    nurse: User
    therapist: User
    desk: User


def seed_schedule(*, sites: list[Site], seed: int) -> int:
    """Set up each site's calendar and fill its week; returns the appointments written."""
    written = 0
    for site in sites:
        staff = _staff(site)
        if staff is None:
            continue
        appointment_types_ensure(site)
        resources = _resources(site)
        _availability(site, staff)
        written += _week(site, staff, resources, random.Random(f"{seed}:{site.slug}"))  # noqa: S311  # synthetic
    return written


def _staff(site: Site) -> _Staff | None:
    names = STAFF.get(site.slug)
    if names is None:
        return None
    users = {u.username: u for u in User.objects.filter(username__in=[*names, FRONT_DESK])}
    if not all(name in users for name in names):
        return None
    physician, nurse, therapist = (users[name] for name in names)
    return _Staff(physician, nurse, therapist, users.get(FRONT_DESK, physician))


def _hours(site: Site) -> list[tuple[int, dt.time, dt.time]]:
    days = [(weekday, *DAY) for weekday in WEEKDAYS]
    if site.slug in SATURDAY_SITES:
        days.append((SATURDAY, *SATURDAY_HOURS))
    return days


def _resources(site: Site) -> dict[str, Resource]:
    wanted = [(ResourceKind.CHAIR, name, n) for n, name in enumerate(CHAIRS, 1)] + [
        (ResourceKind.ROOM, name, n) for n, name in enumerate(ROOMS, 1)
    ]
    Resource.objects.bulk_create(
        [Resource(site=site, kind=kind, name=name, sort_order=n) for kind, name, n in wanted],
        ignore_conflicts=True,
    )
    resources = {r.name: r for r in Resource.objects.filter(site=site)}
    if not OpeningHours.objects.filter(resource__site=site).exists():
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=resource, weekday=day, opens_at=opens, closes_at=closes)
            for resource in resources.values()
            for day, opens, closes in _hours(site)
        )
    return resources


def _availability(site: Site, staff: _Staff) -> None:
    people = (staff.physician, staff.nurse, staff.therapist)
    if Availability.objects.filter(site=site, user__in=people).exists():
        return
    Availability.objects.bulk_create(
        Availability(user=person, site=site, weekday=day, starts_at=start, ends_at=end)
        for person in people
        for day, start, end in _hours(site)
    )


def _week_days(site: Site) -> list[dt.date]:
    """Three days back to three ahead (so some of the week is always past, even on a
    Monday), the days the site is open."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(site.time_zone)).date()
    open_days = {day for day, _start, _end in _hours(site)}
    days = [today + dt.timedelta(days=n) for n in range(-3, 4)]
    return [day for day in days if day.weekday() in open_days]


def _status(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> AppointmentStatus:
    if end <= now:
        return AppointmentStatus.COMPLETED
    return AppointmentStatus.ARRIVED if start <= now else AppointmentStatus.BOOKED


def _holds(appointment: Appointment) -> list[Hold]:
    resource_role = (
        HoldRole.CHAIR if appointment.kind == AppointmentKind.INFUSION else HoldRole.ROOM
    )
    active = appointment.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
    holds = [Hold(resource=appointment.resource, role=resource_role)]
    if appointment.kind == AppointmentKind.INFUSION:
        holds += [Hold(staff=appointment.nurse, role=HoldRole.NURSE)] if appointment.nurse else []
        holds += [Hold(staff=appointment.clinician, role=HoldRole.PHYSICIAN)]
    else:
        holds.append(Hold(staff=appointment.clinician, role=HoldRole.CLINICIAN))
    for hold in holds:
        hold.appointment, hold.starts_at, hold.ends_at = (
            appointment,
            appointment.starts_at,
            appointment.ends_at,
        )
        hold.active = active
    return holds


def _week(site: Site, staff: _Staff, resources: dict[str, Resource], rng: random.Random) -> int:
    if Appointment.objects.filter(site=site).exists():
        return 0  # the demo keeps its calendar when it starts again
    days = _week_days(site)
    if not days:
        return 0
    zone = zoneinfo.ZoneInfo(site.time_zone)
    now = timezone.now()
    first = dt.datetime.combine(days[0], dt.time.min, tzinfo=zone)
    last = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    appointments = _infusions(site, staff, resources, first, last, now)
    appointments += _rooms(site, staff, resources, days, zone, now, rng, appointments)
    Appointment.objects.bulk_create(appointments)
    Hold.objects.bulk_create(hold for a in appointments for hold in _holds(a))
    return len(appointments)


def _infusions(
    site: Site,
    staff: _Staff,
    resources: dict[str, Resource],
    first: dt.datetime,
    last: dt.datetime,
    now: dt.datetime,
) -> list[Appointment]:
    """The week's demo infusions (booked by the treatment seed) in their chairs; the
    integration of each is booked the next open day in Room 3."""
    infusions = (
        Infusion.objects.filter(site=site)
        .filter(
            Q(scheduled_at__gte=first, scheduled_at__lt=last)
            | Q(status__in=("running", "paused", "ended"))
        )
        .exclude(status=InfusionStatus.CANCELLED)
        .select_related("course", "patient")
        .order_by("scheduled_at", "pk")
    )
    made = []
    for infusion in infusions:
        seat = resources.get(infusion.chair) or resources[CHAIRS[0]]
        start = infusion.started_at or infusion.scheduled_at
        end = start + dt.timedelta(minutes=120)
        status = _status(start, end, now)
        if infusion.status in (InfusionStatus.RUNNING, InfusionStatus.PAUSED, InfusionStatus.ENDED):
            status = AppointmentStatus.ARRIVED
        made.append(
            Appointment(
                site=site,
                patient=infusion.patient,
                kind=AppointmentKind.INFUSION,
                starts_at=start,
                ends_at=end,
                resource=seat,
                clinician=infusion.supervising_physician or staff.physician,
                nurse=infusion.nurse or staff.nurse,
                course=infusion.course,
                infusion=infusion,
                status=status,
                created_by=staff.desk,
                created_at=start - dt.timedelta(days=7),
            )
        )
    return made


def _patients(site: Site, rng: random.Random, count: int) -> list[Patient]:
    pool = list(Patient.objects.filter(site=site, is_active=True).order_by("pk")[: count * 3])
    rng.shuffle(pool)
    return pool[:count]


def _rooms(
    site: Site,
    staff: _Staff,
    resources: dict[str, Resource],
    days: list[dt.date],
    zone: zoneinfo.ZoneInfo,
    now: dt.datetime,
    rng: random.Random,
    infusions: list[Appointment],
) -> list[Appointment]:
    """The rooms' week: evaluations, preparations, integrations (those after this week's
    infusions first) and follow-ups; two cancelled and one no-show, with reasons."""
    rooms = [resources[name] for name in ROOMS]
    plan = [
        (day, *slot)
        for day in days
        for slot in ROOM_PLAN
        if day.weekday() < SATURDAY or slot[0] < 12
    ]
    patients = _patients(site, rng, len(plan))
    courses = {
        c.patient_id: c
        for c in TreatmentCourse.objects.filter(patient__site=site, status__in=OPEN_STATUSES)
    }
    integrations = [
        a for a in infusions if a.infusion and a.infusion.status != InfusionStatus.SCHEDULED
    ]
    made: list[Appointment] = []
    for index, (day, hour, minute, kind, room, who) in enumerate(plan):
        start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
        end = start + dt.timedelta(minutes=30 if kind == AppointmentKind.FOLLOW_UP else 60)
        patient = patients[index % len(patients)] if patients else None
        infusion = None
        if kind == AppointmentKind.INTEGRATION:
            source = _integration_source(integrations, start, end)
            if source is not None:
                infusion, patient = source.infusion, source.patient
        if patient is None:
            continue
        linked = kind in (AppointmentKind.PREPARATION, AppointmentKind.INTEGRATION)
        course = infusion.course if infusion else (courses.get(patient.pk) if linked else None)
        made.append(
            Appointment(
                site=site,
                patient=patient,
                kind=kind,
                starts_at=start,
                ends_at=end,
                resource=rooms[room],
                clinician=staff.physician if who == "physician" else staff.therapist,
                course=course,
                integration_for=infusion,
                status=_status(start, end, now),
                note="Prefers a morning reminder call (synthetic)" if index % 5 == 0 else "",
                created_by=staff.desk,
                created_at=start - dt.timedelta(days=5),
            )
        )
    _call_offs(made, staff, now)
    return made


def _integration_source(
    integrations: list[Appointment], start: dt.datetime, end: dt.datetime
) -> Appointment | None:
    """The first of the week's infusions whose 72-hour integration window holds the span."""
    for source in integrations:
        if source.ends_at <= start and end <= source.ends_at + dt.timedelta(hours=72):
            integrations.remove(source)
            return source
    return None


def _call_offs(appointments: list[Appointment], staff: _Staff, now: dt.datetime) -> None:
    """The first past appointment (not an integration) was a no-show; two bookings ahead were
    cancelled, each with its reason."""
    past = [
        a
        for a in appointments
        if a.status == AppointmentStatus.COMPLETED and a.integration_for is None
    ]
    ahead = [a for a in appointments if a.status == AppointmentStatus.BOOKED][1::3][:2]
    changes = [
        (a, AppointmentStatus.CANCELLED, r) for a, r in zip(ahead, CANCEL_REASONS, strict=False)
    ]
    changes += [(a, AppointmentStatus.NO_SHOW, NO_SHOW_REASON) for a in past[:1]]
    for appointment, status, reason in changes:
        appointment.status, appointment.status_reason = status, reason
        appointment.status_changed_by = staff.desk
        appointment.status_changed_at = min(now, appointment.starts_at + dt.timedelta(minutes=20))

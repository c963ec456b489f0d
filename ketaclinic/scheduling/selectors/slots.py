"""Free times to offer: for each day, the start times at which a chair or room of the right
kind and the people the appointment needs are all free, by the same rules the booking service
enforces (rules.py). For an infusion of a course, only days that keep the protocol's spacing
are offered, with the gates still to be met shown as warnings (booking ahead is allowed; the
gates are checked again when the infusion starts)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Q
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.courses.gates import Gate, infusion_gates
from ketaclinic.courses.models import GateCode, TreatmentCourse
from ketaclinic.scheduling import rules
from ketaclinic.scheduling.models import (
    AppointmentKind,
    AppointmentType,
    Availability,
    Hold,
    HoldRole,
    OpeningHours,
    Resource,
    TimeOff,
)
from ketaclinic.scheduling.selectors.course import course_spacing, next_session_number
from ketaclinic.scheduling.services._common import clock, zone_of
from ketaclinic.scheduling.services.config import appointment_types_ensure, nurses_at

STEP = dt.timedelta(minutes=30)
MAX_DAYS = 28


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    resources: list[Resource]
    clinicians: list[User]
    nurses: list[User] = field(default_factory=list)
    late: bool = False  # an infusion after the protocol's spacing window
    time: str = ""  # 9:30, site time


@dataclass(frozen=True)
class SlotDay:
    day: dt.date
    slots: list[Slot]


@dataclass
class SlotOffer:
    site: Site
    kind: str
    type: AppointmentType
    days: list[SlotDay]
    spacing: rules.SpacingWindow | None = None
    session_number: int | None = None
    warnings: list[Gate] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(day.slots) for day in self.days)


@dataclass
class _Calendar:
    """Everything one offer needs, loaded in a fixed number of queries."""

    hours: dict[tuple[int, int], list[rules.Window]]
    availability: dict[tuple[int, int], list[rules.Window]]
    away: dict[int, list[TimeOff]]
    resource_holds: dict[int, list[Hold]]
    staff_holds: dict[int, list[Hold]]


def _load(
    site: Site, resources: list[Resource], staff: list[User], start: dt.datetime, end: dt.datetime
) -> _Calendar:
    hours: dict[tuple[int, int], list[rules.Window]] = defaultdict(list)
    for row in OpeningHours.objects.filter(resource__in=resources):
        hours[(row.resource_id, row.weekday)].append(rules.Window(row.opens_at, row.closes_at))
    availability: dict[tuple[int, int], list[rules.Window]] = defaultdict(list)
    for slot in Availability.objects.filter(site=site, user__in=staff):
        availability[(slot.user_id, slot.weekday)].append(
            rules.Window(slot.starts_at, slot.ends_at)
        )
    away: dict[int, list[TimeOff]] = defaultdict(list)
    for leave in TimeOff.objects.filter(user__in=staff, starts_at__lt=end, ends_at__gt=start):
        away[leave.user_id].append(leave)
    resource_holds: dict[int, list[Hold]] = defaultdict(list)
    staff_holds: dict[int, list[Hold]] = defaultdict(list)
    holds = Hold.objects.filter(active=True, starts_at__lt=end, ends_at__gt=start).filter(
        Q(resource__in=resources) | Q(staff__in=staff)
    )
    for hold in holds:
        if hold.resource_id is not None:
            resource_holds[hold.resource_id].append(hold)
        if hold.staff_id is not None:
            staff_holds[hold.staff_id].append(hold)
    return _Calendar(hours, availability, away, resource_holds, staff_holds)


def _free_staff(
    cal: _Calendar,
    people: list[User],
    role: HoldRole,
    start: dt.datetime,
    end: dt.datetime,
    zone: dt.tzinfo,
) -> list[User]:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    return [
        person
        for person in people
        if rules.covers(
            cal.availability[(person.pk, local_start.weekday())], local_start, local_end
        )
        and not any(rules.overlaps(t, start, end) for t in cal.away[person.pk])
        and rules.staff_conflict(role, cal.staff_holds[person.pk], start, end) is None
    ]


def _days(
    offer: SlotOffer, day_from: dt.date, days: int, today: dt.date
) -> list[tuple[dt.date, bool]]:
    """The days to search, each with whether it is past the spacing window (late)."""
    candidates = [day_from + dt.timedelta(days=n) for n in range(min(days, MAX_DAYS))]
    window = offer.spacing
    chosen = []
    for day in candidates:
        if day < today or (window and window.earliest and day < window.earliest):
            continue
        chosen.append((day, bool(window and window.latest and day > window.latest)))
    return chosen


def _course_context(offer: SlotOffer, course: TreatmentCourse) -> None:
    number = next_session_number(course=course)
    if number is None:
        return
    offer.session_number = number
    offer.spacing = course_spacing(course=course, session_number=number)
    # The entry condition is confirmed at the checklist on the day: never a booking warning.
    offer.warnings = [
        gate
        for gate in infusion_gates(
            course=course, session_number=number, entry_condition_confirmed=None
        )
        if not gate.passed and gate.code != GateCode.ENTRY_CONDITION
    ]


def available_slots(
    *,
    site: Site,
    kind: str,
    day_from: dt.date,
    days: int,
    course: TreatmentCourse | None = None,
    resource: Resource | None = None,
    clinician: User | None = None,
) -> SlotOffer:
    """Free start times (every 30 minutes) over `days` days from `day_from` at `site`. The
    caller has scoped `site`, `course`, `resource` and `clinician` to the user."""
    kind_type = appointment_types_ensure(site)[kind]
    offer = SlotOffer(site, kind, kind_type, [])
    infusion = kind == AppointmentKind.INFUSION
    if infusion and course is not None:
        _course_context(offer, course)
    zone = zone_of(site)
    resources = (
        [resource]
        if resource is not None
        else list(Resource.objects.filter(site=site, kind=kind_type.resource_kind, is_active=True))
    )
    resources.sort(key=lambda r: (r.sort_order, r.name))
    perm = Perm(kind_type.clinician_perm)
    clinicians = (
        [clinician] if clinician is not None else list(staff_with_perm(site=site, perm=perm))
    )
    nurses = list(nurses_at(site=site)) if infusion else []
    now = timezone.now()
    wanted = _days(offer, day_from, days, now.astimezone(zone).date())
    if not wanted or not resources or not clinicians:
        offer.days = [SlotDay(day, []) for day, _late in wanted]
        return offer
    start = dt.datetime.combine(wanted[0][0], dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(wanted[-1][0] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    cal = _load(site, resources, [*clinicians, *nurses], start, end)
    length = dt.timedelta(minutes=kind_type.default_minutes)
    for day, late in wanted:
        slots = []
        moment = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        while moment.date() == day:
            slot = _slot(
                cal, moment, moment + length, resources, clinicians, nurses, infusion, zone
            )
            if slot is not None and moment >= now:
                slots.append(replace(slot, late=late, time=clock(moment)))
            moment += STEP
        offer.days.append(SlotDay(day, slots))
    return offer


def _slot(
    cal: _Calendar,
    start: dt.datetime,
    end: dt.datetime,
    resources: list[Resource],
    clinicians: list[User],
    nurses: list[User],
    infusion: bool,
    zone: dt.tzinfo,
) -> Slot | None:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    weekday = local_start.weekday()
    free_resources = [
        r
        for r in resources
        if rules.covers(cal.hours[(r.pk, weekday)], local_start, local_end)
        and rules.resource_conflict(cal.resource_holds[r.pk], start, end) is None
    ]
    if not free_resources:
        return None
    role = HoldRole.PHYSICIAN if infusion else HoldRole.CLINICIAN
    free_clinicians = _free_staff(cal, clinicians, role, start, end, zone)
    if not free_clinicians:
        return None
    free_nurses = _free_staff(cal, nurses, HoldRole.NURSE, start, end, zone) if infusion else []
    if infusion and not free_nurses:
        return None
    return Slot(start, end, free_resources, free_clinicians, free_nurses)


def free_staff(
    *, site: Site, people: list[User], role: HoldRole, starts_at: dt.datetime, ends_at: dt.datetime
) -> list[User]:
    """Who of `people` works at `site` for the whole span, is not away and has room for
    `role` then (a nurse with fewer than two infusions, a clinician with none)."""
    cal = _load(site, [], people, starts_at, ends_at)
    return _free_staff(cal, people, role, starts_at, ends_at, zone_of(site))

"""What the calendar pages show: a site's day as a grid (columns are chairs and rooms, rows
are quarter hours) and a week as one column per day, for a site, a chair or room, or a
clinician. Each page runs the same few queries however many appointments it shows."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    OpeningHours,
    Resource,
)
from ketaclinic.scheduling.services._common import clock, zone_of

ROW_MINUTES = 15
MAX_LIST_DAYS = 31
DEFAULT_DAY = (dt.time(8), dt.time(18))
# Shown in the grid: what occupies (or occupied) the calendar. Cancelled and no-shows are
# listed under it instead.
ON_GRID = (*ACTIVE_STATUSES, AppointmentStatus.COMPLETED)


def require_calendar(*, user: User) -> None:
    """The front desk and clinicians book; the clinic admin sees the calendar to configure it
    (without patients)."""
    if user.has_role_perm(Perm.SCHEDULE_MANAGE):
        return
    require_perm(
        user=user,
        perm=Perm.APPOINTMENT_BOOK,
        target_type="calendar",
        message="Your role does not use the calendar. Ask the front desk.",
    )


def calendar_sites(*, user: User) -> list[Site]:
    return list(Site.objects.filter(pk__in=user.site_ids, is_active=True).order_by("name"))


def calendar_site(*, user: User, site_id: int | None) -> Site:
    """One of the user's sites (the first when none is asked for); another site is a 404."""
    require_calendar(user=user)
    sites = calendar_sites(user=user)
    if not sites:
        raise NotFoundError("You are not assigned to a site: ask your clinic admin.")
    if site_id is None:
        return sites[0]
    found = next((site for site in sites if site.pk == site_id), None)
    if found is None:
        raise NotFoundError("No site with that id among your sites.")
    return found


def site_resources(*, site: Site, kind: str = "") -> QuerySet[Resource]:
    resources = Resource.objects.filter(site=site, is_active=True)
    if kind:
        resources = resources.filter(kind=kind)
    return resources.order_by("kind", "sort_order", "name")


def resource_get(*, user: User, resource_id: int) -> Resource:
    require_calendar(user=user)
    found = (
        Resource.objects.select_related("site")
        .filter(pk=resource_id, site_id__in=user.site_ids)
        .first()
    )
    if found is None:
        raise NotFoundError("No chair or room with that id at your sites.")
    return found


def clinician_get(*, user: User, clinician_id: int) -> User:
    """A clinician who works at one of the user's sites."""
    require_calendar(user=user)
    found = (
        User.objects.filter(pk=clinician_id, is_active=True, sites__id__in=user.site_ids)
        .distinct()
        .first()
    )
    if found is None or not found.has_role_perm(Perm.CALENDAR_FEED):
        raise NotFoundError("No clinician with that id at your sites.")
    return found


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(
        "patient", "resource", "clinician", "nurse", "site"
    ).order_by("starts_at", "id")


def _span(site: Site, first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    zone = zone_of(site)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(first + dt.timedelta(days=days), dt.time.min, tzinfo=zone)


@dataclass
class Block:
    """One appointment as the calendar shows it (the patient only to those who may see it)."""

    appointment: Appointment
    show_patient: bool
    starts: str
    ends: str
    rows: int = 1

    @property
    def kind(self) -> str:
        return self.appointment.get_kind_display()

    @property
    def patient(self) -> Patient | None:
        return self.appointment.patient if self.show_patient else None


def _block(user: User, appointment: Appointment, site: Site) -> Block:
    zone = zone_of(site)
    return Block(
        appointment=appointment,
        show_patient=user.has_role_perm(Perm.PATIENT_VIEW),
        starts=clock(appointment.starts_at.astimezone(zone)),
        ends=clock(appointment.ends_at.astimezone(zone)),
    )


def _audit(user: User, appointments: list[Appointment], target_type: str) -> None:
    if not user.has_role_perm(Perm.PATIENT_VIEW):
        return
    shown = {a.patient_id: a.patient for a in appointments}
    audit_record_patient_reads(actor=user, patients=shown.values(), target_type=target_type)


# --- The site's day: a grid -------------------------------------------------------------


@dataclass
class Cell:
    block: Block | None = None
    covered: bool = False  # under a block that started in an earlier row


@dataclass
class GridRow:
    time: str
    on_the_hour: bool
    cells: list[Cell]


@dataclass
class DayGrid:
    site: Site
    day: dt.date
    resources: list[Resource]
    rows: list[GridRow]
    off_grid: list[Block] = field(default_factory=list)  # cancelled, no-shows, no resource


def _bounds(hours: list[OpeningHours], blocks: list[Block], site: Site) -> tuple[int, int]:
    """The grid's first and last quarter hour (minutes from midnight): the opening hours,
    stretched to any appointment outside them."""
    zone = zone_of(site)
    starts = [h.opens_at.hour * 60 + h.opens_at.minute for h in hours]
    ends = [h.closes_at.hour * 60 + h.closes_at.minute for h in hours]
    for block in blocks:
        begin = block.appointment.starts_at.astimezone(zone)
        finish = block.appointment.ends_at.astimezone(zone)
        starts.append(begin.hour * 60 + begin.minute)
        ends.append(finish.hour * 60 + finish.minute if finish.date() == begin.date() else 1440)
    first = min(starts, default=DEFAULT_DAY[0].hour * 60)
    last = max(ends, default=DEFAULT_DAY[1].hour * 60)
    return first - first % ROW_MINUTES, math.ceil(last / ROW_MINUTES) * ROW_MINUTES


def day_grid(*, user: User, site: Site, day: dt.date) -> DayGrid:
    """The site's chairs and rooms side by side for one day, quarter hour by quarter hour."""
    require_calendar(user=user)
    resources = list(site_resources(site=site))
    start, end = _span(site, day, 1)
    appointments = list(_appointments().filter(site=site, starts_at__lt=end, ends_at__gt=start))
    hours = list(OpeningHours.objects.filter(resource__in=resources, weekday=day.weekday()))
    column = {resource.pk: index for index, resource in enumerate(resources)}
    on_grid = [
        _block(user, a, site)
        for a in appointments
        if a.status in ON_GRID and a.resource_id in column
    ]
    first, last = _bounds(hours, on_grid, site)
    grid = DayGrid(site, day, resources, [])
    for minute in range(first, last, ROW_MINUTES):
        label = f"{minute // 60}:{minute % 60:02d}"
        grid.rows.append(GridRow(label, minute % 60 == 0, [Cell() for _ in resources]))
    zone = zone_of(site)
    for block in on_grid:
        begin = block.appointment.starts_at.astimezone(zone)
        minute = max(first, begin.hour * 60 + begin.minute) if begin.date() == day else first
        row = (minute - first) // ROW_MINUTES
        appointment = block.appointment
        length = (min(appointment.ends_at, end) - max(appointment.starts_at, start)).total_seconds()
        block.rows = max(1, min(math.ceil(length / 60 / ROW_MINUTES), len(grid.rows) - row))
        cells = [r.cells[column[block.appointment.resource_id or 0]] for r in grid.rows]
        if any(c.block or c.covered for c in cells[row : row + block.rows]):
            grid.off_grid.append(block)  # an overlap the service never allows: list it
            continue
        cells[row].block = block
        for cell in cells[row + 1 : row + block.rows]:
            cell.covered = True
    grid.off_grid += [
        _block(user, a, site)
        for a in appointments
        if a.status not in ON_GRID or a.resource_id not in column
    ]
    _audit(user, appointments, "calendar")
    return grid


def site_appointments(*, site: Site, first: dt.date, last: dt.date) -> QuerySet[Appointment]:
    """A site's appointments starting from day `first` to day `last` (included), site dates;
    the caller scoped the site and audits the page it shows."""
    days = (last - first).days + 1
    if not 1 <= days <= MAX_LIST_DAYS:
        message = f"Give 'from' on or before 'to', at most {MAX_LIST_DAYS} days apart."
        raise ApplicationError(message, field_errors={"to": [message]})
    start, end = _span(site, first, days)
    return _appointments().filter(site=site, starts_at__gte=start, starts_at__lt=end)


# --- A week: one column per day -----------------------------------------------------------


@dataclass
class WeekDay:
    day: dt.date
    blocks: list[Block]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_columns(
    *,
    user: User,
    site: Site | None = None,
    resource: Resource | None = None,
    clinician: User | None = None,
    first: dt.date,
    days: int = 7,
) -> list[WeekDay]:
    """Appointments day by day for a site, one chair or room, or one clinician (as the
    clinician, nurse or supervising physician), at the user's sites."""
    require_calendar(user=user)
    anchor = site or (resource.site if resource else None)
    if anchor is None:
        anchor = calendar_site(user=user, site_id=None)
    start, end = _span(anchor, first, days)
    queryset = _appointments().filter(
        site_id__in=user.site_ids, starts_at__lt=end, ends_at__gt=start
    )
    if site is not None:
        queryset = queryset.filter(site=site)
    if resource is not None:
        queryset = queryset.filter(resource=resource)
    if clinician is not None:
        queryset = queryset.filter(Q(clinician=clinician) | Q(nurse=clinician))
    appointments = list(queryset)
    zone = zone_of(anchor)
    columns = [WeekDay(first + dt.timedelta(days=n), []) for n in range(days)]
    for appointment in appointments:
        offset = (appointment.starts_at.astimezone(zone).date() - first).days
        if 0 <= offset < days:
            columns[offset].blocks.append(_block(user, appointment, anchor))
    _audit(user, appointments, "calendar")
    return columns


def appointment_get(*, user: User, appointment_id: int) -> Appointment:
    """One appointment at the user's sites, audited as a read of its patient."""
    require_calendar(user=user)
    found = (
        _appointments()
        .select_related("course__therapist", "infusion", "integration_for", "status_changed_by")
        .filter(pk=appointment_id, site_id__in=user.site_ids)
        .first()
    )
    if found is None:
        elsewhere = Appointment.objects.filter(pk=appointment_id).select_related("patient").first()
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            patient=elsewhere.patient if elsewhere else None,
            target_type="appointment",
            target_id=appointment_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if elsewhere else "no such appointment",
        )
        raise NotFoundError("No appointment with that id at your sites.")
    _audit(user, [found], "appointment")
    return found

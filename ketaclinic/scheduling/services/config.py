"""The clinic admin's side of the calendar: chairs and rooms, their opening hours, clinicians'
weekly availability and time off, and each site's appointment types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import validated
from ketaclinic.scheduling.models import (
    AppointmentKind,
    AppointmentType,
    Availability,
    Hold,
    OpeningHours,
    Resource,
    ResourceKind,
    TimeOff,
    Weekday,
)
from ketaclinic.scheduling.services._common import (
    BookingConflictError,
    audit,
    refuse,
    require_manager,
    span_label,
    zone_of,
)


@dataclass(frozen=True)
class TypeDefault:
    minutes: int
    resource_kind: ResourceKind
    clinician_perm: Perm
    needs_nurse: bool = False
    needs_physician_on_site: bool = False


# What each kind of appointment needs by default (issue 8). The clinician is whoever holds
# the permission: evaluations and preparations are a physician's, integrations a therapist's;
# a follow-up may be with any clinician (the roles with a calendar feed: physician, nurse,
# therapist). An infusion's clinician is its supervising physician (course.manage).
DEFAULT_TYPES: dict[AppointmentKind, TypeDefault] = {
    AppointmentKind.EVALUATION: TypeDefault(60, ResourceKind.ROOM, Perm.ELIGIBILITY_DECIDE),
    AppointmentKind.PREPARATION: TypeDefault(60, ResourceKind.ROOM, Perm.PREPARATION_SIGN),
    AppointmentKind.INFUSION: TypeDefault(
        120,
        ResourceKind.CHAIR,
        Perm.COURSE_MANAGE,
        needs_nurse=True,
        needs_physician_on_site=True,
    ),
    AppointmentKind.INTEGRATION: TypeDefault(60, ResourceKind.ROOM, Perm.INTEGRATION_SIGN),
    AppointmentKind.FOLLOW_UP: TypeDefault(30, ResourceKind.ROOM, Perm.CALENDAR_FEED),
}
# The nurse of an infusion: someone who charts infusions but does not order them (the roles
# give no permission only nurses hold; this keeps the physician, who may also chart, out of
# the nurse list without looking at role names).
NURSE_PERM = Perm.INFUSION_CHART
PRESCRIBER_PERM = Perm.COURSE_MANAGE


def nurses_at(*, site: Site) -> QuerySet[User]:
    prescribers = staff_with_perm(site=site, perm=PRESCRIBER_PERM).values("pk")
    return staff_with_perm(site=site, perm=NURSE_PERM).exclude(pk__in=prescribers)


def appointment_types_ensure(site: Site) -> dict[str, AppointmentType]:
    """The site's appointment types by kind, creating the defaults that are missing (a system
    step: idempotent, no actor; the site's admin may change them afterwards)."""
    found = {t.kind: t for t in AppointmentType.objects.filter(site=site)}
    missing = [
        AppointmentType(
            site=site,
            kind=kind,
            default_minutes=default.minutes,
            resource_kind=default.resource_kind,
            clinician_perm=default.clinician_perm.value,
            needs_nurse=default.needs_nurse,
            needs_physician_on_site=default.needs_physician_on_site,
        )
        for kind, default in DEFAULT_TYPES.items()
        if kind not in found
    ]
    if missing:
        AppointmentType.objects.bulk_create(missing, ignore_conflicts=True)
        found = {t.kind: t for t in AppointmentType.objects.filter(site=site)}
    return found


@transaction.atomic
def appointment_type_update(
    *, actor: User, appointment_type: AppointmentType, default_minutes: int
) -> AppointmentType:
    require_manager(actor=actor, site=appointment_type.site)
    appointment_type.default_minutes = default_minutes
    validated(appointment_type, exclude=("site",)).save()
    audit(
        actor=actor,
        action=Action.UPDATE,
        site=appointment_type.site,
        target_type="appointment_type",
        target_id=appointment_type.pk,
        detail=f"{appointment_type.kind} {default_minutes} min",
    )
    return appointment_type


# --- Chairs and rooms ---------------------------------------------------------------------


@transaction.atomic
def resource_create(
    *, actor: User, site: Site, kind: str, name: str, sort_order: int = 0
) -> Resource:
    require_manager(actor=actor, site=site)
    name = name.strip()
    if Resource.objects.filter(site=site, name__iexact=name).exists():
        raise refuse("name", f"{site.name} already has '{name}': choose another name.")
    resource = Resource(site=site, kind=kind, name=name, sort_order=sort_order)
    validated(resource, exclude=("site",), validate_constraints=False).save()
    audit(
        actor=actor,
        action=Action.CREATE,
        site=site,
        target_type="resource",
        target_id=resource.pk,
        detail=f"{kind} {name}",
    )
    return resource


@transaction.atomic
def resource_update(
    *, actor: User, resource: Resource, name: str, sort_order: int, is_active: bool
) -> Resource:
    """Rename, reorder or retire a chair or room. Retiring one with bookings ahead is refused:
    move them first."""
    require_manager(actor=actor, site=resource.site)
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    name = name.strip()
    clash = Resource.objects.filter(site=resource.site, name__iexact=name).exclude(pk=resource.pk)
    if clash.exists():
        raise refuse("name", f"{resource.site.name} already has '{name}': choose another name.")
    if resource.is_active and not is_active:
        ahead = Hold.objects.filter(
            resource=resource, active=True, ends_at__gt=dt.datetime.now(tz=dt.UTC)
        ).first()
        if ahead is not None:
            when = span_label(resource.site, ahead.starts_at, ahead.ends_at)
            raise BookingConflictError(
                f"{resource.name} is booked {when}: move or cancel its bookings before "
                "retiring it.",
                field="is_active",
            )
    resource.name, resource.sort_order, resource.is_active = name, sort_order, is_active
    validated(resource, exclude=("site",), validate_constraints=False).save()
    audit(
        actor=actor,
        action=Action.UPDATE,
        site=resource.site,
        target_type="resource",
        target_id=resource.pk,
        detail=f"{name} order {sort_order} {'active' if is_active else 'retired'}",
    )
    return resource


def _overlapping(rows: list[tuple[dt.time, dt.time]], start: dt.time, end: dt.time) -> bool:
    return any(s < end and e > start for s, e in rows)


@transaction.atomic
def opening_hours_add(
    *, actor: User, resource: Resource, weekday: int, opens_at: dt.time, closes_at: dt.time
) -> OpeningHours:
    require_manager(actor=actor, site=resource.site)
    hours = OpeningHours(resource=resource, weekday=weekday, opens_at=opens_at, closes_at=closes_at)
    if closes_at <= opens_at:
        raise refuse("closes_at", "Closing time must be after opening time: check the times.")
    validated(hours, exclude=("resource",))
    existing = OpeningHours.objects.filter(resource=resource, weekday=weekday)
    if _overlapping([(h.opens_at, h.closes_at) for h in existing], opens_at, closes_at):
        day = Weekday(weekday).label
        raise refuse(
            "opens_at",
            f"{resource.name} already has hours on {day} that overlap: remove them first.",
        )
    hours.save()
    audit(
        actor=actor,
        action=Action.CREATE,
        site=resource.site,
        target_type="opening_hours",
        target_id=hours.pk,
        detail=f"{resource.name} {Weekday(weekday).label} {opens_at:%H:%M}-{closes_at:%H:%M}",
    )
    return hours


def _booked_in_weekly_hours(
    holds: QuerySet[Hold], *, site: Site, weekday: int, starts: dt.time, ends: dt.time
) -> Hold | None:
    """The first booking ahead that falls in these weekly hours, in the site's time."""
    zone = zone_of(site)
    ahead = holds.filter(active=True, ends_at__gt=dt.datetime.now(tz=dt.UTC)).order_by("starts_at")
    for hold in ahead:
        start, end = hold.starts_at.astimezone(zone), hold.ends_at.astimezone(zone)
        if start.weekday() == weekday and start.time() < ends and end.time() > starts:
            return hold
    return None


@transaction.atomic
def opening_hours_remove(*, actor: User, hours: OpeningHours) -> None:
    """Configuration, not a clinical record: the row is deleted (and the change audited).
    Refused while bookings ahead fall in these hours: move them first."""
    site = hours.resource.site
    require_manager(actor=actor, site=site)
    booked = _booked_in_weekly_hours(
        Hold.objects.filter(resource=hours.resource),
        site=site,
        weekday=hours.weekday,
        starts=hours.opens_at,
        ends=hours.closes_at,
    )
    if booked is not None:
        raise BookingConflictError(
            f"{hours.resource.name} is booked "
            f"{span_label(site, booked.starts_at, booked.ends_at)}: move or cancel its "
            "bookings in these hours before removing them.",
            field="hours",
        )
    audit(
        actor=actor,
        action=Action.DELETE,
        site=hours.resource.site,
        target_type="opening_hours",
        target_id=hours.pk,
        detail=str(hours),
    )
    hours.delete()


# --- Clinicians' availability and time off ------------------------------------------------


def _require_clinician(member: User, site: Site) -> None:
    """Only staff who can be booked (a physician, nurse or therapist) at `site` have hours."""
    at_site = member.is_active and member.sites.filter(pk=site.pk).exists()
    if not (at_site and member.has_role_perm(Perm.CALENDAR_FEED)):
        raise refuse(
            "user",
            f"{member} is not a clinician at {site.name}: choose a physician, nurse or "
            "therapist who works there.",
        )


@transaction.atomic
def availability_add(
    *,
    actor: User,
    user: User,
    site: Site,
    weekday: int,
    starts_at: dt.time,
    ends_at: dt.time,
) -> Availability:
    require_manager(actor=actor, site=site)
    _require_clinician(user, site)
    if ends_at <= starts_at:
        raise refuse("ends_at", "The end must be after the start: check the times.")
    row = Availability(user=user, site=site, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
    validated(row, exclude=("user", "site"))
    # One person cannot be at two sites (or twice at one) at the same hour of the week.
    existing = Availability.objects.filter(user=user, weekday=weekday)
    if _overlapping([(a.starts_at, a.ends_at) for a in existing], starts_at, ends_at):
        raise refuse(
            "starts_at",
            f"{user} already works hours on {Weekday(weekday).label} that overlap: remove "
            "them first.",
        )
    row.save()
    audit(
        actor=actor,
        action=Action.CREATE,
        site=site,
        target_type="availability",
        target_id=row.pk,
        detail=f"{user.username} {Weekday(weekday).label} {starts_at:%H:%M}-{ends_at:%H:%M}",
    )
    return row


@transaction.atomic
def availability_remove(*, actor: User, availability: Availability) -> None:
    """Refused while the clinician has bookings ahead at the site in these hours."""
    require_manager(actor=actor, site=availability.site)
    booked = _booked_in_weekly_hours(
        Hold.objects.filter(staff=availability.user, appointment__site=availability.site),
        site=availability.site,
        weekday=availability.weekday,
        starts=availability.starts_at,
        ends=availability.ends_at,
    )
    if booked is not None:
        raise BookingConflictError(
            f"{availability.user} is booked "
            f"{span_label(availability.site, booked.starts_at, booked.ends_at)}: move or cancel "
            "those bookings before removing these hours.",
            field="availability",
        )
    audit(
        actor=actor,
        action=Action.DELETE,
        site=availability.site,
        target_type="availability",
        target_id=availability.pk,
        detail=f"{availability.user.username} {availability.get_weekday_display()}",
    )
    availability.delete()


@transaction.atomic
def time_off_add(
    *, actor: User, user: User, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
) -> TimeOff:
    """Leave or training. Refused while the clinician has bookings in the span: move them
    first, so nobody turns up to an empty room."""
    site = user.sites.filter(pk__in=actor.site_ids).first()
    require_manager(actor=actor)
    if site is None:
        raise refuse("user", f"{user} does not work at your sites.")
    if ends_at <= starts_at:
        raise refuse("ends_at", "The end must be after the start: check the dates.")
    booked = (
        Hold.objects.filter(staff=user, active=True, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("appointment__site")
        .first()
    )
    if booked is not None:
        when = span_label(booked.appointment.site, booked.starts_at, booked.ends_at)
        raise BookingConflictError(
            f"{user} is booked {when}: move or cancel that booking before adding time off.",
            field="starts_at",
        )
    row = TimeOff(user=user, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:120])
    validated(row, exclude=("user",)).save()
    audit(
        actor=actor,
        action=Action.CREATE,
        site=site,
        target_type="time_off",
        target_id=row.pk,
        detail=f"{user.username} away",
    )
    return row


@transaction.atomic
def time_off_remove(*, actor: User, time_off: TimeOff) -> None:
    require_manager(actor=actor)
    if not time_off.user.sites.filter(pk__in=actor.site_ids).exists():
        raise refuse("user", f"{time_off.user} does not work at your sites.")
    audit(
        actor=actor,
        action=Action.DELETE,
        target_type="time_off",
        target_id=time_off.pk,
        detail=f"{time_off.user.username} back",
    )
    time_off.delete()

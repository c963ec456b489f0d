"""What the clinic admin's calendar page lists: a site's chairs and rooms with their hours,
its clinicians' weekly availability and time off ahead."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.core.errors import NotFoundError
from ketaclinic.scheduling.models import (
    AppointmentType,
    Availability,
    OpeningHours,
    Resource,
    TimeOff,
)


def require_manager(*, user: User) -> None:
    require_perm(
        user=user,
        perm=Perm.SCHEDULE_MANAGE,
        target_type="schedule",
        message="Only a clinic admin can change chairs, rooms, hours and availability.",
    )


def clinicians_at(*, site: Site) -> QuerySet[User]:
    return staff_with_perm(site=site, perm=Perm.CALENDAR_FEED)


@dataclass(frozen=True)
class SiteSetup:
    site: Site
    resources: list[Resource]
    availability: list[Availability]
    time_off: list[TimeOff]
    types: list[AppointmentType]


def site_setup(*, user: User, site: Site) -> SiteSetup:
    require_manager(user=user)
    resources = list(
        Resource.objects.filter(site=site)
        .prefetch_related(Prefetch("hours", OpeningHours.objects.order_by("weekday", "opens_at")))
        .order_by("kind", "sort_order", "name")
    )
    staff = clinicians_at(site=site)
    availability = list(
        Availability.objects.filter(site=site, user__in=staff)
        .select_related("user")
        .order_by("user__last_name", "user__username", "weekday", "starts_at")
    )
    away = list(
        TimeOff.objects.filter(user__in=staff, ends_at__gt=timezone.now())
        .select_related("user")
        .order_by("starts_at")
    )
    types = list(AppointmentType.objects.filter(site=site).order_by("kind"))
    return SiteSetup(site, resources, availability, away, types)


def _at_sites(user: User) -> list[int]:
    return list(user.site_ids)


def managed_resource(*, user: User, resource_id: int) -> Resource:
    require_manager(user=user)
    found = Resource.objects.filter(pk=resource_id, site_id__in=_at_sites(user)).first()
    if found is None:
        raise NotFoundError("No chair or room with that id at your sites.")
    return found


def managed_hours(*, user: User, hours_id: int) -> OpeningHours:
    require_manager(user=user)
    found = (
        OpeningHours.objects.select_related("resource__site")
        .filter(pk=hours_id, resource__site_id__in=_at_sites(user))
        .first()
    )
    if found is None:
        raise NotFoundError("No such opening hours at your sites.")
    return found


def managed_availability(*, user: User, availability_id: int) -> Availability:
    require_manager(user=user)
    found = (
        Availability.objects.select_related("site", "user")
        .filter(pk=availability_id, site_id__in=_at_sites(user))
        .first()
    )
    if found is None:
        raise NotFoundError("No such availability at your sites.")
    return found


def managed_time_off(*, user: User, time_off_id: int) -> TimeOff:
    require_manager(user=user)
    found = (
        TimeOff.objects.select_related("user")
        .filter(pk=time_off_id, user__sites__id__in=_at_sites(user))
        .distinct()
        .first()
    )
    if found is None:
        raise NotFoundError("No such time off at your sites.")
    return found

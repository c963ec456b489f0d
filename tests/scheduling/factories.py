"""Factories and small helpers for the calendar tests."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.models import Site, User
from ketaclinic.scheduling.models import (
    Availability,
    OpeningHours,
    Resource,
    ResourceKind,
    TimeOff,
)

ALL_WEEK = range(7)


class ResourceFactory(DjangoModelFactory[Resource]):
    """A chair at a site; pass site= (and kind=ResourceKind.ROOM for a room)."""

    class Meta:
        model = Resource

    kind = ResourceKind.CHAIR
    name = factory.Sequence(lambda n: f"Chair {n + 1}")
    sort_order = factory.Sequence(lambda n: n)


class OpeningHoursFactory(DjangoModelFactory[OpeningHours]):
    class Meta:
        model = OpeningHours

    weekday = 1
    opens_at = dt.time(8)
    closes_at = dt.time(18)


class AvailabilityFactory(DjangoModelFactory[Availability]):
    class Meta:
        model = Availability

    weekday = 1
    starts_at = dt.time(8)
    ends_at = dt.time(18)


class TimeOffFactory(DjangoModelFactory[TimeOff]):
    class Meta:
        model = TimeOff

    reason = "Training (synthetic)"


def open_all_week(resource: Resource, opens: int = 8, closes: int = 18) -> Resource:
    for weekday in ALL_WEEK:
        OpeningHoursFactory(
            resource=resource, weekday=weekday, opens_at=dt.time(opens), closes_at=dt.time(closes)
        )
    return resource


def works_all_week(user: User, site: Site, starts: int = 8, ends: int = 18) -> User:
    for weekday in ALL_WEEK:
        AvailabilityFactory(
            user=user, site=site, weekday=weekday, starts_at=dt.time(starts), ends_at=dt.time(ends)
        )
    return user


def chair(site: Site, name: str, *, kind: str = ResourceKind.CHAIR, order: int = 0) -> Resource:
    return open_all_week(ResourceFactory(site=site, name=name, kind=kind, sort_order=order))


def day_ahead(days: int = 3) -> dt.date:
    """A day safely in the future (site time), so a booking at 09:00 is never in the past."""
    return timezone.localdate() + dt.timedelta(days=days)


def at(day: dt.date, hour: int, minute: int = 0, zone: str = "America/New_York") -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zoneinfo.ZoneInfo(zone))


def add_appointments(
    *, site: Site, resources: list[Resource], clinician: User, day: dt.date, count: int
) -> list[Any]:
    """`count` booked evaluations on `day`, one patient each, spread over the resources and
    15-minute starts (rows written directly: for query-count tests, not booking rules)."""
    from ketaclinic.scheduling.models import Appointment, Hold
    from tests.factories import PatientFactory

    appointments = []
    for n in range(count):
        patient = PatientFactory(site=site)
        start = at(day, 8) + dt.timedelta(minutes=15 * (n // len(resources)))
        appointments.append(
            Appointment(
                site=site,
                patient=patient,
                kind="evaluation",
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=15),
                resource=resources[n % len(resources)],
                clinician=clinician,
                created_by=clinician,
                created_at=timezone.now(),
            )
        )
    Appointment.objects.bulk_create(appointments)
    Hold.objects.bulk_create(
        Hold(
            appointment=a,
            resource=a.resource,
            role="room",
            starts_at=a.starts_at,
            ends_at=a.ends_at,
        )
        for a in appointments
    )
    return appointments

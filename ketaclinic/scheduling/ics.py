"""A clinician's appointments as an iCalendar (RFC 5545) feed, built with `icalendar`
(CRLF line endings, 75-octet folding, UTC times). Nothing about the patient goes in: the
summary is the kind and the chair or room, the location the site."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event  # type: ignore[import-untyped]  # ships no type hints

from ketaclinic.scheduling.models import Appointment, AppointmentStatus

PRODID = "-//Ketaclinic//Clinician calendar//EN"


def _event(appointment: Appointment, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@ketaclinic")
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
    event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
    where = appointment.resource.name if appointment.resource else appointment.site.name
    event.add("summary", f"{appointment.get_kind_display()} — {where}")
    event.add("location", appointment.site.name)
    cancelled = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def calendar_ics(*, appointments: list[Appointment], name: str, now: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = now.astimezone(dt.UTC)
    for appointment in appointments:
        calendar.add_component(_event(appointment, stamp))
    ics: bytes = calendar.to_ical()
    return ics

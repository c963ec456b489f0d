"""What the booking page offers: patients to pick, the chairs, rooms and staff for a kind of
appointment, free slots as links that fill the form, and the integration session to book
after an infusion."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.infusions.models import Infusion
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_list, patient_list_audit
from ketaclinic.scheduling.models import Appointment, AppointmentKind, Resource
from ketaclinic.scheduling.selectors.course import IntegrationWindow, integration_window
from ketaclinic.scheduling.selectors.slots import Slot, SlotDay, SlotOffer, available_slots
from ketaclinic.scheduling.services._common import zone_of
from ketaclinic.scheduling.services.config import appointment_types_ensure, nurses_at

SEARCH_LIMIT = 20


def booking_patients(*, user: User, query: str) -> list[Patient]:
    """Patients at the user's sites matching a name or MRN (at most 20), audited as read."""
    if not query.strip():
        return []
    found = list(patient_list(user=user, query=query)[:SEARCH_LIMIT])
    patient_list_audit(user=user, patients=found)
    return found


@dataclass(frozen=True)
class Choices:
    resources: QuerySet[Resource]
    clinicians: QuerySet[User]
    nurses: QuerySet[User]


def booking_choices(*, site: Site, kind: str) -> Choices:
    """The site's chairs or rooms and the staff who can take `kind` (all clinicians and rooms
    and chairs when no kind is chosen yet)."""
    resources = Resource.objects.filter(site=site, is_active=True).order_by(
        "kind", "sort_order", "name"
    )
    if kind in AppointmentKind.values:
        kind_type = appointment_types_ensure(site)[kind]
        resources = resources.filter(kind=kind_type.resource_kind)
        clinicians = staff_with_perm(site=site, perm=Perm(kind_type.clinician_perm))
    else:
        clinicians = staff_with_perm(site=site, perm=Perm.CALENDAR_FEED)
    return Choices(resources, clinicians, nurses_at(site=site))


@dataclass(frozen=True)
class SlotLink:
    time: str
    label: str
    href: str
    late: bool


@dataclass(frozen=True)
class LinkDay:
    day: dt.date
    links: list[SlotLink]


def _preferred(people: list[User], wanted: User | None) -> User | None:
    if wanted is not None and wanted in people:
        return wanted
    return people[0] if people else None


def slot_links(
    *, offer: SlotOffer, patient: Patient, preferred: User | None = None, **extra: str
) -> list[LinkDay]:
    """Each free slot as a link back to the booking page with the form filled in: the first
    free chair or room, the preferred clinician when free (else the first), the first nurse."""
    zone = zone_of(offer.site)
    base = reverse("scheduling:book")
    days = []
    for day in offer.days:
        links = []
        for slot in day.slots:
            clinician = _preferred(slot.clinicians, preferred)
            nurse = _preferred(slot.nurses, None)
            params = {
                "patient": str(patient.pk),
                "kind": offer.kind,
                "starts_at": slot.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
                "resource": str(slot.resources[0].pk),
                "clinician": str(clinician.pk) if clinician else "",
                "nurse": str(nurse.pk) if nurse else "",
                **extra,
            }
            label = f"{slot.time} {slot.resources[0].name}"
            if clinician is not None and offer.kind != AppointmentKind.INFUSION:
                label += f" with {clinician}"
            links.append(SlotLink(slot.time, label, f"{base}?{urlencode(params)}", slot.late))
        days.append(LinkDay(day.day, links))
    return days


@dataclass(frozen=True)
class IntegrationOffer:
    window: IntegrationWindow
    therapist: User | None
    days: list[LinkDay]
    booked: Appointment | None


def _within(offer: SlotOffer, window: IntegrationWindow) -> None:
    offer.days = [
        SlotDay(
            day.day,
            [s for s in day.slots if window.opens_at <= s.starts_at and s.ends_at <= window.due_at],
        )
        for day in offer.days
    ]


def integration_offer(*, infusion: Infusion, appointment: Appointment) -> IntegrationOffer:
    """Right after an infusion is booked: free integration slots with the course's therapist
    inside the integration window (from the infusion's expected end)."""
    window = integration_window(infusion=infusion)
    therapist = infusion.course.therapist
    booked = (
        Appointment.objects.filter(integration_for=infusion, status__in=("booked", "arrived"))
        .select_related("resource", "clinician")
        .first()
    )
    zone = zone_of(infusion.site)
    first = window.opens_at.astimezone(zone).date()
    days = math.ceil(window.hours / 24) + 1
    offer = available_slots(
        site=infusion.site,
        kind=AppointmentKind.INTEGRATION,
        day_from=first,
        days=days,
        clinician=therapist,
    )
    _within(offer, window)
    links = slot_links(
        offer=offer,
        patient=appointment.patient,
        preferred=therapist,
        integration_for=str(infusion.pk),
    )
    return IntegrationOffer(window, therapist, [d for d in links if d.links], booked)


def first_slots(days: list[LinkDay], per_day: int) -> list[LinkDay]:
    return [LinkDay(d.day, d.links[:per_day]) for d in days]


__all__ = [
    "Choices",
    "IntegrationOffer",
    "LinkDay",
    "Slot",
    "SlotLink",
    "booking_choices",
    "booking_patients",
    "integration_offer",
    "slot_links",
]

"""What a booking is assembling as its checks pass, and the site-time wording they share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ketaclinic.accounts.models import Site, User
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import AppointmentType, HoldRole, Resource
from ketaclinic.scheduling.services._common import clock, zone_of


@dataclass
class Plan:
    """What a booking will hold, filled in as the checks pass."""

    patient: Patient
    type: AppointmentType
    starts_at: dt.datetime
    ends_at: dt.datetime
    resource: Resource
    clinician: User | None = None
    nurse: User | None = None
    course: TreatmentCourse | None = None
    session_number: int | None = None
    integration_for: Infusion | None = None
    staff: list[tuple[User, HoldRole]] = field(default_factory=list)

    @property
    def site(self) -> Site:
        return self.patient.site


def article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def local(site: Site, moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(zone_of(site))


def when(site: Site, moment: dt.datetime) -> str:
    here = local(site, moment)
    return f"{here:%a} {here.day} {here:%b} {clock(here)}"

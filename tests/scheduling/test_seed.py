"""The demo calendar (scheduling.seed)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.seed import seed_sites_and_staff
from ketaclinic.scheduling.models import Appointment, Availability, OpeningHours, Resource
from ketaclinic.scheduling.seed import seed_schedule
from tests.factories import PatientFactory
from tests.treatment import InfusionFactory, TreatmentCourseFactory, protocol_version


def test_the_demo_week_has_chairs_rooms_hours_and_todays_infusions(db):
    """Given the demo sites and staff, patients, and an infusion booked today in Chair 3,
    when the calendar is seeded, then each site has four chairs and three rooms, open
    weekdays (and Saturday morning in Boston), the demo staff have hours, today's infusion
    has its booking in Chair 3, and the week has every kind, cancellations and a no-show;
    seeding again writes nothing."""
    sites = seed_sites_and_staff()
    boston = Site.objects.get(slug="boston")
    for site in sites:
        for _ in range(30):
            PatientFactory(site=site)
    physician = User.objects.get(username="physician")
    course = TreatmentCourseFactory(
        patient=PatientFactory(site=boston),
        protocol_version=protocol_version(),
        supervising_physician=physician,
    )
    soon = timezone.now() + dt.timedelta(minutes=30)
    infusion = InfusionFactory(
        course=course, created_by=physician, chair="Chair 3", scheduled_at=soon
    )

    written = seed_schedule(sites=sites, seed=11)

    assert written == Appointment.objects.count() > 20
    names = list(Resource.objects.filter(site=boston).values_list("name", flat=True))
    assert names == ["Chair 1", "Chair 2", "Chair 3", "Chair 4", "Room 1", "Room 2", "Room 3"]
    weekdays = {
        s.slug: set(OpeningHours.objects.filter(resource__site=s).values_list("weekday", flat=True))
        for s in sites
    }
    assert weekdays == {"boston": {0, 1, 2, 3, 4, 5}, "west-hartford": {0, 1, 2, 3, 4}}
    assert Availability.objects.filter(user=physician, site=boston).count() == 6
    booked = Appointment.objects.select_related("resource").get(infusion=infusion)
    assert booked.resource is not None
    assert (booked.resource.name, booked.kind, booked.status) == ("Chair 3", "infusion", "booked")
    kinds = Counter(Appointment.objects.values_list("kind", flat=True))
    assert set(kinds) == {"evaluation", "preparation", "infusion", "integration", "follow_up"}
    statuses = Counter(Appointment.objects.values_list("status", flat=True))
    assert statuses["cancelled"] == 4
    assert statuses["no_show"] == 2
    assert all(
        a.status_reason for a in Appointment.objects.filter(status__in=["cancelled", "no_show"])
    )
    assert seed_schedule(sites=sites, seed=11) == 0

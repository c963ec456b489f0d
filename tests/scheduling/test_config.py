"""The clinic admin's configuration services (scheduling.services.config)."""

from __future__ import annotations

import datetime as dt

import pytest

from ketaclinic.audit.models import AuditEvent
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.scheduling.models import (
    AppointmentType,
    Availability,
    OpeningHours,
    Resource,
    TimeOff,
)
from ketaclinic.scheduling.services import (
    BookingConflictError,
    appointment_book,
    appointment_types_ensure,
    availability_add,
    availability_remove,
    opening_hours_remove,
    resource_create,
    resource_update,
    time_off_add,
)
from tests.scheduling.factories import at, day_ahead


def test_appointment_types_have_the_issue_defaults(boston):
    """Each site gets the five kinds once, with the default lengths and needs."""
    types = appointment_types_ensure(boston)
    appointment_types_ensure(boston)
    summary = {
        kind: (
            t.default_minutes,
            t.resource_kind,
            t.clinician_perm,
            t.needs_nurse,
            t.needs_physician_on_site,
        )
        for kind, t in types.items()
    }
    assert summary == {
        "evaluation": (60, "room", "eligibility.decide", False, False),
        "preparation": (60, "room", "preparation.sign", False, False),
        "infusion": (120, "chair", "course.manage", True, True),
        "integration": (60, "room", "integration.sign", False, False),
        "follow_up": (30, "room", "calendar.feed", False, False),
    }
    assert AppointmentType.objects.count() == 5


def test_a_duplicate_resource_name_is_refused(clinic_admin, boston, chair1):
    with pytest.raises(ApplicationError) as refused:
        resource_create(actor=clinic_admin, site=boston, kind="chair", name="chair 1")
    assert refused.value.message == "Boston, MA already has 'chair 1': choose another name."
    assert Resource.objects.count() == 1
    audited = resource_create(actor=clinic_admin, site=boston, kind="room", name="Room 7")
    assert AuditEvent.objects.get(target_type="resource", action="create").target_id == str(
        audited.pk
    )


def test_the_front_desk_cannot_create_resources(frontdesk, boston):
    with pytest.raises(PermissionDeniedError):
        resource_create(actor=frontdesk, site=boston, kind="chair", name="Chair 9")
    assert Resource.objects.count() == 0


def test_retiring_a_chair_with_bookings_ahead_is_refused(
    clinic_admin, frontdesk, patient, course, chair1, nurse
):
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="infusion",
        starts_at=at(day, 9),
        resource=chair1,
        nurse=nurse,
    )
    with pytest.raises(BookingConflictError) as refused:
        resource_update(
            actor=clinic_admin, resource=chair1, name="Chair 1", sort_order=1, is_active=False
        )
    assert refused.value.message == (
        f"Chair 1 is booked 9:00-11:00 on {day:%a} {day.day} {day:%b}: move or cancel its "
        "bookings before retiring it."
    )
    chair1.refresh_from_db()
    assert chair1.is_active is True


def test_availability_overlapping_the_same_weekday_is_refused(clinic_admin, boston, doctor):
    """The physician already works every day 8:00-18:00 (fixture): another 17:00-19:00 on
    Monday overlaps and is refused; nothing is added."""
    before = Availability.objects.count()
    with pytest.raises(ApplicationError) as refused:
        availability_add(
            actor=clinic_admin,
            user=doctor,
            site=boston,
            weekday=0,
            starts_at=dt.time(17),
            ends_at=dt.time(19),
        )
    assert refused.value.message == (
        "Casey Example already works hours on Monday that overlap: remove them first."
    )
    assert Availability.objects.count() == before


def test_time_off_over_a_booking_is_refused(clinic_admin, frontdesk, patient, room1, doctor):
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, 9),
        resource=room1,
        clinician=doctor,
    )
    with pytest.raises(BookingConflictError) as refused:
        time_off_add(
            actor=clinic_admin,
            user=doctor,
            starts_at=at(day, 0),
            ends_at=at(day, 23),
            reason="Leave",
        )
    assert refused.value.message == (
        f"Casey Example is booked 9:00-10:00 on {day:%a} {day.day} {day:%b}: move or cancel "
        "that booking before adding time off."
    )
    assert TimeOff.objects.count() == 0
    away = time_off_add(
        actor=clinic_admin,
        user=doctor,
        starts_at=at(day + dt.timedelta(days=1), 0),
        ends_at=at(day + dt.timedelta(days=2), 0),
        reason="Conference (synthetic)",
    )
    assert (away.user_id, away.reason) == (doctor.pk, "Conference (synthetic)")


def test_hours_with_bookings_ahead_cannot_be_removed(
    clinic_admin, frontdesk, patient, room1, doctor
):
    """Given an evaluation at 9:00 in Room 1 with Casey, removing Room 1's opening hours or
    Casey's working hours for that weekday is refused naming the booking, and nothing is
    removed; hours of another weekday go."""
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, 9),
        resource=room1,
        clinician=doctor,
    )
    when = f"9:00-10:00 on {day:%a} {day.day} {day:%b}"
    room_hours = OpeningHours.objects.get(resource=room1, weekday=day.weekday())
    with pytest.raises(BookingConflictError) as room_refused:
        opening_hours_remove(actor=clinic_admin, hours=room_hours)
    assert room_refused.value.message == (
        f"Room 1 is booked {when}: move or cancel its bookings in these hours before removing them."
    )
    works = Availability.objects.get(user=doctor, weekday=day.weekday())
    with pytest.raises(BookingConflictError) as staff_refused:
        availability_remove(actor=clinic_admin, availability=works)
    assert staff_refused.value.message == (
        f"Casey Example is booked {when}: move or cancel those bookings before removing these "
        "hours."
    )
    assert OpeningHours.objects.filter(pk=room_hours.pk).exists()
    assert Availability.objects.filter(pk=works.pk).exists()
    other = OpeningHours.objects.get(resource=room1, weekday=(day.weekday() + 1) % 7)
    opening_hours_remove(actor=clinic_admin, hours=other)
    assert not OpeningHours.objects.filter(pk=other.pk).exists()

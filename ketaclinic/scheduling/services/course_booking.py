"""Booking from the course page (session, time, chair typed by name). At a site whose
chairs are set up in the calendar the booking goes through `appointment_book`, so a taken
chair is refused; at a site without calendar chairs it stays a plain course booking."""

from __future__ import annotations

import datetime as dt

from ketaclinic.accounts.models import User
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion
from ketaclinic.infusions.services import infusion_schedule
from ketaclinic.scheduling.models import AppointmentKind, HoldRole, Resource, ResourceKind
from ketaclinic.scheduling.selectors.slots import free_staff
from ketaclinic.scheduling.services._common import refuse, span_label
from ketaclinic.scheduling.services.booking import appointment_book
from ketaclinic.scheduling.services.config import appointment_types_ensure, nurses_at


def course_infusion_book(
    *,
    actor: User,
    course: TreatmentCourse,
    session_number: int,
    scheduled_at: dt.datetime,
    chair: str = "",
) -> Infusion:
    site = course.patient.site
    chairs = list(
        Resource.objects.filter(site=site, kind=ResourceKind.CHAIR, is_active=True).order_by(
            "sort_order", "name"
        )
    )
    if not chairs:
        return infusion_schedule(
            actor=actor,
            course=course,
            session_number=session_number,
            scheduled_at=scheduled_at,
            chair=chair,
        )
    wanted = chair.strip().lower()
    seat = next((c for c in chairs if c.name.lower() == wanted), None)
    if seat is None:
        names = ", ".join(c.name for c in chairs)
        raise refuse("chair", f"Give one of the chairs at {site.name}: {names}.")
    minutes = appointment_types_ensure(site)[AppointmentKind.INFUSION].default_minutes
    ends_at = scheduled_at + dt.timedelta(minutes=minutes)
    nurses = free_staff(
        site=site,
        people=list(nurses_at(site=site)),
        role=HoldRole.NURSE,
        starts_at=scheduled_at,
        ends_at=ends_at,
    )
    if not nurses:
        raise refuse(
            "scheduled_at",
            f"No nurse is free at {site.name} {span_label(site, scheduled_at, ends_at)}: "
            "choose another time, or book from the calendar.",
        )
    appointment = appointment_book(
        actor=actor,
        patient=course.patient,
        kind=AppointmentKind.INFUSION,
        starts_at=scheduled_at,
        resource=seat,
        nurse=nurses[0],
        course=course,
        session_number=session_number,
    )
    assert appointment.infusion is not None
    return appointment.infusion

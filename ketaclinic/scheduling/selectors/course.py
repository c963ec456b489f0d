"""Where the calendar meets the treatment course: the next session to book, the protocol's
spacing around it, and the integration window after an infusion."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from ketaclinic.courses.models import OPEN_STATUSES, TreatmentCourse
from ketaclinic.courses.selectors import treatment_settings_for
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import ACTIVE_STATUSES, AppointmentKind, AppointmentType
from ketaclinic.scheduling.rules import SpacingWindow, spacing_window

DEFAULT_INFUSION_MINUTES = 120


def open_course(*, patient: Patient) -> TreatmentCourse | None:
    return (
        TreatmentCourse.objects.filter(patient=patient, status__in=OPEN_STATUSES)
        .select_related("protocol_version__template", "supervising_physician", "therapist")
        .first()
    )


def _live(course: TreatmentCourse) -> list[Infusion]:
    return list(
        Infusion.objects.filter(course=course)
        .exclude(status=InfusionStatus.CANCELLED)
        .order_by("session_number")
    )


def next_session_number(*, course: TreatmentCourse) -> int | None:
    """The lowest planned session without a live (not cancelled) infusion."""
    taken = {infusion.session_number for infusion in _live(course)}
    return next((n for n in range(1, course.sessions_planned + 1) if n not in taken), None)


def infusion_day(infusion: Infusion) -> dt.date:
    zone = zoneinfo.ZoneInfo(infusion.site.time_zone)
    return (infusion.started_at or infusion.scheduled_at).astimezone(zone).date()


def course_spacing(*, course: TreatmentCourse, session_number: int) -> SpacingWindow:
    """The days that fit the protocol's spacing after the course's previous infusion."""
    previous = next((i for i in reversed(_live(course)) if i.session_number < session_number), None)
    return spacing_window(
        previous_on=infusion_day(previous) if previous is not None else None,
        spacing_days=course.protocol_version.session_spacing_days,
    )


@dataclass(frozen=True)
class IntegrationWindow:
    infusion: Infusion
    opens_at: dt.datetime  # the infusion's expected end
    due_at: dt.datetime
    hours: int


def integration_window(*, infusion: Infusion) -> IntegrationWindow:
    """From the infusion's expected end (its booking's end, else its actual end, else the
    default length after its start) for the site's integration window (72 h by default)."""
    # The reverse one-to-one raises when there is no booking: hasattr tells.
    booking = infusion.appointment if hasattr(infusion, "appointment") else None
    if booking is not None and booking.status in (*ACTIVE_STATUSES, "completed"):
        end = booking.ends_at
    elif infusion.ended_at is not None:
        end = infusion.ended_at
    else:
        minutes = (
            AppointmentType.objects.filter(site=infusion.site, kind=AppointmentKind.INFUSION)
            .values_list("default_minutes", flat=True)
            .first()
        )
        end = infusion.scheduled_at + dt.timedelta(minutes=minutes or DEFAULT_INFUSION_MINUTES)
    hours = treatment_settings_for(site=infusion.site).integration_window_hours
    return IntegrationWindow(infusion, end, end + dt.timedelta(hours=hours), hours)

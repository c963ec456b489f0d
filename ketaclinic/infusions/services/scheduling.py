"""Booking an infusion for a course, and cancelling one that has not started."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import require_plausible_time
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.infusions.services._common import (
    TARGET,
    audit,
    locked,
    refuse,
    require_chart,
    require_status,
    site_time,
)

# Booking further ahead than this is a typing error in the year.
BOOKING_HORIZON = dt.timedelta(days=2 * 365)


@transaction.atomic
def infusion_schedule(
    *,
    actor: User,
    course: TreatmentCourse,
    session_number: int,
    scheduled_at: dt.datetime,
    chair: str = "",
    perm: Perm = Perm.INFUSION_CHART,
) -> Infusion:
    """Book session `session_number` of an open course. Booking ahead is allowed: the gates
    (course active, preparation, consent, ...) are checked when the infusion starts. The
    calendar books with `perm=Perm.APPOINTMENT_BOOK` (the front desk does not chart)."""
    patient = course.patient
    require_patient_access(user=actor, patient=patient, target_type=TARGET)
    require_perm(user=actor, perm=perm, target_type=TARGET, patient=patient)
    # One booking at a time per course, so two clicks cannot book the same session twice.
    course = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
    if not course.is_open:
        raise refuse(
            "course",
            f"The course is {course.get_status_display().lower()}: infusions can only be "
            "booked for a planned, active or paused course. Enrol the patient in a new course.",
            conflict=True,
        )
    if not 1 <= session_number <= course.sessions_planned:
        raise refuse(
            "session_number",
            f"Session {session_number} is outside this course, which plans "
            f"{course.sessions_planned}: choose a session from 1 to {course.sessions_planned}.",
        )
    now = timezone.now()
    require_plausible_time(scheduled_at, field="scheduled_at", latest=now + BOOKING_HORIZON)
    booked = Infusion.objects.filter(course=course, session_number=session_number).exclude(
        status=InfusionStatus.CANCELLED
    )
    if booked.exists():
        raise refuse(
            "session_number",
            f"Session {session_number} is already booked: open it from the course, or cancel "
            "it first to book it again.",
            conflict=True,
        )
    # Sessions run in order: session n is not booked before an earlier session's booking.
    later = (
        Infusion.objects.filter(
            course=course, session_number__lt=session_number, scheduled_at__gt=scheduled_at
        )
        .exclude(status=InfusionStatus.CANCELLED)
        .order_by("-scheduled_at", "session_number")
        .first()
    )
    if later is not None:
        when = site_time(patient.site, later.scheduled_at)
        raise refuse(
            "scheduled_at",
            f"Session {session_number} cannot be booked at "
            f"{site_time(patient.site, scheduled_at)}, before session {later.session_number} "
            f"(booked for {when}): sessions run in order, so choose a time after {when}.",
        )
    infusion = Infusion(
        course=course,
        patient=patient,
        site=patient.site,
        session_number=session_number,
        scheduled_at=scheduled_at,
        chair=chair.strip(),
        supervising_physician=course.supervising_physician,
        created_by=actor,
        created_at=now,
    )
    infusion.full_clean(exclude=["course", "patient", "site", "created_by"])
    infusion.save()
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.CREATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail=f"session {session_number} scheduled",
    )
    return infusion


@transaction.atomic
def infusion_cancel(
    *, actor: User, infusion: Infusion, reason: str, perm: Perm = Perm.INFUSION_CHART
) -> Infusion:
    """Cancel a booked infusion that has not started; a started one is ended instead. The
    calendar cancels with `perm=Perm.APPOINTMENT_BOOK` when its booking is cancelled."""
    require_chart(actor=actor, infusion=infusion, perm=perm)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.SCHEDULED,), "cancel it (end it instead)")
    if not reason.strip():
        raise refuse("reason", "Give the reason for cancelling, for example 'patient unwell'.")
    infusion.status = InfusionStatus.CANCELLED
    infusion.cancelled_reason = reason.strip()[:300]
    infusion.save(update_fields=["status", "cancelled_reason"])
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail="cancelled",
    )
    return infusion

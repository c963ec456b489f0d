"""Booking an appointment: the checks that keep a chair, a room and a clinician to one
patient at a time, and the link into the treatment course.

The order is: who may book (before the transaction), what is asked for (kind, time, place,
people, course), then under row locks on the resource and the staff (always in the same
order, so two clerks booking at once wait for each other instead of deadlocking) whether
anything the booking needs is already held for an overlapping span.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import validated
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.infusions.services import infusion_schedule
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling import rules
from ketaclinic.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentType,
    Hold,
    HoldRole,
    OpeningHours,
    Resource,
    ResourceKind,
    Weekday,
)
from ketaclinic.scheduling.selectors.course import (
    course_spacing,
    integration_window,
    next_session_number,
    open_course,
)
from ketaclinic.scheduling.services._common import (
    TARGET,
    BookingConflictError,
    audit,
    clock,
    refuse,
    span_label,
)
from ketaclinic.scheduling.services._plan import Plan, article, local, when
from ketaclinic.scheduling.services.config import appointment_types_ensure
from ketaclinic.scheduling.services.conflicts import require_free
from ketaclinic.scheduling.services.staffing import assign_clinician, assign_infusion_staff

# A tablet's clock may run a little behind the server's; before this, a start is in the past.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Booking further ahead than this is a typing error in the year.
BOOKING_HORIZON = dt.timedelta(days=2 * 365)
MINUTES_MIN, MINUTES_MAX = 5, 600


def appointment_book(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    starts_at: dt.datetime,
    resource: Resource | None = None,
    clinician: User | None = None,
    nurse: User | None = None,
    minutes: int | None = None,
    course: TreatmentCourse | None = None,
    integration_for: Infusion | None = None,
    note: str = "",
    session_number: int | None = None,
) -> Appointment:
    """Book `kind` for the patient at `starts_at` (aware), refusing with a message that names
    the problem and the fix. An infusion also books the course's next session (or
    `session_number`) in the same transaction and links it."""
    require_perm(
        user=actor,
        perm=Perm.APPOINTMENT_BOOK,
        target_type=TARGET,
        patient=patient,
        message="Your role does not book appointments: ask the front desk.",
    )
    require_patient_access(user=actor, patient=patient, target_type=TARGET)
    return _book(
        actor=actor,
        patient=patient,
        kind=kind,
        starts_at=starts_at,
        resource=resource,
        clinician=clinician,
        nurse=nurse,
        minutes=minutes,
        course=course,
        integration_for=integration_for,
        note=note,
        session_number=session_number,
    )


@transaction.atomic
def _book(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    starts_at: dt.datetime,
    resource: Resource | None,
    clinician: User | None,
    nurse: User | None,
    minutes: int | None,
    course: TreatmentCourse | None,
    integration_for: Infusion | None,
    note: str,
    session_number: int | None,
) -> Appointment:
    if kind not in AppointmentKind.values:
        raise refuse("kind", f"'{kind}' is not a kind of appointment: choose one from the list.")
    kind_type = appointment_types_ensure(patient.site)[kind]
    ends_at = _span(patient.site, kind_type, starts_at, minutes)
    plan = Plan(patient, kind_type, starts_at, ends_at, _resource(patient, kind_type, resource))
    _require_open(plan.resource, starts_at, ends_at)
    if kind == AppointmentKind.INFUSION:
        _infusion_course(plan, course, session_number)
        assign_infusion_staff(plan, clinician, nurse)
    else:
        if kind == AppointmentKind.INTEGRATION and integration_for is not None:
            _integration(plan, integration_for)
        elif course is not None:
            _course_of_patient(plan, course)
        assign_clinician(plan, clinician)
    require_free(actor, plan)
    infusion = None
    if kind == AppointmentKind.INFUSION:
        assert plan.course is not None
        assert plan.session_number is not None
        infusion = infusion_schedule(
            actor=actor,
            course=plan.course,
            session_number=plan.session_number,
            scheduled_at=starts_at,
            chair=plan.resource.name,
            perm=Perm.APPOINTMENT_BOOK,
        )
    return _save(actor, plan, infusion, note)


def _span(
    site: Site, kind_type: AppointmentType, starts_at: dt.datetime, minutes: int | None
) -> dt.datetime:
    if timezone.is_naive(starts_at):
        raise refuse("starts_at", "Give the start time with its time zone.")
    now = timezone.now()
    if starts_at < now - CLOCK_SKEW:
        raise refuse(
            "starts_at",
            f"{when(site, starts_at)} is in the past: choose a time from now on.",
        )
    if starts_at > now + BOOKING_HORIZON:
        raise refuse(
            "starts_at",
            f"{starts_at.date().isoformat()} is more than two years ahead: check the year.",
        )
    length = kind_type.default_minutes if minutes is None else minutes
    if not MINUTES_MIN <= length <= MINUTES_MAX:
        raise refuse(
            "minutes",
            f"{length} minutes is not a plausible length: give {MINUTES_MIN} to {MINUTES_MAX}.",
        )
    return starts_at + dt.timedelta(minutes=length)


def _resource(patient: Patient, kind_type: AppointmentType, resource: Resource | None) -> Resource:
    what = ResourceKind(kind_type.resource_kind).label.lower()
    if resource is None:
        raise refuse(
            "resource", f"Choose the {what} for the {kind_type.get_kind_display().lower()}."
        )
    if resource.site_id != patient.site_id:
        raise refuse(
            "resource",
            f"{resource.name} is at {resource.site.name}, but the patient is seen at "
            f"{patient.site.name}: choose a {what} there.",
        )
    if resource.kind != kind_type.resource_kind or not resource.is_active:
        raise refuse(
            "resource",
            f"{resource.name} is not an active {what}: choose {article(what)} for the "
            f"{kind_type.get_kind_display().lower()}.",
        )
    return resource


def _require_open(resource: Resource, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    start, end = local(resource.site, starts_at), local(resource.site, ends_at)
    hours = list(OpeningHours.objects.filter(resource=resource, weekday=start.weekday()))
    windows = [rules.Window(h.opens_at, h.closes_at) for h in hours]
    if rules.covers(windows, start, end):
        return
    day = Weekday(start.weekday()).label
    if not hours:
        message = f"{resource.name} is closed on {day}s: choose another day."
    else:
        opening = ", ".join(f"{clock(h.opens_at)}-{clock(h.closes_at)}" for h in hours)
        message = (
            f"{resource.name} is open {opening} on {day}s and "
            f"{clock(start)}-{clock(end)} is outside: choose a time inside its hours."
        )
    raise refuse("starts_at", message)


def _course_of_patient(plan: Plan, course: TreatmentCourse) -> None:
    if course.patient_id != plan.patient.pk:
        raise refuse("course", "That course is not this patient's: book from the patient's course.")
    plan.course = course


def _infusion_course(plan: Plan, course: TreatmentCourse | None, session: int | None) -> None:
    """The patient's open course and the session to book, at a day that keeps the protocol's
    spacing (too soon after the previous infusion is refused; later is allowed, the slot
    list shows the window)."""
    course = course or open_course(patient=plan.patient)
    if course is None or not course.is_open:
        raise refuse(
            "course",
            "The patient has no open treatment course: a physician must enrol them before "
            "infusions can be booked.",
        )
    _course_of_patient(plan, course)
    number = session or next_session_number(course=course)
    if number is None:
        raise BookingConflictError(
            "Every planned session of the course is booked: cancel one to book it again.",
            field="course",
        )
    window = course_spacing(course=course, session_number=number)
    day = local(plan.site, plan.starts_at).date()
    if window.earliest is not None and day < window.earliest:
        previous = window.previous_on
        assert previous is not None
        raise refuse(
            "starts_at",
            f"Session {number} on {day:%a %d %b} is too soon after the previous infusion "
            f"({previous:%a %d %b}): {course.protocol_version} spaces sessions "
            f"{course.protocol_version.spacing_label}, so book from {window.earliest:%a %d %b}.",
        )
    plan.session_number = number


def _integration(plan: Plan, infusion: Infusion) -> None:
    if infusion.patient_id != plan.patient.pk or infusion.status == InfusionStatus.CANCELLED:
        raise refuse(
            "integration_for",
            "That infusion is not a live infusion of this patient: choose one from the course.",
        )
    window = integration_window(infusion=infusion)
    if plan.starts_at < window.opens_at or plan.ends_at > window.due_at:
        raise refuse(
            "starts_at",
            f"The integration session for infusion {infusion.session_number} is due within "
            f"{window.hours} hours of its end: book it between "
            f"{when(plan.site, window.opens_at)} and {when(plan.site, window.due_at)}.",
        )
    # One integration session per infusion: the infusion's row is locked so that two clerks
    # booking at once cannot both add one.
    Infusion.objects.select_for_update().filter(pk=infusion.pk).first()
    booked = (
        Appointment.objects.filter(integration_for=infusion, status__in=ACTIVE_STATUSES)
        .order_by("starts_at")
        .first()
    )
    if booked is not None:
        raise refuse(
            "integration_for",
            f"The integration session for infusion {infusion.session_number} is already booked "
            f"for {when(plan.site, booked.starts_at)}: open that appointment to move or cancel "
            "it instead of booking a second one.",
        )
    plan.integration_for = infusion
    plan.course = infusion.course


def _save(actor: User, plan: Plan, infusion: Infusion | None, note: str) -> Appointment:
    appointment = Appointment(
        site=plan.site,
        patient=plan.patient,
        kind=plan.type.kind,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        resource=plan.resource,
        clinician=plan.clinician,
        nurse=plan.nurse,
        course=plan.course,
        infusion=infusion,
        integration_for=plan.integration_for,
        note=note.strip(),
        created_by=actor,
        created_at=timezone.now(),
    )
    related = ("site", "patient", "resource", "clinician", "nurse", "course", "infusion")
    validated(
        appointment,
        exclude=(*related, "integration_for", "created_by"),
        validate_constraints=False,
    ).save()
    resource_role = HoldRole.CHAIR if plan.resource.kind == ResourceKind.CHAIR else HoldRole.ROOM
    holds = [Hold(resource=plan.resource, role=resource_role)] + [
        Hold(staff=member, role=role) for member, role in plan.staff
    ]
    for hold in holds:
        hold.appointment, hold.starts_at, hold.ends_at = appointment, plan.starts_at, plan.ends_at
    Hold.objects.bulk_create(holds)
    audit(
        actor=actor,
        action=Action.CREATE,
        patient=plan.patient,
        target_type=TARGET,
        target_id=appointment.pk,
        detail=f"{plan.type.kind} booked in {plan.resource.name} "
        f"{span_label(plan.site, plan.starts_at, plan.ends_at)}",
    )
    return appointment

"""Whether anything a booking needs is already held for an overlapping span, checked under
row locks taken in a fixed order (the resource, then the staff by id) so that two clerks
booking at once wait for each other instead of deadlocking."""

from __future__ import annotations

from django.db.models import Q

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.scheduling import rules
from ketaclinic.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    Hold,
    HoldRole,
    Resource,
    ResourceKind,
)
from ketaclinic.scheduling.services._common import BookingConflictError, span_label
from ketaclinic.scheduling.services._plan import Plan


def describe(actor: User, appointment: Appointment) -> str:
    """'(infusion for Ann Alderwood, MRN BOS-00012)': the patient only for an actor who may see
    patients at that site."""
    kind = appointment.get_kind_display().lower()
    patient = appointment.patient
    if actor.has_role_perm(Perm.PATIENT_VIEW) and patient.site_id in actor.site_ids:
        return f"({kind} for {patient.first_name} {patient.last_name}, MRN {patient.mrn})"
    return f"({kind})"


def require_free(actor: User, plan: Plan) -> None:
    Resource.objects.select_for_update().filter(pk=plan.resource.pk).first()
    staff_ids = sorted({member.pk for member, _role in plan.staff})
    list(User.objects.select_for_update().filter(pk__in=staff_ids).order_by("pk"))
    holds = list(
        Hold.objects.filter(active=True, starts_at__lt=plan.ends_at, ends_at__gt=plan.starts_at)
        .filter(Q(resource=plan.resource) | Q(staff_id__in=staff_ids))
        .select_related("appointment__patient", "appointment__site")
        .order_by("starts_at", "id")
    )
    mine = [h for h in holds if h.resource_id == plan.resource.pk]
    taken = rules.resource_conflict(mine, plan.starts_at, plan.ends_at)
    if taken is not None:
        what = ResourceKind(plan.resource.kind).label.split()[-1].lower()
        raise BookingConflictError(
            f"{plan.resource.name} is already booked {_held(taken)} "
            f"{describe(actor, taken.appointment)}: choose another {what} or time.",
            field="resource",
        )
    for member, role in plan.staff:
        theirs = [h for h in holds if h.staff_id == member.pk]
        busy = rules.staff_conflict(role, theirs, plan.starts_at, plan.ends_at)
        if busy is not None:
            field_name = "nurse" if role == HoldRole.NURSE else "clinician"
            also = (
                " with two infusions"
                if busy.role == HoldRole.NURSE and role == HoldRole.NURSE
                else ""
            )
            raise BookingConflictError(
                f"{member} is already booked{also} {_held(busy)} "
                f"{describe(actor, busy.appointment)}: choose another {field_name} or time.",
                field=field_name,
            )
    same_patient = (
        Appointment.objects.filter(
            patient=plan.patient,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=plan.ends_at,
            ends_at__gt=plan.starts_at,
        )
        .select_related("patient")
        .first()
    )
    if same_patient is not None:
        raise BookingConflictError(
            f"The patient is already booked "
            f"{span_label(plan.site, same_patient.starts_at, same_patient.ends_at)} "
            f"{describe(actor, same_patient)}: choose another time.",
        )


def _held(hold: Hold) -> str:
    return span_label(hold.appointment.site, hold.starts_at, hold.ends_at)

"""After booking: arrived, completed, cancelled or a no-show. Cancelling and no-shows say
why, free the appointment's holds, and cancel its infusion when it has not started."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.infusions.services import infusion_cancel
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, Hold
from ketaclinic.scheduling.services._common import TARGET, audit, required_reason


def _guard(actor: User, appointment: Appointment) -> None:
    require_perm(
        user=actor,
        perm=Perm.APPOINTMENT_BOOK,
        target_type=TARGET,
        target_id=appointment.pk,
        patient=appointment.patient,
        message="Your role does not change appointments: ask the front desk.",
    )
    require_patient_access(user=actor, patient=appointment.patient, target_type=TARGET)


def _locked(appointment: Appointment, allowed: tuple[str, ...], doing: str) -> Appointment:
    locked = (
        # Only the appointment's row is locked (its infusion is an outer join).
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient__site", "infusion")
        .get(pk=appointment.pk)
    )
    if locked.status not in allowed:
        status = AppointmentStatus(locked.status).label.lower()
        raise ApplicationError(
            f"Cannot {doing}: the appointment is {status}. Reload the page.",
            code=ErrorCode.CONFLICT,
        )
    return locked


def _set_status(
    actor: User, appointment: Appointment, status: AppointmentStatus, reason: str = ""
) -> Appointment:
    appointment.status = status
    appointment.status_changed_by = actor
    appointment.status_changed_at = timezone.now()
    appointment.status_reason = reason
    appointment.save(
        update_fields=["status", "status_changed_by", "status_changed_at", "status_reason"]
    )
    audit(
        actor=actor,
        action=Action.UPDATE,
        patient=appointment.patient,
        target_type=TARGET,
        target_id=appointment.pk,
        detail=f"{appointment.kind} {status.value}",
    )
    return appointment


def _release(actor: User, appointment: Appointment, reason: str) -> None:
    """Free the chair, room and staff, and cancel an infusion that has not started."""
    Hold.objects.filter(appointment=appointment, active=True).update(active=False)
    infusion = appointment.infusion
    if infusion is not None and infusion.status == InfusionStatus.SCHEDULED:
        infusion_cancel(actor=actor, infusion=infusion, reason=reason, perm=Perm.APPOINTMENT_BOOK)


def appointment_cancel(*, actor: User, appointment: Appointment, reason: str) -> Appointment:
    _guard(actor, appointment)
    return _cancel(actor, appointment, reason)


@transaction.atomic
def _cancel(actor: User, appointment: Appointment, reason: str) -> Appointment:
    reason = required_reason(reason, what="cancelling", example="patient asked to move it")
    appointment = _locked(
        appointment, (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED), "cancel it"
    )
    _release(actor, appointment, f"Appointment cancelled: {reason}")
    return _set_status(actor, appointment, AppointmentStatus.CANCELLED, reason)


def appointment_no_show(*, actor: User, appointment: Appointment, reason: str) -> Appointment:
    _guard(actor, appointment)
    return _no_show(actor, appointment, reason)


@transaction.atomic
def _no_show(actor: User, appointment: Appointment, reason: str) -> Appointment:
    reason = required_reason(
        reason, what="the no-show", example="no answer to two calls, message left"
    )
    appointment = _locked(appointment, (AppointmentStatus.BOOKED,), "record a no-show")
    if appointment.starts_at > timezone.now():
        raise ApplicationError(
            "The appointment has not started yet: a no-show is recorded after its start time. "
            "Cancel it instead if the patient called off.",
            code=ErrorCode.CONFLICT,
        )
    _release(actor, appointment, f"Patient did not attend: {reason}")
    return _set_status(actor, appointment, AppointmentStatus.NO_SHOW, reason)


def appointment_arrive(*, actor: User, appointment: Appointment) -> Appointment:
    _guard(actor, appointment)
    return _arrive(actor, appointment)


@transaction.atomic
def _arrive(actor: User, appointment: Appointment) -> Appointment:
    appointment = _locked(appointment, (AppointmentStatus.BOOKED,), "mark the patient arrived")
    # Patients arrive early, so any time on the appointment's day counts, in the site's time.
    zone = ZoneInfo(appointment.patient.site.time_zone)
    if appointment.starts_at.astimezone(zone).date() > timezone.now().astimezone(zone).date():
        raise ApplicationError(
            "The appointment is on a later day: mark the patient arrived on the day they come.",
            code=ErrorCode.CONFLICT,
        )
    return _set_status(actor, appointment, AppointmentStatus.ARRIVED)


def appointment_complete(*, actor: User, appointment: Appointment) -> Appointment:
    _guard(actor, appointment)
    return _complete(actor, appointment)


@transaction.atomic
def _complete(actor: User, appointment: Appointment) -> Appointment:
    appointment = _locked(
        appointment, (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED), "complete it"
    )
    if appointment.starts_at > timezone.now():
        raise ApplicationError(
            "The appointment has not started yet: complete it after it has taken place.",
            code=ErrorCode.CONFLICT,
        )
    return _set_status(actor, appointment, AppointmentStatus.COMPLETED)

"""The calendar over the API: free slots, booking, cancelling and a site's appointments.
Site-scoped and audited like the pages; a taken slot is a 409 naming the booking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.api import ErrorOut, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError
from ketaclinic.courses.selectors import course_get
from ketaclinic.infusions.models import Infusion
from ketaclinic.patients.selectors import patient_get
from ketaclinic.scheduling import services
from ketaclinic.scheduling.models import Appointment, AppointmentKind, Resource
from ketaclinic.scheduling.schemas import (
    AppointmentBookIn,
    AppointmentListParams,
    AppointmentOut,
    AppointmentPage,
    AvailabilityOut,
    AvailabilityParams,
    ReasonIn,
)
from ketaclinic.scheduling.selectors.calendar import (
    appointment_get,
    calendar_site,
    site_appointments,
)
from ketaclinic.scheduling.selectors.slots import available_slots
from ketaclinic.scheduling.services._common import zone_of

router = Router(tags=["scheduling"])

_READ = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_WRITE = {**_READ, 409: ErrorOut}


def _out(user: User, appointment: Appointment) -> dict[str, Any]:
    shown = user.has_role_perm(Perm.PATIENT_VIEW)
    return {
        "id": appointment.pk,
        "site_id": appointment.site_id,
        "patient_id": appointment.patient_id if shown else None,
        "patient_mrn": appointment.patient.mrn if shown else None,
        "kind": appointment.kind,
        "status": appointment.status,
        "status_reason": appointment.status_reason,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "resource_id": appointment.resource_id,
        "resource_name": appointment.resource.name if appointment.resource else None,
        "clinician_id": appointment.clinician_id,
        "nurse_id": appointment.nurse_id,
        "course_id": appointment.course_id,
        "infusion_id": appointment.infusion_id,
        "integration_for_id": appointment.integration_for_id,
    }


def _kind(kind: str) -> str:
    if kind not in AppointmentKind.values:
        message = f"Unknown kind '{kind[:20]}': use one of {', '.join(AppointmentKind.values)}."
        raise ApplicationError(message, field_errors={"kind": [message]})
    return kind


@router.get("/schedule/availability", response={200: AvailabilityOut, **_READ})
def availability(request: HttpRequest, params: Query[AvailabilityParams]) -> dict[str, Any]:
    """Free start times for a kind of appointment at one of your sites."""
    reject_unknown_params(request, {"site", "kind", "from", "days", "course_id"})
    user = api_user(request)
    site = calendar_site(user=user, site_id=params.site)
    course = None
    if params.course_id is not None:
        course = course_get(user=user, course_id=params.course_id, target_type="appointment")
    today = dt.datetime.now(tz=zone_of(site)).date()
    offer = available_slots(
        site=site,
        kind=_kind(params.kind),
        day_from=params.from_ or today,
        days=params.days,
        course=course,
    )
    audit_record(
        actor=user, action=Action.READ, site=site, target_type="availability", detail=params.kind
    )
    return {
        "site_id": site.pk,
        "kind": offer.kind,
        "default_minutes": offer.type.default_minutes,
        "session_number": offer.session_number,
        "spacing": offer.spacing.describe() if offer.spacing else None,
        "warnings": [
            {"code": g.code, "label": g.label, "detail": g.detail} for g in offer.warnings
        ],
        "days": [
            {
                "day": day.day,
                "slots": [
                    {
                        "starts_at": s.starts_at,
                        "ends_at": s.ends_at,
                        "resource_ids": [r.pk for r in s.resources],
                        "clinician_ids": [c.pk for c in s.clinicians],
                        "nurse_ids": [n.pk for n in s.nurses],
                        "late": s.late,
                    }
                    for s in day.slots
                ],
            }
            for day in offer.days
        ],
    }


def _staff(user: User, staff_id: int | None, field: str) -> User | None:
    if staff_id is None:
        return None
    found = (
        User.objects.filter(pk=staff_id, is_active=True, sites__id__in=user.site_ids)
        .distinct()
        .first()
    )
    if found is None:
        message = f"No staff member with id {staff_id} at your sites."
        raise ApplicationError(message, field_errors={field: [message]})
    return found


def _resource(user: User, resource_id: int) -> Resource:
    found = Resource.objects.filter(pk=resource_id, site_id__in=user.site_ids).first()
    if found is None:
        message = f"No chair or room with id {resource_id} at your sites."
        raise ApplicationError(message, field_errors={"resource_id": [message]})
    return found


@router.post("/appointments", response={201: AppointmentOut, **_WRITE})
def book(request: HttpRequest, payload: AppointmentBookIn) -> Status[Any]:
    """Book an appointment. A chair, room, clinician or nurse already booked for an overlapping
    span is a 409 naming that booking; an infusion also books the course's next session."""
    reject_unknown_params(request, set())
    user = api_user(request)
    patient = patient_get(user=user, patient_id=payload.patient_id, target_type="appointment")
    integration_for = None
    if payload.integration_for_id is not None:
        integration_for = Infusion.objects.filter(
            pk=payload.integration_for_id, patient=patient
        ).first()
        if integration_for is None:
            message = "That infusion is not this patient's."
            raise ApplicationError(message, field_errors={"integration_for_id": [message]})
    appointment = services.appointment_book(
        actor=user,
        patient=patient,
        kind=_kind(payload.kind),
        starts_at=payload.starts_at,
        resource=_resource(user, payload.resource_id),
        clinician=_staff(user, payload.clinician_id, "clinician_id"),
        nurse=_staff(user, payload.nurse_id, "nurse_id"),
        minutes=payload.minutes,
        integration_for=integration_for,
        note=payload.note,
    )
    return Status(201, _out(user, appointment))


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **_WRITE})
def cancel(request: HttpRequest, appointment_id: int, payload: ReasonIn) -> dict[str, Any]:
    """Cancel with a reason: frees the chair or room and the staff, and cancels the infusion
    when it has not started."""
    reject_unknown_params(request, set())
    user = api_user(request)
    appointment = appointment_get(user=user, appointment_id=appointment_id)
    done = services.appointment_cancel(actor=user, appointment=appointment, reason=payload.reason)
    return _out(user, done)


@router.get("/appointments", response={200: AppointmentPage, **_READ})
def list_appointments(request: HttpRequest, params: Query[AppointmentListParams]) -> dict[str, Any]:
    """A site's appointments from `from` to `to` (site dates, at most 31 days), by start."""
    reject_unknown_params(request, {"site", "from", "to", "limit", "offset"})
    user = api_user(request)
    site = calendar_site(user=user, site_id=params.site)
    queryset = site_appointments(site=site, first=params.from_, last=params.to)
    page = list(queryset[params.offset : params.offset + params.limit])
    if user.has_role_perm(Perm.PATIENT_VIEW):
        shown = {a.patient_id: a.patient for a in page}
        audit_record_patient_reads(
            actor=user, patients=shown.values(), target_type="appointment_list"
        )
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [_out(user, a) for a in page],
    }

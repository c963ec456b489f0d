"""The booking page: find the patient, choose the kind, pick a free slot (or type a time),
the chair or room and the clinician, and book. A refused booking comes back (400) with every
value kept and the service's message, naming any conflicting booking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user
from ketaclinic.infusions.models import Infusion
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get
from ketaclinic.scheduling.forms import BookingForm
from ketaclinic.scheduling.models import AppointmentKind
from ketaclinic.scheduling.selectors.booking import (
    booking_choices,
    booking_patients,
    integration_offer,
    slot_links,
)
from ketaclinic.scheduling.selectors.course import open_course
from ketaclinic.scheduling.selectors.slots import available_slots
from ketaclinic.scheduling.services import appointment_book
from ketaclinic.scheduling.services._common import zone_of

SLOT_DAYS = 7
TARGET = "appointment"


def _require_booker(user: User) -> None:
    require_perm(
        user=user,
        perm=Perm.APPOINTMENT_BOOK,
        target_type=TARGET,
        message="Your role does not book appointments: ask the front desk.",
    )


def _patient(user: User, value: str | None) -> Patient | None:
    if not value or not value.isdigit():
        return None
    return patient_get(user=user, patient_id=int(value), target_type=TARGET)


def _integration_for(patient: Patient, value: Any) -> Infusion | None:
    if not value:
        return None
    found = Infusion.objects.filter(pk=value, patient=patient).select_related("course").first()
    if found is None:
        message = "That infusion is not this patient's: book the integration from its infusion."
        raise ApplicationError(message, field_errors={"integration_for": [message]})
    return found


def _from_day(request: HttpRequest, patient: Patient) -> dt.date:
    today = timezone.now().astimezone(zone_of(patient.site)).date()
    try:
        return max(today, dt.date.fromisoformat(request.GET.get("day", "")))
    except ValueError:
        return today


def _slots(request: HttpRequest, patient: Patient, kind: str, data: QueryDict) -> dict[str, Any]:
    """The slot picker: free times for the kind, for an infusion from the open course (its
    session, spacing and gate warnings), for an integration inside its window."""
    if kind not in AppointmentKind.values:
        return {}
    infusion = _integration_for(patient, data.get("integration_for"))
    if kind == AppointmentKind.INTEGRATION and infusion is not None:
        booked = infusion.appointment if hasattr(infusion, "appointment") else None
        if booked is not None:
            window = integration_offer(infusion=infusion, appointment=booked)
            return {"integration": window, "slot_days": window.days}
    course = open_course(patient=patient) if kind == AppointmentKind.INFUSION else None
    if kind == AppointmentKind.INFUSION and course is None:
        return {"no_course": True}
    offer = available_slots(
        site=patient.site,
        kind=kind,
        day_from=_from_day(request, patient),
        days=SLOT_DAYS,
        course=course,
    )
    preferred = course.supervising_physician if course else None
    return {
        "offer": offer,
        "course": course,
        "slot_days": slot_links(offer=offer, patient=patient, preferred=preferred),
    }


def _form(patient: Patient, kind: str, data: QueryDict | None, initial: QueryDict) -> BookingForm:
    choices = booking_choices(site=patient.site, kind=kind)
    return BookingForm(
        data,
        zone=zone_of(patient.site),
        resources=choices.resources,
        clinicians=choices.clinicians,
        nurses=choices.nurses,
        initial={key: initial.get(key) for key in BookingForm.base_fields if initial.get(key)}
        | {"patient": patient.pk, "kind": kind},
        auto_id="book-%s",
    )


def _page(
    request: HttpRequest, patient: Patient | None, form: BookingForm | None, status: int = 200
) -> HttpResponse:
    user = acting_user(request)
    kind = (request.POST or request.GET).get("kind", "")
    context: dict[str, Any] = {
        "patient": patient,
        "form": form,
        "kind": kind,
        "kinds": AppointmentKind.choices,
        "query": request.GET.get("q", ""),
        "results": booking_patients(user=user, query=request.GET.get("q", "")),
        "day": request.GET.get("day", ""),
    }
    if patient is not None:
        context |= _slots(request, patient, kind, request.POST or request.GET)
    return render(request, "scheduling/book.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def book_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    _require_booker(user)
    data = request.POST if request.method == "POST" else None
    patient = _patient(user, (request.POST or request.GET).get("patient"))
    if patient is None:
        return _page(request, None, None, 400 if data is not None else 200)
    kind = (request.POST or request.GET).get("kind", "")
    form = _form(patient, kind, data, request.GET)
    if data is None or not form.is_valid():
        return _page(request, patient, form, 400 if data is not None else 200)
    try:
        fields = form.cleaned_data
        appointment = appointment_book(
            actor=user,
            patient=patient,
            kind=fields["kind"],
            starts_at=fields["starts_at"],
            resource=fields["resource"],
            clinician=fields["clinician"],
            nurse=fields["nurse"],
            minutes=fields["minutes"],
            integration_for=_integration_for(patient, fields["integration_for"]),
            note=fields["note"],
        )
    except ApplicationError as error:
        if error.status_code not in (400, 409):
            raise
        form.add_service_error(error)
        return _page(request, patient, form, 400)
    messages.success(request, f"{appointment.get_kind_display()} booked.")
    return redirect("scheduling:appointment", appointment.pk)


@login_required
@require_GET
def book_patients_view(request: HttpRequest) -> HttpResponse:
    """The patient search under the booking page (htmx): links that choose the patient."""
    user = acting_user(request)
    _require_booker(user)
    query = request.GET.get("q", "")
    context = {"results": booking_patients(user=user, query=query), "query": query}
    return render(request, "scheduling/_patient_results.html", context)

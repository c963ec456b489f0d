"""Calendar pages: the site's day grid, weeks per site, chair or room and clinician, and one
appointment with its status actions. Booking, the admin page and the feeds have their own
modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.models import Site
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.core.http import acting_user
from ketaclinic.scheduling import services
from ketaclinic.scheduling.forms import ReasonForm
from ketaclinic.scheduling.models import AppointmentKind, AppointmentStatus
from ketaclinic.scheduling.selectors import calendar
from ketaclinic.scheduling.selectors.booking import integration_offer
from ketaclinic.scheduling.services._common import zone_of

# action -> (service, needs a reason, what the message says)
ACTIONS: dict[str, tuple[Any, bool, str]] = {
    "cancel": (services.appointment_cancel, True, "Appointment cancelled."),
    "no-show": (services.appointment_no_show, True, "No-show recorded."),
    "arrive": (services.appointment_arrive, False, "Marked arrived."),
    "complete": (services.appointment_complete, False, "Marked completed."),
}


def _site_id(request: HttpRequest) -> int | None:
    value = request.GET.get("site", "")
    return int(value) if value.isdigit() else None


def _day(request: HttpRequest, site: Site) -> dt.date:
    value = request.GET.get("day", "")
    if not value:
        return timezone.now().astimezone(zone_of(site)).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(
            f"'{value[:20]}' is not a day: give it as YYYY-MM-DD.",
            field_errors={"day": ["YYYY-MM-DD"]},
        ) from None


def _nav(request: HttpRequest, site: Site, day: dt.date, step: int) -> dict[str, Any]:
    return {
        "site": site,
        "sites": calendar.calendar_sites(user=acting_user(request)),
        "day": day,
        "previous": day - dt.timedelta(days=step),
        "next": day + dt.timedelta(days=step),
        "today": timezone.now().astimezone(zone_of(site)).date(),
    }


@login_required
@require_GET
def day_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    site = calendar.calendar_site(user=user, site_id=_site_id(request))
    day = _day(request, site)
    grid = calendar.day_grid(user=user, site=site, day=day)
    context = {**_nav(request, site, day, 1), "grid": grid}
    return render(request, "scheduling/day.html", context)


def _week_page(
    request: HttpRequest, anchor: Site, title: str, heading_id: str, **scope: Any
) -> HttpResponse:
    user = acting_user(request)
    first = calendar.week_start(_day(request, anchor))
    columns = calendar.week_columns(user=user, first=first, **scope)
    context = {
        **_nav(request, anchor, first, 7),
        "columns": columns,
        "title": title,
        "heading_id": heading_id,
        "scope": scope,
    }
    return render(request, "scheduling/week.html", context)


@login_required
@require_GET
def week_view(request: HttpRequest) -> HttpResponse:
    site = calendar.calendar_site(user=acting_user(request), site_id=_site_id(request))
    return _week_page(request, site, f"Week at {site.name}", "week-heading", site=site)


@login_required
@require_GET
def resource_view(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = calendar.resource_get(user=acting_user(request), resource_id=resource_id)
    title = f"{resource.name}, {resource.site.name}"
    return _week_page(request, resource.site, title, "resource-week-heading", resource=resource)


@login_required
@require_GET
def clinician_view(request: HttpRequest, clinician_id: int) -> HttpResponse:
    user = acting_user(request)
    clinician = calendar.clinician_get(user=user, clinician_id=clinician_id)
    site = calendar.calendar_site(user=user, site_id=_site_id(request))
    return _week_page(
        request, site, f"{clinician}'s week", "clinician-week-heading", clinician=clinician
    )


def _appointment_page(
    request: HttpRequest, appointment_id: int, status: int = 200, **forms: Any
) -> HttpResponse:
    user = acting_user(request)
    appointment = calendar.appointment_get(user=user, appointment_id=appointment_id)
    offer = None
    if (
        appointment.kind == AppointmentKind.INFUSION
        and appointment.infusion is not None
        and appointment.status == AppointmentStatus.BOOKED
        and user.has_role_perm(Perm.APPOINTMENT_BOOK)
    ):
        offer = integration_offer(infusion=appointment.infusion, appointment=appointment)
    context = {
        "appointment": appointment,
        "shown": calendar.Block(appointment, user.has_role_perm(Perm.PATIENT_VIEW), "", ""),
        "zone": appointment.site.time_zone,
        "integration": offer,
        "cancel_form": forms.get("cancel") or ReasonForm(auto_id="cancel-%s"),
        "no_show_form": forms.get("no-show") or ReasonForm(auto_id="no-show-%s"),
        "error": forms.get("error", ""),
    }
    return render(request, "scheduling/appointment.html", context, status=status)


@login_required
@require_GET
def appointment_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return _appointment_page(request, appointment_id)


@login_required
@require_POST
def appointment_action_view(request: HttpRequest, appointment_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise NotFoundError("No such appointment action.")
    user, (service, needs_reason, done) = acting_user(request), ACTIONS[action]
    appointment = calendar.appointment_get(user=user, appointment_id=appointment_id)
    form = ReasonForm(request.POST, auto_id=f"{action}-%s") if needs_reason else None
    if form is not None and not form.is_valid():
        return _appointment_page(request, appointment_id, 400, **{action: form})
    try:
        service(actor=user, appointment=appointment, **(form.cleaned_data if form else {}))
    except ApplicationError as error:
        if error.status_code not in (400, 409):
            raise
        if form is not None:
            form.add_service_error(error)
        return _appointment_page(
            request, appointment_id, 400, **{action: form, "error": error.message}
        )
    messages.success(request, done)
    return redirect("scheduling:appointment", appointment.pk)

"""The clinic admin's calendar page: chairs and rooms, opening hours, availability and time
off for one site. Each form posts to its own action and comes back to the page."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.models import Site, User
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.core.http import acting_user
from ketaclinic.scheduling import services
from ketaclinic.scheduling.forms import (
    AvailabilityForm,
    HoursForm,
    ResourceForm,
    ResourceUpdateForm,
    ServiceForm,
    TimeOffForm,
)
from ketaclinic.scheduling.selectors import manage
from ketaclinic.scheduling.selectors.calendar import calendar_site
from ketaclinic.scheduling.services._common import BookingConflictError, zone_of


def _site(request: HttpRequest) -> Site:
    value = (request.POST or request.GET).get("site", "")
    return calendar_site(user=acting_user(request), site_id=int(value) if value.isdigit() else None)


def _forms(site: Site, data: Any = None, which: str = "") -> dict[str, ServiceForm]:
    resources = site.resources.order_by("kind", "sort_order", "name")
    staff = manage.clinicians_at(site=site)
    made: dict[str, Callable[[Any], ServiceForm]] = {
        "resource": lambda d: ResourceForm(d, auto_id="resource-%s"),
        "hours": lambda d: HoursForm(d, resources=resources, auto_id="hours-%s"),
        "availability": lambda d: AvailabilityForm(d, staff=staff, auto_id="availability-%s"),
        "time_off": lambda d: TimeOffForm(d, staff=staff, zone=zone_of(site), auto_id="off-%s"),
    }
    return {name: make(data if name == which else None) for name, make in made.items()}


def _page(
    request: HttpRequest, site: Site, forms: dict[str, ServiceForm], status: int = 200
) -> HttpResponse:
    user = acting_user(request)
    context = {
        "setup": manage.site_setup(user=user, site=site),
        "sites": list(user.sites.filter(is_active=True).order_by("name")),
        "forms": forms,
        "site": site,
    }
    return render(request, "scheduling/manage.html", context, status=status)


@login_required
@require_GET
def manage_view(request: HttpRequest) -> HttpResponse:
    manage.require_manager(user=acting_user(request))
    site = _site(request)
    return _page(request, site, _forms(site))


def _create(user: User, site: Site, which: str, data: dict[str, Any]) -> str:
    if which == "resource":
        services.resource_create(actor=user, site=site, **data)
        return f"{data['name']} added."
    if which == "hours":
        services.opening_hours_add(actor=user, **data)
        return "Opening hours added."
    if which == "availability":
        services.availability_add(actor=user, site=site, **data)
        return "Availability added."
    services.time_off_add(actor=user, **data)
    return "Time off added."


@login_required
@require_POST
def manage_add_view(request: HttpRequest, which: str) -> HttpResponse:
    user = acting_user(request)
    manage.require_manager(user=user)
    site = _site(request)
    forms = _forms(site, request.POST, which)
    form = forms.get(which)
    if form is None:
        raise NotFoundError("No such calendar setting.")
    if form.is_valid():
        try:
            done = _create(user, site, which, form.cleaned_data)
        except ApplicationError as error:
            if error.status_code not in (400, 409):
                raise
            form.add_service_error(error)
        else:
            messages.success(request, done)
            return redirect(f"{reverse('scheduling:manage')}?site={site.pk}")
    return _page(request, site, forms, 400)


@login_required
@require_POST
def resource_update_view(request: HttpRequest, resource_id: int) -> HttpResponse:
    user = acting_user(request)
    resource = manage.managed_resource(user=user, resource_id=resource_id)
    form = ResourceUpdateForm(request.POST)
    if not form.is_valid():
        raise ApplicationError("Give the name and order of the chair or room.")
    services.resource_update(actor=user, resource=resource, **form.cleaned_data)
    messages.success(request, f"{form.cleaned_data['name']} saved.")
    return redirect(f"{reverse('scheduling:manage')}?site={resource.site_id}")


@login_required
@require_POST
def manage_remove_view(request: HttpRequest, which: str, row_id: int) -> HttpResponse:
    user = acting_user(request)
    remove: Callable[[], None]
    if which == "hours":
        hours = manage.managed_hours(user=user, hours_id=row_id)
        site_id = hours.resource.site_id
        remove = partial(services.opening_hours_remove, actor=user, hours=hours)
    elif which == "availability":
        row = manage.managed_availability(user=user, availability_id=row_id)
        site_id = row.site_id
        remove = partial(services.availability_remove, actor=user, availability=row)
    elif which == "time_off":
        away = manage.managed_time_off(user=user, time_off_id=row_id)
        site_id = _site(request).pk
        remove = partial(services.time_off_remove, actor=user, time_off=away)
    else:
        raise NotFoundError("No such calendar setting.")
    back = redirect(f"{reverse('scheduling:manage')}?site={site_id}")
    try:
        remove()
    except BookingConflictError as error:
        # Bookings ahead fall in these hours: nothing was removed; say which one to move.
        messages.error(request, error.message)
        return back
    messages.success(request, "Removed.")
    return back

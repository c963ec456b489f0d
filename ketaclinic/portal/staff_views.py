"""Staff's portal section on the chart: a patient's login status, invite and disable."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.portal import selectors, services
from ketaclinic.portal.forms import DisableForm, InviteForm, add_service_errors
from ketaclinic.portal.selectors import PortalLogin


@login_required
@require_GET
def chart_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    portal_login = selectors.portal_login_get(user=user, patient_id=patient_id)
    return _section(request, user, portal_login)


@login_required
@require_POST
def invite_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    portal_login = selectors.portal_login_get(user=user, patient_id=patient_id, manage=True)
    form = InviteForm(request.POST)
    base_url = request.build_absolute_uri("/").rstrip("/")
    if form.is_valid() and _submit(
        form,
        lambda: services.portal_invite(
            actor=user,
            patient=portal_login.patient,
            email=form.cleaned_data["email"],
            base_url=base_url,
        ),
    ):
        return _done(
            request, user, portal_login, f"Invitation sent to {form.cleaned_data['email']}."
        )
    return _section(request, user, portal_login, invite_form=form, status=400)


@login_required
@require_POST
def disable_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    portal_login = selectors.portal_login_get(user=user, patient_id=patient_id, manage=True)
    form = DisableForm(request.POST)
    if form.is_valid() and _submit(
        form,
        lambda: services.portal_disable(
            actor=user, patient=portal_login.patient, reason=form.cleaned_data["reason"]
        ),
    ):
        return _done(
            request, user, portal_login, "Portal login disabled: the patient cannot sign in."
        )
    return _section(request, user, portal_login, disable_form=form, status=400)


def _submit(form: forms.Form, call: Callable[[], object]) -> bool:
    try:
        call()
    except ApplicationError as error:
        add_service_errors(form, error)
        return False
    return True


def _done(request: HttpRequest, user: User, portal_login: PortalLogin, notice: str) -> HttpResponse:
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect(portal_login.patient)
    fresh = selectors.portal_login_load(patient=portal_login.patient)
    return _section(request, user, fresh, notice=notice)


def _section(
    request: HttpRequest,
    user: User,
    portal_login: PortalLogin,
    *,
    invite_form: InviteForm | None = None,
    disable_form: DisableForm | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The section on the chart (htmx), or a page of its own when a form comes back refused."""
    context = {
        "login": portal_login,
        "patient": portal_login.patient,
        "can_manage": user.has_role_perm(Perm.PATIENT_CREATE),
        "invite_form": invite_form or InviteForm(initial={"email": portal_login.email}),
        "disable_form": disable_form or DisableForm(),
        "notice": notice,
    }
    partial = is_htmx(request) or request.method == "GET"
    template = "portal/_chart_section.html" if partial else "portal/chart_page.html"
    return render(request, template, context, status=status)

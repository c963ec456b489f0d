"""Staff pages: the chart section, entry and correction, a response, the safety-alert
dashboard and acknowledgement, and the clinic admin's instrument switches."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.questionnaires import selectors, services
from ketaclinic.questionnaires.forms import (
    AcknowledgeForm,
    InstrumentSettingForm,
    ResponseForm,
    add_service_errors,
)
from ketaclinic.questionnaires.models import QuestionnaireResponse


@login_required
@require_GET
def chart_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    return render_chart_section(request, acting_user(request), patient_id)


def render_chart_section(request: HttpRequest, user: User, patient_id: int) -> HttpResponse:
    """The chart's questionnaire section (also the answer to its htmx actions)."""
    # Infusion dates come from the treatment-course work once it exists.
    chart = selectors.questionnaire_chart_get(user=user, patient_id=patient_id)
    context = {
        "chart": chart,
        "patient": chart.patient,
        "now": chart.now,
        "can_enter": user.has_role_perm(Perm.QUESTIONNAIRE_ENTER),
        "can_acknowledge": user.has_role_perm(Perm.SAFETY_ALERT_ACKNOWLEDGE),
    }
    return render(request, "questionnaires/_chart_section.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def response_new_view(request: HttpRequest, patient_id: int, code: str) -> HttpResponse:
    user = acting_user(request)
    entry = selectors.response_entry_get(user=user, patient_id=patient_id, code=code)
    return _entry_page(request, user, ResponseForm(request.POST or None, entry=entry))


@login_required
@require_http_methods(["GET", "POST"])
def response_correct_view(request: HttpRequest, patient_id: int, response_id: int) -> HttpResponse:
    user = acting_user(request)
    entry = selectors.response_entry_get(user=user, patient_id=patient_id, corrects_id=response_id)
    return _entry_page(request, user, ResponseForm(request.POST or None, entry=entry))


def _entry_page(request: HttpRequest, user: User, form: ResponseForm) -> HttpResponse:
    """Save a valid form; otherwise show it again with every answer kept (400 on errors)."""
    if request.method == "POST" and not form.refreshing and form.is_valid():
        response = _save(user, form)
        if response is not None:
            messages.success(request, f"Saved: {form.definition.title}.")
            return redirect(response)
    template = (
        "questionnaires/_entry_form.html" if is_htmx(request) else "questionnaires/entry.html"
    )
    context = {"form": form, "entry": form.entry, "definition": form.definition}
    refused = request.method == "POST" and not form.refreshing and bool(form.errors)
    return render(request, template, context, status=400 if refused else 200)


def _save(user: User, form: ResponseForm) -> QuestionnaireResponse | None:
    try:
        return services.response_submit(
            actor=user, patient=form.entry.patient, **form.service_kwargs()
        )
    except ApplicationError as error:
        add_service_errors(form, error)
        if set(error.field_errors) & set(form.definition.item_ids):
            form.add_error(None, error.message)  # the summary naming every item, at the top
        return None


@login_required
@require_GET
def response_detail_view(request: HttpRequest, patient_id: int, response_id: int) -> HttpResponse:
    user = acting_user(request)
    response = selectors.patient_response_get(
        user=user, patient_id=patient_id, response_id=response_id
    )
    context = {
        "response": response,
        "answers": selectors.response_answer_rows(response=response),
        "can_enter": user.has_role_perm(Perm.QUESTIONNAIRE_ENTER),
    }
    return render(request, "questionnaires/response_detail.html", context)


@login_required
@require_GET
def alert_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    paginator = Paginator(selectors.safety_alerts_open(user=user), settings.KETACLINIC_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    selectors.safety_alerts_audit(user=user, alerts=list(page.object_list))
    return render(request, "questionnaires/alert_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def alert_detail_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = acting_user(request)
    alert = selectors.safety_alert_get(user=user, alert_id=alert_id)
    form = AcknowledgeForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_alert_acknowledge(
                actor=user, alert_id=alert.pk, action_taken=form.cleaned_data["action_taken"]
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Alert acknowledged; your action is recorded.")
            return redirect(_next(request, form.cleaned_data["next"]))
    context = {
        "alert": alert,
        "form": form,
        "can_acknowledge": user.has_role_perm(Perm.SAFETY_ALERT_ACKNOWLEDGE),
    }
    return render(
        request, "questionnaires/alert_detail.html", context, status=400 if form.errors else 200
    )


def _next(request: HttpRequest, target: str) -> str:
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if target and allowed else reverse("questionnaires:alerts")


@login_required
@require_http_methods(["GET", "POST"])
def instrument_settings_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    rows = selectors.instrument_settings_list(user=user)
    form = InstrumentSettingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.instrument_site_setting_set(actor=user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            state = "switched on" if form.cleaned_data["enabled"] else "switched off"
            messages.success(request, f"{form.cleaned_data['instrument_code']} {state}.")
            return redirect("questionnaires:instruments")
    context = {"rows": rows, "form": form}
    return render(
        request, "questionnaires/instruments.html", context, status=400 if form.errors else 200
    )

"""Flowsheet, chair board and alert-rule pages. Every flowsheet action posts to one view that
validates its form, calls its service and re-renders the flowsheet from the database."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.infusions import forms as f
from ketaclinic.infusions import services
from ketaclinic.infusions.chart import vitals_chart
from ketaclinic.infusions.models import Infusion
from ketaclinic.infusions.page_context import flowsheet_context
from ketaclinic.infusions.selectors import pages, reads
from ketaclinic.scheduling.selectors.board import chair_board_layout


def _respond(*, actor: User, infusion: Infusion, alert_id: int, **kwargs: Any) -> object:
    alert = reads.infusion_alert_get(user=actor, infusion=infusion, alert_id=alert_id)
    return services.alert_respond(actor=actor, alert=alert, **kwargs)


ACTIONS: dict[str, tuple[type[f.ServiceForm], Callable[..., object]]] = {
    "plan": (f.DosePlanForm, services.infusion_dose_plan),
    "verify": (f.EmptyForm, services.infusion_dose_verify),
    "checklist": (f.ChecklistForm, services.checklist_item_record),
    "start": (f.StartForm, services.infusion_start),
    "vitals": (f.VitalsForm, services.vitals_record),
    "void": (f.VitalsVoidForm, services.vitals_void),
    "respond": (f.AlertResponseForm, _respond),
    "rate": (f.RateForm, services.infusion_rate_change),
    "pause": (f.ReasonForm, services.infusion_pause),
    "restart": (f.ReasonForm, services.infusion_restart),
    "stop": (f.StopForm, services.infusion_stop),
    "adverse_event": (f.AdverseEventForm, services.adverse_event_record),
    "dissociation": (f.DissociationForm, services.dissociation_record),
    "recovery": (f.RecoveryForm, services.recovery_score_record),
    "discharge": (f.DischargeForm, services.infusion_discharge),
    "sign": (f.EmptyForm, services.infusion_sign),
    "cancel": (f.ReasonForm, services.infusion_cancel),
}


def _zone(infusion: Infusion) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(infusion.site.time_zone)


def _page(
    request: HttpRequest, user: User, infusion: Infusion, failed: tuple[str, Any] | None = None
) -> HttpResponse:
    with timezone.override(_zone(infusion)):
        context = flowsheet_context(user=user, infusion=infusion, failed=failed)
        context["chart"] = vitals_chart(context["fs"])
        template = "_flowsheet.html" if is_htmx(request) else "flowsheet.html"
        status = 422 if failed else 200
        return render(request, f"infusions/{template}", context, status=status)


@login_required
@require_GET
def flowsheet_view(request: HttpRequest, infusion_id: int) -> HttpResponse:
    user = acting_user(request)
    return _page(request, user, reads.infusion_get(user=user, infusion_id=infusion_id))


@login_required
@require_POST
def flowsheet_action_view(request: HttpRequest, infusion_id: int, action: str) -> HttpResponse:
    user = acting_user(request)
    infusion = reads.infusion_get(user=user, infusion_id=infusion_id)
    if action not in ACTIONS:
        raise NotFoundError("No such flowsheet action.")
    form_class, service = ACTIONS[action]
    with timezone.override(_zone(infusion)):
        form = form_class(request.POST, auto_id=f"id_{action}_%s")
        if form.is_valid():
            try:
                service(actor=user, infusion=infusion, **form.service_kwargs())
            except ApplicationError as error:
                if error.status_code != 400:
                    raise
                form.add_service_error(error)
    if form.errors:
        return _failed(request, user, infusion, action, form)
    if not is_htmx(request):
        return redirect("infusions:flowsheet", infusion.pk)
    infusion = reads.infusion_get(user=user, infusion_id=infusion_id)
    response = _page(request, user, infusion)
    response["HX-Trigger"] = "chart-changed"
    return response


def _failed(
    request: HttpRequest, user: User, infusion: Infusion, action: str, form: f.ServiceForm
) -> HttpResponse:
    """422 with the typed values kept; a vitals row re-renders just the row."""
    if action == "vitals" and is_htmx(request):
        with timezone.override(_zone(infusion)):
            response = render(
                request,
                "infusions/_vitals_entry.html",
                {"infusion": infusion, "vitals_form": form},
                status=422,
            )
        response["HX-Retarget"] = "#vitals-entry"
        response["HX-Reswap"] = "outerHTML"
        return response
    return _page(request, user, infusion, failed=(action, form))


@login_required
@require_GET
def chair_board_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    site_id = request.GET.get("site", "")
    site = pages.board_site(user=user, site_id=int(site_id) if site_id.isdigit() else None)
    with timezone.override(zoneinfo.ZoneInfo(site.time_zone)):
        rows = pages.chair_board(user=user, site=site)
        context = {
            "site": site,
            "sites": pages.board_sites(user=user),
            "rows": rows,
            # Every chair of the calendar, free ones included, with today's infusions in them.
            "slots": chair_board_layout(site=site, rows=rows),
            "now": timezone.now(),
        }
        page = "_board_rows.html" if is_htmx(request) else "board.html"
        return render(request, f"infusions/{page}", context)


@login_required
@require_GET
def patient_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The chart section: the patient's infusions with links to their flowsheets."""
    user = acting_user(request)
    infusions = list(reads.patient_infusions(user=user, patient_id=patient_id))
    return render(
        request,
        "infusions/_patient_section.html",
        {"infusions": infusions, "patient_id": patient_id},
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_rules_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    rules = reads.alert_rules_for(user=user)
    sites = [(site.pk, site.name) for site in pages.board_sites(user=user)]
    form = f.AlertRuleForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        site_id = data.pop("site_id")
        site = pages.board_site(user=user, site_id=site_id) if site_id else None
        try:
            services.alert_rule_create(actor=user, site=site, **data)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            return redirect("infusions:alert_rules")
    context = {"rules": rules, "form": form, "retire_form": f.RetireForm()}
    return render(
        request, "infusions/alert_rules.html", context, status=422 if form.errors else 200
    )


@login_required
@require_POST
def alert_rule_retire_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = acting_user(request)
    rule = reads.alert_rule_get(user=user, rule_id=rule_id)
    form = f.RetireForm(request.POST)
    if not form.is_valid():
        raise ApplicationError("Give the reason for retiring the rule.")
    services.alert_rule_retire(actor=user, rule=rule, reason=form.cleaned_data["reason"])
    return redirect("infusions:alert_rules")

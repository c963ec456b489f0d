"""Staff recovery pages: the chart section, the recovery timeline, timeline follow-back,
relapse notes and the clinic's rules. Thin: scope, validate, call one service or selector."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.core.http import acting_user
from ketaclinic.patients.models import Target
from ketaclinic.recovery import selectors, services
from ketaclinic.recovery.forms import FollowbackForm, RangeForm, RelapseNoteForm, RuleForm
from ketaclinic.recovery.models import Source
from ketaclinic.recovery.services._common import site_today
from ketaclinic.recovery.services.rules import describe
from ketaclinic.recovery.timeline import timeline_get

TIMELINE_DAYS = 180


@login_required
@require_GET
def chart_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = selectors.recovery_patient_get(user=user, patient_id=patient_id)
    today = site_today(patient.site)
    context = {
        "patient": patient,
        "rows": selectors.chart_rows(patient=patient, today=today),
        "can_record": user.has_role_perm(Perm.RECOVERY_RECORD),
    }
    return render(request, "recovery/_chart_section.html", context)


def _date_param(request: HttpRequest, name: str, default: dt.date) -> dt.date:
    text = request.GET.get(name, "")
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(f"{name}: give a date as YYYY-MM-DD.") from None


@login_required
@require_GET
def timeline_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = selectors.recovery_patient_get(user=user, patient_id=patient_id)
    today = site_today(patient.site)
    default_start = today - dt.timedelta(days=TIMELINE_DAYS - 1)
    range_error = ""
    try:
        end = _date_param(request, "end", today)
        start = _date_param(request, "start", end - dt.timedelta(days=TIMELINE_DAYS - 1))
        if start > end or (end - start).days > 731:
            raise ApplicationError("Choose a range of up to two years, From before To.")
    except ApplicationError as error:
        # Show the default range beside the message, with the dates as typed.
        range_error, start, end = error.message, default_start, today
    timeline = timeline_get(patient=patient, start=start, end=end)
    context = {
        "patient": patient,
        "timeline": timeline,
        "today": today,
        "range_error": range_error,
        "default_days": TIMELINE_DAYS,
        "typed_start": request.GET.get("start", "") if range_error else "",
        "typed_end": request.GET.get("end", "") if range_error else "",
    }
    return render(request, "recovery/timeline.html", context, status=400 if range_error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def followback_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = selectors.recovery_patient_get(user=user, patient_id=patient_id)
    today = site_today(patient.site)
    targets = selectors.active_targets(patient)
    if not targets:
        raise NotFoundError("This patient has no addiction target yet: add one in the chart.")
    chosen = RangeForm(request.GET, targets=targets, today=today)
    if not chosen.is_valid():
        context = {"patient": patient, "range_form": chosen, "grid": None}
        return render(request, "recovery/followback.html", context, status=400)
    r = chosen.cleaned_data
    target = selectors.target_in_chart(user=user, patient=patient, target_id=r["target"])
    days = [r["start"] + dt.timedelta(days=n) for n in range((r["end"] - r["start"]).days + 1)]
    form = FollowbackForm(request.POST or None, source=r["source"], days=days, unit=target.unit)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.followback_save(
                actor=user,
                patient=patient,
                target=target,
                source=r["source"],
                entries=form.entries(),
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Saved {len(saved)} day(s).")
            return redirect(f"{request.path}?{urlencode(chosen.data)}")
    grid = selectors.followback_grid(
        target=target, source=r["source"], start=r["start"], end=r["end"]
    )
    context = {
        "patient": patient,
        "target": target,
        "range_form": chosen,
        "form": form,
        "rows": [(day, form[f"day-{day.day.isoformat()}"], (today - day.day).days) for day in grid],
        "source": r["source"],
        "source_label": Source(r["source"]).label,
    }
    status = 400 if form.errors else 200
    return render(request, "recovery/followback.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_view(request: HttpRequest, event_id: int) -> HttpResponse:
    user = acting_user(request)
    event = selectors.event_get(user=user, event_id=event_id)
    form = RelapseNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.relapse_note_create(actor=user, event=event, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Relapse note saved.")
            return redirect("recovery:event", event_id=event.pk)
    context = {
        "event": event,
        "patient": event.patient,
        "notes": selectors.event_notes(event=event),
        "form": form,
        "can_write": user.has_role_perm(Perm.RECOVERY_RECORD),
    }
    return render(request, "recovery/event.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def rules_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    site_id = request.GET.get("site") or request.POST.get("site") or ""
    site, rules = selectors.site_rules(
        user=user, site_id=int(site_id) if site_id.isdigit() else None
    )
    target = request.GET.get("target") or request.POST.get("target") or Target.ALCOHOL
    if target not in Target.values:
        raise ApplicationError("Choose an addiction target from the list.")
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.recovery_rule_create(
                actor=user, site=site, target=target, draft=form.draft()
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"{rule} saved; {site.name}'s {target} targets recomputed.")
            return redirect(f"{reverse('recovery:rules')}?{urlencode({'site': site.pk})}")
    context = {
        "site": site,
        "sites": selectors.rule_sites(user=user),
        "rules": [(rule, describe(rule)) for rule in rules],
        "form": form,
        "target": target,
        "targets": Target.choices,
    }
    return render(request, "recovery/rules.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def rules_recompute_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user = acting_user(request)
    site, _rules = selectors.site_rules(user=user, site_id=site_id)
    count = services.recovery_site_recompute(actor=user, site=site)
    messages.success(request, f"Recomputed {count} addiction target(s) at {site.name}.")
    return redirect(f"{reverse('recovery:rules')}?{urlencode({'site': site.pk})}")

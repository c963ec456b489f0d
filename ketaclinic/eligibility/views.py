"""Eligibility pages: the chart section (loaded by htmx) and one full page per record form."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.eligibility import selectors, services
from ketaclinic.eligibility.forms import (
    DecisionForm,
    LevelOfCareForm,
    ReferralForm,
    ReferralStatusForm,
    RiskBenefitForm,
    RiskBenefitSignForm,
    ScreenForm,
    ServiceErrorForm,
)
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get

GET_POST = ["GET", "POST"]


def _patient(request: HttpRequest, patient_id: int, perm: Perm, target_type: str) -> Patient:
    return selectors.patient_for_action(
        user=acting_user(request), patient_id=patient_id, perm=perm, target_type=target_type
    )


def _submit(request: HttpRequest, form: ServiceErrorForm, service: Callable[..., Any]) -> Any:
    """Call the service for a valid POST; its refusal (400) lands on the form, nothing saved."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return service(actor=acting_user(request), **form.service_kwargs())
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        form.add_service_error(error)
        return None


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    status = 400 if context["form"].errors else 200
    return render(request, f"eligibility/{template}", context, status=status)


@login_required
@require_GET
def chart_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_get(
        user=acting_user(request), patient_id=patient_id, target_type="eligibility"
    )
    context = {"patient": patient, "overview": selectors.eligibility_overview(patient=patient)}
    page = "_chart_section.html" if is_htmx(request) else "chart_section_page.html"
    return render(request, f"eligibility/{page}", context)


@login_required
@require_http_methods(GET_POST)
def screen_new_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Perm.CONTRAINDICATION_RECORD, "contraindication_screen")
    previous = selectors.current_screen(patient=patient)
    definitions = selectors.active_definitions()
    form = ScreenForm(request.POST or None, definitions=definitions, previous=previous)
    saved = _submit(
        request, form, partial(services.contraindication_screen_record, patient=patient)
    )
    if saved:
        messages.success(request, f"Contraindication screen version {saved.version} saved.")
        return redirect(patient)
    return _page(request, "screen_form.html", {"patient": patient, "form": form})


@login_required
@require_http_methods(GET_POST)
def decision_new_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Perm.ELIGIBILITY_DECIDE, "eligibility_decision")
    screen = selectors.current_screen(patient=patient)
    form = DecisionForm(request.POST or None, initial={"screen_id": screen.pk if screen else None})
    saved = _submit(request, form, partial(services.eligibility_decide, patient=patient))
    if saved:
        messages.success(request, f"Eligibility decision version {saved.version} saved.")
        return redirect(patient)
    return _page(
        request, "decision_form.html", {"patient": patient, "form": form, "screen": screen}
    )


@login_required
@require_http_methods(GET_POST)
def risk_benefit_new_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Perm.RISK_BENEFIT_SIGN, "risk_benefit_assessment")
    form = RiskBenefitForm(request.POST or None)
    saved = _submit(request, form, partial(services.risk_benefit_record, patient=patient))
    if saved:
        messages.success(request, f"Version {saved.version} saved. {saved.derivation}.")
        return redirect("eligibility:risk_benefit_sign", patient.pk, saved.pk)
    context = {"patient": patient, "form": form, "rule_set": selectors.current_risk_rule_set()}
    return _page(request, "risk_benefit_form.html", context)


@login_required
@require_http_methods(GET_POST)
def risk_benefit_sign_view(
    request: HttpRequest, patient_id: int, assessment_id: int
) -> HttpResponse:
    patient = _patient(request, patient_id, Perm.RISK_BENEFIT_SIGN, "risk_benefit_assessment")
    assessment = selectors.risk_benefit_for_patient(
        user=acting_user(request), patient=patient, assessment_id=assessment_id
    )
    form = RiskBenefitSignForm(request.POST or None)
    sign = partial(services.risk_benefit_sign, patient=patient, assessment_id=assessment.pk)
    if saved := _submit(request, form, sign):
        messages.success(request, f"Risk-benefit assessment version {saved.version} signed.")
        return redirect(patient)
    context = {"patient": patient, "form": form, "assessment": assessment}
    return _page(request, "risk_benefit_sign.html", context)


@login_required
@require_http_methods(GET_POST)
def level_of_care_new_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """'Show recommendation' re-renders with the mapping's advice; 'Save' records the decision."""
    patient = _patient(request, patient_id, Perm.LEVEL_OF_CARE_ASSESS, "level_of_care_assessment")
    preview = request.POST.get("action") == "preview"
    form = LevelOfCareForm(request.POST or None, preview=preview)
    if preview and form.is_valid():
        _mapping, recommendation = selectors.level_of_care_recommend(ratings=form.rating_values())
        context = {"patient": patient, "form": form, "recommendation": recommendation}
        return _page(request, "level_of_care_form.html", context)
    if saved := _submit(request, form, partial(services.level_of_care_assess, patient=patient)):
        messages.success(request, f"Level of care version {saved.version} saved.")
        target = "eligibility:referral_new" if saved.decided_inpatient else "patients:chart"
        return redirect(target, patient.pk)
    return _page(request, "level_of_care_form.html", {"patient": patient, "form": form})


@login_required
@require_http_methods(GET_POST)
def referral_new_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Perm.LEVEL_OF_CARE_ASSESS, "referral")
    assessment = selectors.current_level_of_care(patient=patient)
    form = ReferralForm(request.POST or None, initial={"referred_on": timezone.localdate()})
    create = partial(
        services.referral_create,
        patient=patient,
        assessment_id=assessment.pk if assessment else None,
    )
    if _submit(request, form, create):
        messages.success(request, "Referral saved.")
        return redirect(patient)
    context = {"patient": patient, "form": form, "assessment": assessment}
    return _page(request, "referral_form.html", context)


@login_required
@require_http_methods(GET_POST)
def referral_status_view(request: HttpRequest, patient_id: int, referral_id: int) -> HttpResponse:
    patient = _patient(request, patient_id, Perm.LEVEL_OF_CARE_ASSESS, "referral")
    referral = selectors.referral_for_patient(
        user=acting_user(request), patient=patient, referral_id=referral_id
    )
    form = ReferralStatusForm(request.POST or None, initial={"status": referral.status})
    change = partial(services.referral_status_set, patient=patient, referral_id=referral.pk)
    if saved := _submit(request, form, change):
        messages.success(request, f"Referral is now {saved.get_status_display().lower()}.")
        return redirect(patient)
    context = {"patient": patient, "form": form, "referral": referral}
    return _page(request, "referral_status_form.html", context)


@login_required
@require_GET
def readiness_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """What is still missing before enrolment (loaded into the chart by htmx)."""
    patient = patient_get(user=acting_user(request), patient_id=patient_id, target_type="readiness")
    context = {"patient": patient, "readiness": patient_readiness(patient=patient)}
    return render(request, "eligibility/_readiness_section.html", context)

"""Pages for a patient's consents: the chart section, signing, revoking, ending events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.roles import Perm
from ketaclinic.consent import selectors, services
from ketaclinic.consent.forms import ConsentRevokeForm, ConsentSignForm, add_service_errors
from ketaclinic.consent.models import ConsentKind, ConsentTemplate, RevocationChannel
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.core.http import acting_user


def _kind(value: str) -> ConsentKind:
    if value not in ConsentKind.values:
        raise NotFoundError("No such kind of consent.")
    return ConsentKind(value)


def _sign_initial(template: ConsentTemplate | None) -> dict[str, object]:
    if template is None:
        return {}
    return {"template_id": template.pk, "revocation_statement": template.revocation_statement}


@login_required
@require_GET
def chart_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    consents = selectors.patient_consents(user=user, patient_id=patient_id)
    context = {
        "patient_id": patient_id,
        "rows": selectors.consent_rows(consents=consents),
        "can_record": user.has_role_perm(Perm.CONSENT_RECORD),
        "channels": RevocationChannel.choices,
    }
    return render(request, "consent/_chart_section.html", context)


@login_required
@require_GET
def consent_detail_view(request: HttpRequest, patient_id: int, consent_id: int) -> HttpResponse:
    consent = selectors.patient_consent_get(
        user=acting_user(request), patient_id=patient_id, consent_id=consent_id
    )
    status = selectors.consent_status(consent=consent)
    return render(request, "consent/detail.html", {"consent": consent, "status": status})


@login_required
@require_http_methods(["GET", "POST"])
def consent_sign_view(request: HttpRequest, patient_id: int, kind: str) -> HttpResponse:
    user, consent_kind = acting_user(request), _kind(kind)
    patient, template = selectors.consent_signing_get(
        user=user, patient_id=patient_id, kind=consent_kind
    )
    form = ConsentSignForm(request.POST or None, kind=consent_kind, initial=_sign_initial(template))
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_sign(
                actor=user,
                patient=patient,
                kind=consent_kind,
                signature_name=form.cleaned_data["signature_name"],
                witnessed=form.cleaned_data["witnessed"],
                elements=form.elements(),
                expires_on=form.cleaned_data["expires_on"],
                template_id=form.cleaned_data["template_id"],
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved: {consent_kind.label}.")
            return redirect(patient)
    context = {"patient": patient, "template": template, "form": form, "kind": consent_kind}
    return render(request, "consent/sign.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def consent_revoke_view(request: HttpRequest, patient_id: int, consent_id: int) -> HttpResponse:
    user = acting_user(request)
    consent = selectors.patient_consent_get(user=user, patient_id=patient_id, consent_id=consent_id)
    form = ConsentRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_revoke(
                actor=user,
                consent=consent,
                reason=form.cleaned_data["reason"],
                received_via=RevocationChannel(form.cleaned_data["received_via"]),
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Revoked: {consent.get_kind_display()}. It no longer applies."
            )
            return redirect(consent.patient)
    context = {"consent": consent, "form": form}
    return render(request, "consent/revoke.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def consent_ending_event_view(
    request: HttpRequest, patient_id: int, consent_id: int
) -> HttpResponse:
    user = acting_user(request)
    consent = selectors.patient_consent_get(user=user, patient_id=patient_id, consent_id=consent_id)
    services.consent_ending_event_record(actor=user, consent=consent)
    messages.success(request, f"Recorded the ending event: {consent.get_kind_display()} expired.")
    return redirect(consent.patient)

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from ketaclinic.consent import selectors, services
from ketaclinic.consent.models import ConsentKind, PatientConsent, TemplateStatus
from ketaclinic.consent.schemas import (
    ConsentOut,
    ConsentPage,
    ConsentRevokeIn,
    ConsentSignIn,
    ConsentTemplatePage,
)
from ketaclinic.consent.services.signing import Part2Elements
from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.patients.selectors import patient_get

router = Router(tags=["consent"])

_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class TemplateParams(PageParams):
    kind: ConsentKind | None = None
    status: TemplateStatus | None = None


@router.get("/patients/{patient_id}/consents", response={200: ConsentPage, **_ERRORS})
def list_consents(
    request: HttpRequest, patient_id: int, params: Query[PageParams]
) -> dict[str, object]:
    """The patient's consents, newest first, each with its status (valid, expired, revoked)."""
    reject_unknown_params(request, {"limit", "offset"})
    consents = selectors.patient_consents(user=api_user(request), patient_id=patient_id)
    return api_page(consents, params)


@router.post("/patients/{patient_id}/consents", response={201: ConsentOut, **_ERRORS})
def sign_consent(
    request: HttpRequest, patient_id: int, payload: ConsentSignIn
) -> Status[PatientConsent]:
    """Record a consent the patient signed in front of you. A Part 2 consent missing any
    required element (42 CFR 2.31) is refused with every missing element named."""
    user = api_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="patient_consent")
    elements = Part2Elements(
        **payload.dict(
            include={
                "discloser",
                "information_description",
                "recipients",
                "recipients_all_tpo",
                "purpose",
                "revocation_statement",
                "ending_event",
            }
        )
    )
    consent = services.consent_sign(
        actor=user,
        patient=patient,
        kind=payload.kind,
        signature_name=payload.signature_name,
        witnessed=payload.witnessed,
        elements=elements,
        expires_on=payload.expires_on,
        template_id=payload.template_id,
    )
    return Status(201, consent)


@router.post(
    "/patients/{patient_id}/consents/{consent_id}/revoke", response={200: ConsentOut, **_ERRORS}
)
def revoke_consent(
    request: HttpRequest, patient_id: int, consent_id: int, payload: ConsentRevokeIn
) -> PatientConsent:
    """Revoke a valid consent; it stops applying at once and stays on record as revoked."""
    user = api_user(request)
    consent = selectors.patient_consent_get(user=user, patient_id=patient_id, consent_id=consent_id)
    return services.consent_revoke(
        actor=user, consent=consent, reason=payload.reason, received_via=payload.received_via
    )


@router.get("/consent-templates", response={200: ConsentTemplatePage, **_ERRORS})
def list_consent_templates(
    request: HttpRequest, params: Query[TemplateParams]
) -> dict[str, object]:
    """Consent form versions for your sites and for all sites (staff who record consents)."""
    reject_unknown_params(request, {"kind", "status", "limit", "offset"})
    templates = selectors.consent_templates_for_staff(
        user=api_user(request),
        kind=params.kind.value if params.kind else "",
        status=params.status.value if params.status else "",
    )
    return api_page(templates, params)

"""Eligibility API: the patient's current records, and one POST per kind of record.

Each endpoint loads the patient through `patient_get` (site-scoped, audited; a patient at
another site is the same 404 as a missing one) and calls the same service as the pages.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ketaclinic.core.api import ErrorOut, api_user, reject_unknown_params
from ketaclinic.eligibility import selectors, services
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.eligibility.schemas import (
    DecisionIn,
    DecisionOut,
    EligibilityOut,
    LevelOfCareIn,
    LevelOfCareOut,
    ReadinessOut,
    ReferralIn,
    ReferralOut,
    RiskBenefitIn,
    RiskBenefitOut,
    RiskBenefitSignIn,
    ScreenIn,
    ScreenOut,
)
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get

router = Router(tags=["eligibility"])

_P = "/patients/{patient_id}"
_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _patient(request: HttpRequest, patient_id: int, target_type: str) -> Patient:
    reject_unknown_params(request, set())
    return patient_get(user=api_user(request), patient_id=patient_id, target_type=target_type)


@router.get(f"{_P}/readiness", response={200: ReadinessOut, **_ERRORS})
def get_readiness(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """What is still missing before the patient can be enrolled in a treatment course."""
    patient = _patient(request, patient_id, "readiness")
    readiness = patient_readiness(patient=patient)
    return {
        "patient_id": patient.pk,
        "ready": readiness.ready,
        "missing": readiness.missing,
        "items": list(readiness.items),
    }


@router.get(f"{_P}/eligibility", response={200: EligibilityOut, **_ERRORS})
def get_eligibility(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """The current screen, eligibility decision, risk-benefit, level of care and referrals."""
    patient = _patient(request, patient_id, "eligibility")
    overview = selectors.eligibility_overview(patient=patient)
    return {
        "patient_id": patient.pk,
        "screen": overview.screen,
        "decision": overview.decision,
        "decision_is_outdated": overview.decision_is_outdated,
        "risk_benefit": overview.risk_benefit,
        "level_of_care": overview.level_of_care,
        "referrals": overview.referrals,
    }


@router.post(f"{_P}/contraindication-screens", response={201: ScreenOut, **_ERRORS})
def create_screen(request: HttpRequest, patient_id: int, body: ScreenIn) -> Status[Any]:
    """A new screen version: one answer (present, absent, unknown) per active checklist item."""
    patient = _patient(request, patient_id, "contraindication_screen")
    services.contraindication_screen_record(
        actor=api_user(request), patient=patient, **body.service_kwargs()
    )
    # Reloaded so the answers and their checklist items come prefetched.
    return Status(201, selectors.current_screen(patient=patient))


@router.post(f"{_P}/eligibility-decisions", response={201: DecisionOut, **_ERRORS})
def create_decision(request: HttpRequest, patient_id: int, body: DecisionIn) -> Status[Any]:
    """Physicians only. Eligible over an absolute contraindication needs override_reason (400)."""
    patient = _patient(request, patient_id, "eligibility_decision")
    decision = services.eligibility_decide(actor=api_user(request), patient=patient, **body.dict())
    return Status(201, decision)


@router.post(f"{_P}/risk-benefit-assessments", response={201: RiskBenefitOut, **_ERRORS})
def create_risk_benefit(request: HttpRequest, patient_id: int, body: RiskBenefitIn) -> Status[Any]:
    """A new, unsigned version; the risk level and the rule that derived it come back."""
    patient = _patient(request, patient_id, "risk_benefit_assessment")
    assessment = services.risk_benefit_record(
        actor=api_user(request), patient=patient, **body.service_kwargs()
    )
    return Status(201, assessment)


@router.post(
    f"{_P}/risk-benefit-assessments/{{assessment_id}}/sign",
    response={200: RiskBenefitOut, **_ERRORS},
)
def sign_risk_benefit(
    request: HttpRequest, patient_id: int, assessment_id: int, body: RiskBenefitSignIn
) -> Any:
    """The physician signs (typed name) and the patient acknowledges (typed name); then final."""
    patient = _patient(request, patient_id, "risk_benefit_assessment")
    return services.risk_benefit_sign(
        actor=api_user(request), patient=patient, assessment_id=assessment_id, **body.dict()
    )


@router.post(f"{_P}/level-of-care-assessments", response={201: LevelOfCareOut, **_ERRORS})
def create_level_of_care(request: HttpRequest, patient_id: int, body: LevelOfCareIn) -> Status[Any]:
    """Six ratings 0-4; the clinic's mapping recommends; another decided level needs a reason."""
    patient = _patient(request, patient_id, "level_of_care_assessment")
    assessment = services.level_of_care_assess(
        actor=api_user(request), patient=patient, **body.service_kwargs()
    )
    return Status(201, assessment)


@router.post(f"{_P}/referrals", response={201: ReferralOut, **_ERRORS})
def create_referral(request: HttpRequest, patient_id: int, body: ReferralIn) -> Status[Any]:
    """A referral elsewhere (where, when, status), e.g. to in-patient care for level 3.7 or 4."""
    patient = _patient(request, patient_id, "referral")
    referral = services.referral_create(actor=api_user(request), patient=patient, **body.dict())
    return Status(201, referral)

"""Reads of eligibility records.

The `current_*` selectors and `eligibility_overview` take a Patient the caller already loaded
through `patient_get` (site-scoped and audited there), so they do not audit again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import not_in_chart, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.eligibility.models import (
    ContraindicationAnswer,
    ContraindicationDefinition,
    ContraindicationScreen,
    EligibilityDecision,
    LevelOfCareAssessment,
    LevelOfCareMapping,
    Referral,
    RiskBenefitAssessment,
    RiskRuleSet,
)
from ketaclinic.eligibility.rules import LevelRecommendation, level_mapping_parse, level_recommend
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get


def patient_for_action(
    *, user: User, patient_id: int, perm: Perm, target_type: str, message: str = ""
) -> Patient:
    """The patient (scoped, audited read) for a form page, refused early without `perm`."""
    patient = patient_get(user=user, patient_id=patient_id, target_type=target_type)
    require_perm(
        user=user,
        perm=perm,
        target_type=target_type,
        target_id=patient.pk,
        patient=patient,
        message=message,
    )
    return patient


def active_definitions() -> list[ContraindicationDefinition]:
    return list(ContraindicationDefinition.objects.filter(is_active=True))


def current_screen(*, patient: Patient) -> ContraindicationScreen | None:
    """The latest screen with its answers (and their checklist items) in checklist order."""
    answers = ContraindicationAnswer.objects.select_related("definition").order_by(
        "definition__order", "definition_id"
    )
    return (
        patient.contraindication_screens.select_related("recorded_by")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("-version")
        .first()
    )


def current_eligibility(*, patient: Patient) -> EligibilityDecision | None:
    """The latest eligibility decision (the current one), or None if none was made."""
    return (
        patient.eligibility_decisions.select_related("decided_by", "screen")
        .order_by("-version")
        .first()
    )


def current_risk_benefit(*, patient: Patient) -> RiskBenefitAssessment | None:
    """The latest risk-benefit version, signed or not: check `.is_signed`."""
    return (
        patient.risk_benefit_assessments.select_related("recorded_by", "signed_by", "witnessed_by")
        .order_by("-version")
        .first()
    )


def current_level_of_care(*, patient: Patient) -> LevelOfCareAssessment | None:
    return (
        patient.level_of_care_assessments.select_related("assessed_by").order_by("-version").first()
    )


def referrals_for(*, patient: Patient) -> list[Referral]:
    return list(
        patient.eligibility_referrals.select_related("created_by").order_by("-referred_on", "-id")
    )


def risk_benefit_for_patient(
    *, user: User, patient: Patient, assessment_id: int
) -> RiskBenefitAssessment:
    assessment = (
        patient.risk_benefit_assessments.select_related("recorded_by")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise not_in_chart(
            user=user,
            patient=patient,
            model=RiskBenefitAssessment,
            record_id=assessment_id,
            target_type="risk_benefit_assessment",
            message="No risk-benefit assessment with that id for this patient.",
        )
    return assessment


def referral_for_patient(*, user: User, patient: Patient, referral_id: int) -> Referral:
    referral = patient.eligibility_referrals.filter(pk=referral_id).first()
    if referral is None:
        raise not_in_chart(
            user=user,
            patient=patient,
            model=Referral,
            record_id=referral_id,
            target_type="referral",
            message="No referral with that id for this patient.",
        )
    return referral


@dataclass(frozen=True)
class EligibilityOverview:
    screen: ContraindicationScreen | None
    decision: EligibilityDecision | None
    risk_benefit: RiskBenefitAssessment | None
    level_of_care: LevelOfCareAssessment | None
    referrals: list[Referral]

    @property
    def decision_is_outdated(self) -> bool:
        """A newer screen was recorded after the decision: the physician should review it."""
        return bool(self.decision and self.screen and self.decision.screen_id != self.screen.pk)


def eligibility_overview(*, patient: Patient) -> EligibilityOverview:
    return EligibilityOverview(
        screen=current_screen(patient=patient),
        decision=current_eligibility(patient=patient),
        risk_benefit=current_risk_benefit(patient=patient),
        level_of_care=current_level_of_care(patient=patient),
        referrals=referrals_for(patient=patient),
    )


def current_risk_rule_set(*, at: dt.datetime | None = None) -> RiskRuleSet | None:
    """The rule version in force: the latest whose effective_from has passed."""
    moment = at or timezone.now()
    rule_sets = RiskRuleSet.objects.filter(effective_from__lte=moment)
    return rule_sets.order_by("-effective_from", "-id").first()


def current_level_of_care_mapping(*, at: dt.datetime | None = None) -> LevelOfCareMapping | None:
    moment = at or timezone.now()
    mappings = LevelOfCareMapping.objects.filter(effective_from__lte=moment)
    return mappings.order_by("-effective_from", "-id").first()


def level_of_care_recommend(
    *, ratings: Mapping[str, int]
) -> tuple[LevelOfCareMapping, LevelRecommendation]:
    """What the clinic's current mapping recommends for these six ratings (nothing is saved)."""
    mapping = current_level_of_care_mapping()
    if mapping is None:
        raise ApplicationError(
            "No level-of-care mapping is in force: ask your medical director to set one."
        )
    steps = level_mapping_parse(mapping.rule)
    return mapping, level_recommend(ratings, mapping_code=mapping.code, steps=steps)

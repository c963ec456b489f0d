"""Eligibility for ketamine treatment: contraindication screens, the physician's decision,
the ketamine-misuse risk-benefit assessment and the ASAM level of care (DOMAIN.md §2, §5).

Every clinical record here is versioned per patient: a new version supersedes the previous
one, which stays exactly as it was written.
"""

from ketaclinic.eligibility.choices import (
    INPATIENT_LEVELS,
    TREATABLE_OUTCOMES,
    Answer,
    AsamLevel,
    ContraindicationClass,
    EligibilityOutcome,
    FamilyHistory,
    PriorKetamineUse,
    ReferralStatus,
    RiskLevel,
    Substance,
)
from ketaclinic.eligibility.models.contraindications import (
    ContraindicationAnswer,
    ContraindicationDefinition,
    ContraindicationScreen,
)
from ketaclinic.eligibility.models.decisions import EligibilityDecision
from ketaclinic.eligibility.models.level_of_care import (
    LevelOfCareAssessment,
    LevelOfCareMapping,
    Referral,
    ReferralStatusChange,
)
from ketaclinic.eligibility.models.risk_benefit import RiskBenefitAssessment, RiskRuleSet

__all__ = [
    "INPATIENT_LEVELS",
    "TREATABLE_OUTCOMES",
    "Answer",
    "AsamLevel",
    "ContraindicationAnswer",
    "ContraindicationClass",
    "ContraindicationDefinition",
    "ContraindicationScreen",
    "EligibilityDecision",
    "EligibilityOutcome",
    "FamilyHistory",
    "LevelOfCareAssessment",
    "LevelOfCareMapping",
    "PriorKetamineUse",
    "Referral",
    "ReferralStatus",
    "ReferralStatusChange",
    "RiskBenefitAssessment",
    "RiskLevel",
    "RiskRuleSet",
    "Substance",
]

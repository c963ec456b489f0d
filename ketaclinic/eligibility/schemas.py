"""API shapes. Inputs derive from StrictSchema (unknown fields are refused)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from ketaclinic.core.api import StrictSchema
from ketaclinic.eligibility.choices import (
    Answer,
    AsamLevel,
    EligibilityOutcome,
    FamilyHistory,
    PriorKetamineUse,
    ReferralStatus,
    Substance,
)
from ketaclinic.eligibility.rules import DIMENSIONS, RiskFacts
from ketaclinic.eligibility.services import DimensionRating, ScreenAnswer

_TEXT = 5000


def _username(user: Any) -> str | None:
    return user.username if user is not None else None


class ScreenAnswerIn(StrictSchema):
    code: str = Field(max_length=60, description="A checklist item code, e.g. 'aneurysm_avm'.")
    answer: Answer
    note: str = Field("", max_length=500)


class ScreenIn(StrictSchema):
    answers: list[ScreenAnswerIn] = Field(description="One answer per active checklist item.")
    note: str = Field("", max_length=_TEXT)

    def service_kwargs(self) -> dict[str, Any]:
        answers = [ScreenAnswer(a.code, Answer(a.answer), a.note) for a in self.answers]
        return {"answers": answers, "note": self.note}


class DecisionIn(StrictSchema):
    outcome: EligibilityOutcome
    reasoning: str = Field(max_length=_TEXT)
    conditions: str = Field("", max_length=_TEXT)
    override_reason: str = Field(
        "", max_length=_TEXT, description="Only to decide eligible despite an absolute item."
    )
    screen_id: int | None = Field(None, description="The screen you reviewed (refused if stale).")


class RiskBenefitIn(StrictSchema):
    prior_ketamine_use: PriorKetamineUse
    family_history: FamilyHistory
    unstable_housing: bool = False
    little_support: bool = False
    peers_who_use: bool = False
    legal_problems: bool = False
    current_substances: list[Substance] = Field(default_factory=list)
    current_substances_note: str = Field("", max_length=_TEXT)
    current_psychosis_risk: bool = False
    personality_disorder: bool = False
    psychiatric_notes: str = Field("", max_length=_TEXT)
    benefits_discussed: str = Field(max_length=_TEXT)
    monitoring_plan: str = Field(max_length=_TEXT)

    def service_kwargs(self) -> dict[str, Any]:
        facts = RiskFacts(
            prior_ketamine_use=PriorKetamineUse(self.prior_ketamine_use),
            family_history=FamilyHistory(self.family_history),
            unstable_housing=self.unstable_housing,
            little_support=self.little_support,
            peers_who_use=self.peers_who_use,
            legal_problems=self.legal_problems,
            current_substances=tuple(Substance(s) for s in self.current_substances),
            current_psychosis_risk=self.current_psychosis_risk,
            personality_disorder=self.personality_disorder,
        )
        texts = ("current_substances_note", "psychiatric_notes")
        return {
            "facts": facts,
            "benefits_discussed": self.benefits_discussed,
            "monitoring_plan": self.monitoring_plan,
        } | {name: getattr(self, name) for name in texts}


class RiskBenefitSignIn(StrictSchema):
    signature_name: str = Field(max_length=160, description="The physician's full name, typed.")
    patient_name: str = Field(max_length=160, description="The patient's name, typed by them.")


class DimensionIn(StrictSchema):
    rating: int = Field(ge=0, le=4)
    note: str = Field("", max_length=_TEXT)


class LevelOfCareIn(StrictSchema):
    intoxication_withdrawal: DimensionIn
    biomedical: DimensionIn
    emotional_behavioural: DimensionIn
    readiness_to_change: DimensionIn
    relapse_potential: DimensionIn
    recovery_environment: DimensionIn
    decided_level: AsamLevel
    disagreement_reason: str = Field("", max_length=_TEXT)

    def service_kwargs(self) -> dict[str, Any]:
        ratings = {}
        for d in DIMENSIONS:
            given: DimensionIn = getattr(self, d.key)
            ratings[d.key] = DimensionRating(given.rating, given.note)
        return {
            "ratings": ratings,
            "decided_level": AsamLevel(self.decided_level),
            "disagreement_reason": self.disagreement_reason,
        }


class ReferralIn(StrictSchema):
    destination: str = Field(max_length=200, description="Where the patient is referred to.")
    referred_on: dt.date
    status: ReferralStatus = ReferralStatus.PLANNED
    notes: str = Field("", max_length=_TEXT)
    assessment_id: int | None = Field(None, description="The level-of-care assessment, if any.")


class ScreenAnswerOut(Schema):
    code: str
    label: str
    klass: str
    answer: str
    note: str

    @staticmethod
    def resolve_code(obj: Any) -> str:
        return str(obj.definition.code)

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(obj.definition.label)

    @staticmethod
    def resolve_klass(obj: Any) -> str:
        return str(obj.definition.klass)


class ScreenOut(Schema):
    id: int
    version: int
    is_complete: bool
    note: str
    recorded_by: str
    recorded_at: dt.datetime
    absolute_present: list[str]
    relative_present: list[str]
    answers: list[ScreenAnswerOut]

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str | None:
        return _username(obj.recorded_by)

    @staticmethod
    def resolve_absolute_present(obj: Any) -> list[str]:
        return [d.code for d in obj.present_absolute]

    @staticmethod
    def resolve_relative_present(obj: Any) -> list[str]:
        return [d.code for d in obj.present_relative]

    @staticmethod
    def resolve_answers(obj: Any) -> list[Any]:
        return list(obj.answers.all())


class DecisionOut(Schema):
    id: int
    version: int
    screen_id: int
    outcome: str
    reasoning: str
    conditions: str
    override_reason: str
    absolute_codes: list[str]
    relative_codes: list[str]
    decided_by: str
    decided_at: dt.datetime

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        return _username(obj.decided_by)


class RiskBenefitOut(Schema):
    id: int
    version: int
    prior_ketamine_use: str
    family_history: str
    unstable_housing: bool
    little_support: bool
    peers_who_use: bool
    legal_problems: bool
    current_substances: list[str]
    current_substances_note: str
    current_psychosis_risk: bool
    personality_disorder: bool
    psychiatric_notes: str
    benefits_discussed: str
    monitoring_plan: str
    risk_level: str
    rule_code: str
    rule_label: str
    risk_factors: list[str]
    derivation: str
    recorded_by: str
    recorded_at: dt.datetime
    is_signed: bool
    signed_by: str | None
    signed_at: dt.datetime | None
    signature_name: str
    acknowledged_by_patient_name: str
    acknowledged_at: dt.datetime | None
    witnessed_by: str | None

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str | None:
        return _username(obj.recorded_by)

    @staticmethod
    def resolve_signed_by(obj: Any) -> str | None:
        return _username(obj.signed_by)

    @staticmethod
    def resolve_witnessed_by(obj: Any) -> str | None:
        return _username(obj.witnessed_by)


class DimensionOut(Schema):
    dimension: str
    rating: int
    note: str


class LevelOfCareOut(Schema):
    id: int
    version: int
    dimensions: list[DimensionOut]
    mapping_code: str
    recommended_levels: list[str]
    recommendation: str
    refer_inpatient_recommended: bool
    decided_level: str
    disagreement_reason: str
    assessed_by: str
    assessed_at: dt.datetime

    @staticmethod
    def resolve_dimensions(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "dimension": d.key,
                "rating": getattr(obj, f"{d.key}_rating"),
                "note": getattr(obj, f"{d.key}_note"),
            }
            for d in DIMENSIONS
        ]

    @staticmethod
    def resolve_assessed_by(obj: Any) -> str | None:
        return _username(obj.assessed_by)


class ReferralOut(Schema):
    id: int
    assessment_id: int | None
    destination: str
    referred_on: dt.date
    status: str
    notes: str
    created_by: str
    created_at: dt.datetime

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return _username(obj.created_by)


class EligibilityOut(Schema):
    patient_id: int
    screen: ScreenOut | None
    decision: DecisionOut | None
    decision_is_outdated: bool
    risk_benefit: RiskBenefitOut | None
    level_of_care: LevelOfCareOut | None
    referrals: list[ReferralOut]


class ReadinessItemOut(Schema):
    code: str
    label: str
    done: bool
    detail: str


class ReadinessOut(Schema):
    patient_id: int
    ready: bool
    missing: list[str]
    items: list[ReadinessItemOut]

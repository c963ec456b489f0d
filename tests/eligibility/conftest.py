"""Fixtures for the eligibility tests: more roles, a Boston patient, and record builders.

The builders go through the real services, so every test starts from states the
application itself can produce.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.eligibility import services
from ketaclinic.eligibility.choices import (
    Answer,
    AsamLevel,
    EligibilityOutcome,
    FamilyHistory,
    PriorKetamineUse,
)
from ketaclinic.eligibility.models import (
    ContraindicationScreen,
    EligibilityDecision,
    LevelOfCareAssessment,
    RiskBenefitAssessment,
)
from ketaclinic.eligibility.rules import DIMENSIONS, RiskFacts
from ketaclinic.eligibility.seed import seed_configuration
from ketaclinic.eligibility.selectors import active_definitions
from ketaclinic.patients.models import Patient
from tests.factories import PatientFactory


@pytest.fixture(autouse=True)
def _catalogue(db: None) -> None:
    """The data migration installs the checklist; reinstall in case a flush removed it."""
    seed_configuration()


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def therapist(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.THERAPIST, boston, username="therapist")


@pytest.fixture
def wh_physician(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.PHYSICIAN, west_hartford, username="wh-physician")


@pytest.fixture
def patient(boston: Site) -> Patient:
    return PatientFactory(site=boston, first_name="Ann", last_name="Alderwood")


def screen_answers(
    present: Iterable[str] = (), unknown: Iterable[str] = ()
) -> list[services.ScreenAnswer]:
    present, unknown = set(present), set(unknown)
    return [
        services.ScreenAnswer(
            d.code,
            Answer.PRESENT
            if d.code in present
            else Answer.UNKNOWN
            if d.code in unknown
            else Answer.ABSENT,
        )
        for d in active_definitions()
    ]


@pytest.fixture
def record_screen(physician: User) -> Callable[..., ContraindicationScreen]:
    def record(
        patient: Patient,
        present: Iterable[str] = (),
        unknown: Iterable[str] = (),
        actor: User | None = None,
    ) -> ContraindicationScreen:
        return services.contraindication_screen_record(
            actor=actor or physician, patient=patient, answers=screen_answers(present, unknown)
        )

    return record


@pytest.fixture
def decide(physician: User) -> Callable[..., EligibilityDecision]:
    def make(
        patient: Patient,
        outcome: EligibilityOutcome = EligibilityOutcome.ELIGIBLE,
        reasoning: str = "Screen reviewed; benefits outweigh risks.",
        **kwargs: Any,
    ) -> EligibilityDecision:
        return services.eligibility_decide(
            actor=physician, patient=patient, outcome=outcome, reasoning=reasoning, **kwargs
        )

    return make


def facts(**overrides: object) -> RiskFacts:
    values: dict[str, object] = {
        "prior_ketamine_use": PriorKetamineUse.NEVER,
        "family_history": FamilyHistory.NONE,
    }
    return RiskFacts(**(values | overrides))  # type: ignore[arg-type]  # test convenience


@pytest.fixture
def record_risk_benefit(physician: User) -> Callable[..., RiskBenefitAssessment]:
    def record(patient: Patient, **overrides: object) -> RiskBenefitAssessment:
        return services.risk_benefit_record(
            actor=physician,
            patient=patient,
            facts=facts(**overrides),
            benefits_discussed="Less craving; fewer relapses.",
            monitoring_plan="Urine drug screen before each infusion.",
        )

    return record


def ratings(*values: int) -> dict[str, services.DimensionRating]:
    return {
        d.key: services.DimensionRating(value, f"note {d.number}")
        for d, value in zip(DIMENSIONS, values, strict=True)
    }


@pytest.fixture
def assess_level(physician: User) -> Callable[..., LevelOfCareAssessment]:
    def assess(
        patient: Patient, values: tuple[int, ...], level: AsamLevel, reason: str = ""
    ) -> LevelOfCareAssessment:
        return services.level_of_care_assess(
            actor=physician,
            patient=patient,
            ratings=ratings(*values),
            decided_level=level,
            disagreement_reason=reason,
        )

    return assess

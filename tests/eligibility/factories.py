"""Factories for eligibility configuration and records built directly (model-level tests)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.eligibility.choices import EligibilityOutcome, RiskLevel
from ketaclinic.eligibility.models import (
    ContraindicationScreen,
    EligibilityDecision,
    RiskBenefitAssessment,
    RiskRuleSet,
)
from tests.factories import PatientFactory, UserFactory


class RiskRuleSetFactory(DjangoModelFactory[RiskRuleSet]):
    class Meta:
        model = RiskRuleSet

    code = factory.Sequence(lambda n: f"clinic-v{n + 2}")
    label = "Clinic rule set by our medical director"
    description = "Any risk factor -> moderate; 3 or more -> high."
    rule = factory.LazyFunction(
        lambda: {
            "counted_factors": ["little_support", "peers_who_use", "legal_problems"],
            "bands": [{"up_to": 0, "level": "low"}, {"up_to": 2, "level": "moderate"}],
            "above": "high",
        }
    )
    source = "Medical director memo (test)"
    effective_from = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))


class ContraindicationScreenFactory(DjangoModelFactory[ContraindicationScreen]):
    """A screen row without answers (answers come through the service in most tests)."""

    class Meta:
        model = ContraindicationScreen

    patient = factory.SubFactory(PatientFactory)
    version = 1
    is_complete = True
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)


class EligibilityDecisionFactory(DjangoModelFactory[EligibilityDecision]):
    class Meta:
        model = EligibilityDecision

    screen = factory.SubFactory(ContraindicationScreenFactory)
    patient = factory.SelfAttribute("screen.patient")
    version = 1
    outcome = EligibilityOutcome.ELIGIBLE
    reasoning = "Reviewed."
    decided_by = factory.SubFactory(UserFactory)
    decided_at = factory.LazyFunction(timezone.now)


class RiskBenefitAssessmentFactory(DjangoModelFactory[RiskBenefitAssessment]):
    class Meta:
        model = RiskBenefitAssessment

    patient = factory.SubFactory(PatientFactory)
    version = 1
    prior_ketamine_use = "never"
    family_history = "none"
    benefits_discussed = "Discussed."
    monitoring_plan = "Drug screens."
    risk_level = RiskLevel.LOW
    rule_set = factory.LazyFunction(lambda: RiskRuleSet.objects.get(code="example-v1"))
    rule_code = "example-v1"
    rule_label = "Example"
    derivation = "Derived by rule 'example-v1': 0 risk factors -> low"
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.eligibility.choices import EligibilityOutcome
from ketaclinic.eligibility.models import (
    ContraindicationDefinition,
    LevelOfCareMapping,
    RiskRuleSet,
)
from tests.eligibility.factories import (
    ContraindicationScreenFactory,
    EligibilityDecisionFactory,
    RiskBenefitAssessmentFactory,
    RiskRuleSetFactory,
)

ABSOLUTE = [
    "aneurysm_avm",
    "intracerebral_haemorrhage",
    "ketamine_hypersensitivity",
    "uncontrolled_hypertension",
    "recent_cerebrovascular_event",
    "pre_eclampsia_eclampsia",
    "untreated_hyperthyroidism",
]
RELATIVE = [
    "psychosis",
    "bipolar_without_mood_stabiliser",
    "pregnancy_breastfeeding",
    "poorly_controlled_cardiovascular",
    "raised_icp_iop",
    "hepatic_disease",
    "prior_ketamine_misuse",
    "heavy_sedative_opioid_use",
    "heavy_psychostimulant_use",
    "maoi_use",
]


def test_checklist_holds_every_domain_item_with_its_class_and_source(db):
    """Given the migrated database, then DOMAIN.md §2's items are data, in order, with class."""
    items = list(ContraindicationDefinition.objects.values_list("code", "klass", "is_active"))

    assert items == [(code, "absolute", True) for code in ABSOLUTE] + [
        (code, "relative", True) for code in RELATIVE
    ]
    sources = ContraindicationDefinition.objects.values_list("source", flat=True)
    assert all(source.startswith("Ketamine product labels; 2018 chronic") for source in sources)


def test_hypertension_threshold_is_source_text_not_a_rule(db):
    item = ContraindicationDefinition.objects.get(code="uncontrolled_hypertension")

    assert item.label == "Significant or uncontrolled hypertension"
    assert "resting BP > 180/100" in item.source
    assert "not applied as a rule" in item.source


def test_example_rules_are_labelled_as_examples(db):
    rule = RiskRuleSet.objects.get(code="example-v1")
    mapping = LevelOfCareMapping.objects.get(code="example-v1")

    assert rule.is_example
    assert mapping.is_example
    assert rule.label == "Example rule — set by your medical director; no published consensus"
    assert mapping.label.startswith("Example mapping — set by your medical director")
    assert "no numeric mapping" in mapping.source


def test_a_decision_without_reasoning_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        EligibilityDecisionFactory(reasoning="")


def test_eligible_with_conditions_needs_conditions_in_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        EligibilityDecisionFactory(outcome=EligibilityOutcome.ELIGIBLE_WITH_CONDITIONS)


def test_screen_versions_are_unique_per_patient(db):
    screen = ContraindicationScreenFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ContraindicationScreenFactory(patient=screen.patient, version=1)


def test_a_half_signed_risk_benefit_is_refused_by_the_database(db, physician):
    """Signed means physician signature AND patient acknowledgement AND witness, all at once."""
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskBenefitAssessmentFactory(
            signed_by=physician, signed_at=timezone.now(), signature_name="Test"
        )


def test_a_risk_rule_naming_an_unknown_factor_fails_validation(db):
    rule = RiskRuleSetFactory.build(
        rule={
            "counted_factors": ["star_sign"],
            "bands": [{"up_to": 1, "level": "low"}],
            "above": "high",
        }
    )

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert error.value.message_dict["rule"] == [
        "counted_factors: unknown risk factor(s) star_sign."
    ]


def test_a_level_mapping_without_a_catch_all_rule_fails_validation(db):
    mapping = LevelOfCareMapping(
        code="bad",
        label="Bad",
        description="-",
        source="-",
        effective_from=timezone.now(),
        rule={"rules": [{"if_any_of": [1], "at_least": 4, "levels": ["4"], "because": "d1 4"}]},
    )

    with pytest.raises(ValidationError) as error:
        mapping.full_clean()

    assert error.value.message_dict["rule"] == [
        "The last rule must apply to everyone: all six dimensions, at_least 0."
    ]

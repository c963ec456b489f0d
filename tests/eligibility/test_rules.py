from __future__ import annotations

import pytest

from ketaclinic.eligibility.catalogue import EXAMPLE_LEVEL_MAPPING, EXAMPLE_RISK_RULE
from ketaclinic.eligibility.choices import FamilyHistory, PriorKetamineUse, Substance
from ketaclinic.eligibility.rules import (
    RuleError,
    level_mapping_parse,
    level_recommend,
    risk_derive,
    risk_rule_parse,
)
from tests.eligibility.conftest import facts

RULE = risk_rule_parse(EXAMPLE_RISK_RULE["rule"])
STEPS = level_mapping_parse(EXAMPLE_LEVEL_MAPPING["rule"])
KEYS = [
    "intoxication_withdrawal",
    "biomedical",
    "emotional_behavioural",
    "readiness_to_change",
    "relapse_potential",
    "recovery_environment",
]


@pytest.mark.parametrize(
    ("overrides", "level", "text"),
    [
        ({}, "low", "Derived by rule 'example-v1': 0 risk factors -> low"),
        ({"peers_who_use": True}, "low", "Derived by rule 'example-v1': 1 risk factor -> low"),
        (
            {
                "family_history": FamilyHistory.ONE_FIRST_DEGREE,
                "little_support": True,
                "peers_who_use": True,
            },
            "moderate",
            "Derived by rule 'example-v1': 3 risk factors -> moderate",
        ),
        (
            {
                "prior_ketamine_use": PriorKetamineUse.PAST,
                "unstable_housing": True,
                "legal_problems": True,
                "current_substances": (Substance.DISSOCIATIVES,),
            },
            "high",
            "Derived by rule 'example-v1': 4 risk factors -> high",
        ),
        (
            {"prior_ketamine_use": PriorKetamineUse.MISUSE},
            "high",
            "Derived by rule 'example-v1': 1 risk factor, including ketamine or dissociative "
            "misuse -> high",
        ),
    ],
)
def test_example_risk_rule_counts_factors_and_says_how(overrides, level, text):
    """Given the example rule, when facts are counted, then the level and its words follow."""
    derived = risk_derive(facts(**overrides), rule_code="example-v1", rule=RULE)

    assert (derived.level.value, derived.text) == (level, text)


def test_derivation_lists_the_factors_it_counted():
    derived = risk_derive(
        facts(little_support=True, current_psychosis_risk=True), rule_code="x", rule=RULE
    )

    assert derived.factors == ("little_support", "current_psychosis_risk")


def test_a_rule_with_falling_bands_is_refused_with_every_problem():
    with pytest.raises(RuleError) as error:
        risk_rule_parse(
            {
                "counted_factors": ["little_support"],
                "bands": [{"up_to": 3, "level": "low"}, {"up_to": 1, "level": "moderate"}],
                "above": "extreme",
            }
        )

    assert error.value.problems == [
        "Band up_to values must rise from one band to the next.",
        "above must be a risk level: low, moderate or high.",
    ]


@pytest.mark.parametrize(
    ("values", "levels", "refer", "text"),
    [
        (
            (4, 0, 0, 0, 0, 0),
            ("3.7", "4"),
            True,
            "Mapping 'example-v1': dimension 1, 2 or 3 rated 4 -> 3.7 or 4. "
            "Refer to in-patient care.",
        ),
        (
            (0, 0, 4, 1, 1, 1),
            ("3.7", "4"),
            True,
            "Mapping 'example-v1': dimension 1, 2 or 3 rated 4 -> 3.7 or 4. "
            "Refer to in-patient care.",
        ),
        (
            (0, 0, 0, 0, 0, 4),
            ("3.1", "3.3", "3.5"),
            False,
            "Mapping 'example-v1': a dimension rated 3 or more -> 3.1, 3.3 or 3.5.",
        ),
        (
            (1, 2, 0, 0, 0, 0),
            ("2.1", "2.5"),
            False,
            "Mapping 'example-v1': highest rating 2 -> 2.1 or 2.5.",
        ),
        ((0, 0, 0, 1, 0, 0), ("1",), False, "Mapping 'example-v1': highest rating 1 -> 1."),
        (
            (0, 0, 0, 0, 0, 0),
            ("0.5",),
            False,
            "Mapping 'example-v1': every dimension rated 0 -> 0.5.",
        ),
    ],
)
def test_example_mapping_recommends_a_level_from_the_ratings(values, levels, refer, text):
    recommendation = level_recommend(
        dict(zip(KEYS, values, strict=True)), mapping_code="example-v1", steps=STEPS
    )

    assert recommendation.levels == levels
    assert recommendation.refer_inpatient is refer
    assert recommendation.text == text

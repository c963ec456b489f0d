"""The shipped checklist and the example rules, installed by a data migration.

The contraindications are DOMAIN.md §2 item by item. The risk rule and the level-of-care
mapping are EXAMPLES: no published consensus exists for either, so each clinic's medical
director replaces them with their own version (a new code and effective_from).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

SOURCE = (
    "Ketamine product labels; 2018 chronic-pain consensus guideline "
    "(Ketaclinic domain reference, section 2)"
)

# (code, label, class, source text); order is the list order.
CONTRAINDICATIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "aneurysm_avm",
        "Aneurysmal vascular disease or arteriovenous malformation",
        "absolute",
        SOURCE,
    ),
    ("intracerebral_haemorrhage", "History of intracerebral haemorrhage", "absolute", SOURCE),
    ("ketamine_hypersensitivity", "Hypersensitivity to ketamine", "absolute", SOURCE),
    (
        "uncontrolled_hypertension",
        "Significant or uncontrolled hypertension",
        "absolute",
        f"{SOURCE}. One non-US label gives resting BP > 180/100; quoted for the physician, "
        "not applied as a rule.",
    ),
    ("recent_cerebrovascular_event", "Recent cerebrovascular event", "absolute", SOURCE),
    ("pre_eclampsia_eclampsia", "Pre-eclampsia or eclampsia", "absolute", SOURCE),
    ("untreated_hyperthyroidism", "Untreated hyperthyroidism", "absolute", SOURCE),
    ("psychosis", "Active psychosis or history of psychotic disorder", "relative", SOURCE),
    (
        "bipolar_without_mood_stabiliser",
        "Bipolar disorder without a mood stabiliser",
        "relative",
        SOURCE,
    ),
    ("pregnancy_breastfeeding", "Pregnancy or breastfeeding", "relative", SOURCE),
    (
        "poorly_controlled_cardiovascular",
        "Poorly controlled cardiovascular disease",
        "relative",
        SOURCE,
    ),
    ("raised_icp_iop", "Raised intracranial or intraocular pressure", "relative", SOURCE),
    ("hepatic_disease", "Hepatic disease (check baseline liver tests)", "relative", SOURCE),
    ("prior_ketamine_misuse", "Prior ketamine or dissociative misuse", "relative", SOURCE),
    (
        "heavy_sedative_opioid_use",
        "Current heavy use of sedatives or opioids (benzodiazepines, non-benzodiazepine "
        "hypnotics, opioids)",
        "relative",
        f"{SOURCE}. Active substance use is not a block in an addiction programme: the "
        "physician records the reasoning.",
    ),
    (
        "heavy_psychostimulant_use",
        "Current heavy use of psychostimulants",
        "relative",
        f"{SOURCE}. Active substance use is not a block in an addiction programme: the "
        "physician records the reasoning.",
    ),
    ("maoi_use", "Currently taking MAOIs (monoamine oxidase inhibitors)", "relative", SOURCE),
)

EXAMPLE_LABEL = "Example rule — set by your medical director; no published consensus"
EXAMPLE_SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

EXAMPLE_RISK_RULE: dict[str, Any] = {
    "code": "example-v1",
    "label": EXAMPLE_LABEL,
    "is_example": True,
    "description": (
        "Example rule, set by your medical director (no published consensus exists): count "
        "the risk factors present; 0-1 low, 2-3 moderate, 4 or more high; any ketamine or "
        "dissociative misuse is high whatever the count."
    ),
    "rule": {
        "counted_factors": [
            "prior_ketamine_past",
            "prior_ketamine_recent",
            "prior_ketamine_misuse",
            "family_history_one_first_degree",
            "family_history_several",
            "unstable_housing",
            "little_support",
            "peers_who_use",
            "legal_problems",
            "current_dissociative_use",
            "current_psychosis_risk",
            "personality_disorder",
        ],
        "bands": [{"up_to": 1, "level": "low"}, {"up_to": 3, "level": "moderate"}],
        "above": "high",
        "high_if_any": ["prior_ketamine_misuse"],
    },
    "source": (
        "Example shipped with Ketaclinic, not taken from a publication. PRODUCT.md asks for "
        "more care for patients susceptible for genetic or social reasons; the weights and "
        "cut-offs are the clinic's to set."
    ),
    "effective_from": EXAMPLE_SINCE,
}

_ALL = [1, 2, 3, 4, 5, 6]
EXAMPLE_LEVEL_MAPPING: dict[str, Any] = {
    "code": "example-v1",
    "label": "Example mapping — set by your medical director; ASAM gives no numeric formula",
    "is_example": True,
    "description": (
        "Example only. The first line that matches gives the recommendation: dimension 1, 2 "
        "or 3 rated 4 -> 3.7 or 4 (refer to in-patient care); any dimension rated 3 or 4 -> "
        "residential 3.1, 3.3 or 3.5; any rated 2 -> 2.1 or 2.5; any rated 1 -> 1; all 0 -> "
        "0.5. Limits: real ASAM placement weighs the detail of every dimension, services "
        "available and the patient's preference; this ladder looks only at the highest ratings."
    ),
    "rule": {
        "rules": [
            {
                "if_any_of": [1, 2, 3],
                "at_least": 4,
                "levels": ["3.7", "4"],
                "because": "dimension 1, 2 or 3 rated 4",
            },
            {
                "if_any_of": _ALL,
                "at_least": 3,
                "levels": ["3.1", "3.3", "3.5"],
                "because": "a dimension rated 3 or more",
            },
            {
                "if_any_of": _ALL,
                "at_least": 2,
                "levels": ["2.1", "2.5"],
                "because": "highest rating 2",
            },
            {"if_any_of": _ALL, "at_least": 1, "levels": ["1"], "because": "highest rating 1"},
            {
                "if_any_of": _ALL,
                "at_least": 0,
                "levels": ["0.5"],
                "because": "every dimension rated 0",
            },
        ]
    },
    "source": (
        "Levels and dimensions: ASAM Criteria 3rd ed. (Ketaclinic domain reference, "
        "section 5), which gives no numeric mapping. The thresholds are an example shipped "
        "with Ketaclinic."
    ),
    "effective_from": EXAMPLE_SINCE,
}


def catalogue_install(*, definition_model: Any, rule_model: Any, mapping_model: Any) -> None:
    """Add any missing item or example by code; a clinic's own changes are left alone.

    Takes the model classes so the data migration can pass its historical models.
    """
    for order, (code, label, klass, source) in enumerate(CONTRAINDICATIONS, start=1):
        definition_model.objects.get_or_create(
            code=code, defaults={"label": label, "klass": klass, "source": source, "order": order}
        )
    for model, example in ((rule_model, EXAMPLE_RISK_RULE), (mapping_model, EXAMPLE_LEVEL_MAPPING)):
        values = {key: value for key, value in example.items() if key != "code"}
        model.objects.get_or_create(code=example["code"], defaults=values)

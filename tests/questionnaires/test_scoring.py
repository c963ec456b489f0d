"""Worked examples at every band boundary for the sum-scored instruments.

Expected values are worked out by hand from the published scoring (DOMAIN.md section 3),
not computed by the code under test.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ketaclinic.questionnaires.scoring import ScoringError, load_definition, score
from tests.questionnaires.helpers import answers_for, band_code, score_values

# --------------------------------------------------------------------------- PHQ-9


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
        ([3, 3, 3, 0, 0, 0, 0, 0, 0], 9, "mild"),
        ([2, 2, 2, 2, 2, 0, 0, 0, 0], 10, "moderate"),
        ([3, 3, 3, 3, 2, 0, 0, 0, 0], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately_severe"),
        ([3, 3, 3, 3, 3, 3, 1, 0, 0], 19, "moderately_severe"),
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 0], 24, "severe"),
    ],
)
def test_phq9_band_boundaries(values, total, band):
    """Given PHQ-9 answers on either side of a published cut-off (item 9 left at 0),
    when scored, then the total is the item sum and the band is the published one."""
    result = score_values("phq9", values)

    assert (result.total, band_code(result) if result.band else None) == (total, band)
    assert result.flags == ()
    assert result.safety_alerts == ()


def test_phq9_maximum_total_is_severe_and_raises_the_item_9_alert():
    """Given every PHQ-9 item answered 'Nearly every day', when scored, then the total is
    27, severe, and item 9 raises the same-day suicide-risk alert."""
    result = score_values("phq9", [3] * 9)

    assert (result.total, band_code(result), result.flags) == (27, "severe", ("suicide_risk",))
    assert [(a.code, a.level) for a in result.safety_alerts] == [("suicide_risk", "same_day")]


@pytest.mark.parametrize("item_9", [1, 2, 3])
def test_phq9_item_9_above_zero_alerts_whatever_the_total(item_9):
    """Given a minimal PHQ-9 total but item 9 above 0, when scored, then the band stays
    minimal and the same-day suicide-risk flag is raised regardless of the total."""
    result = score_values("phq9", [0, 0, 0, 0, 0, 0, 0, 0, item_9])

    assert (result.total, band_code(result)) == (item_9, "minimal")
    assert result.flags == ("suicide_risk",)
    assert result.safety_alerts[0].level == "same_day"
    assert result.interpretation.startswith("Safety alert, same day: Item 9")


def test_phq9_interpretation_reads_as_plain_english():
    """Given a moderate PHQ-9, when scored, then the interpretation names the total, the
    maximum, the band and its score range."""
    result = score_values("phq9", [2, 2, 2, 2, 2, 0, 0, 0, 0])

    assert result.interpretation == "PHQ-9: total 10 of 27. Moderate depression (scores 10-14)."


# --------------------------------------------------------------------------- GAD-7


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
        ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
        ([3, 3, 3, 0, 0, 0, 0], 9, "mild"),
        ([2, 2, 2, 2, 2, 0, 0], 10, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0], 15, "severe"),
        ([3, 3, 3, 3, 3, 3, 3], 21, "severe"),
    ],
)
def test_gad7_band_boundaries(values, total, band):
    """Given GAD-7 answers on either side of a published cut-off, when scored, then the
    total is the item sum and the band is the published one."""
    result = score_values("gad7", values)

    assert (result.total, band_code(result), result.flags) == (total, band, ())


# --------------------------------------------------------------------------- AUDIT


@pytest.mark.parametrize(
    ("values", "total", "zone"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "zone_1"),
        ([4, 3, 0, 0, 0, 0, 0, 0, 0, 0], 7, "zone_1"),
        ([4, 4, 0, 0, 0, 0, 0, 0, 0, 0], 8, "zone_2"),
        ([4, 4, 4, 1, 0, 0, 0, 0, 2, 0], 15, "zone_2"),
        ([4, 4, 4, 0, 0, 0, 0, 0, 4, 0], 16, "zone_3"),
        ([4, 4, 4, 1, 1, 1, 1, 1, 2, 0], 19, "zone_3"),
        ([4, 4, 4, 0, 0, 0, 0, 0, 4, 4], 20, "zone_4"),
        ([4, 4, 4, 4, 4, 4, 4, 4, 4, 4], 40, "zone_4"),
    ],
)
def test_audit_zone_boundaries(values, total, zone):
    """Given AUDIT answers on either side of a WHO zone cut-off, when scored, then the
    total is the item sum (items 9-10 scored 0, 2 or 4) and the zone is the WHO one."""
    result = score_values("audit", values)

    assert (result.total, band_code(result)) == (total, zone)


def test_audit_subscales_are_consumption_dependence_and_harm_sums():
    """Given AUDIT answers with item 10 'Yes, during the last year' (4), when scored,
    then consumption = items 1-3, dependence = items 4-6, harm = items 7-10, each with
    its percent of maximum (12, 12 and 16)."""
    result = score_values("audit", [1, 2, 3, 1, 0, 2, 1, 1, 2, 4])

    assert result.total == 17
    assert {code: (s.score, s.percent_of_max) for code, s in result.subscales.items()} == {
        "consumption": (6, Decimal("50.00")),
        "dependence": (3, Decimal("25.00")),
        "harm": (8, Decimal("50.00")),
    }
    assert band_code(result) == "zone_3"


@pytest.mark.parametrize(("item", "value"), [("audit_9", 2), ("audit_10", 4)])
def test_audit_items_9_and_10_score_their_0_2_4_value(item, value):
    """Given only AUDIT item 9 or 10 answered 'yes', when scored, then it adds 2 ('not in
    the last year') or 4 ('during the last year') to the total and the harm subscale."""
    answers = answers_for("audit", [0] * 10) | {item: value}

    result = score(load_definition("audit"), answers)

    assert (result.total, result.subscales["harm"].score) == (value, value)


@pytest.mark.parametrize("item", ["audit_9", "audit_10"])
@pytest.mark.parametrize("value", [1, 3])
def test_audit_items_9_and_10_refuse_1_and_3(item, value):
    """Given AUDIT item 9 or 10 answered 1 or 3, when scored, then the answer is refused
    naming the allowed values 0, 2 and 4."""
    answers = answers_for("audit", [0] * 10) | {item: value}

    with pytest.raises(ScoringError) as refused:
        score(load_definition("audit"), answers)

    assert refused.value.invalid == [f"{item}: {value} is not an allowed answer (0, 2, 4)"]
    assert refused.value.missing == []


def test_audit_zone_interpretation_carries_the_who_advice():
    """Given an AUDIT total of 20, when scored, then the interpretation gives the zone and
    the WHO advice for zone IV."""
    result = score_values("audit", [4, 4, 4, 0, 0, 0, 0, 0, 4, 4])

    assert "Zone IV: possible alcohol dependence (scores 20-40)." in result.interpretation
    assert "refer to a specialist" in result.interpretation


# --------------------------------------------------------------------------- AUDIT-C


@pytest.mark.parametrize(
    ("sex", "values", "total", "band"),
    [
        ("male", [1, 1, 1], 3, "negative"),
        ("male", [2, 1, 1], 4, "positive"),
        ("female", [1, 1, 0], 2, "negative"),
        ("female", [1, 1, 1], 3, "positive"),
        ("MALE", [1, 1, 1], 3, "negative"),
        ("male", [0, 0, 0], 0, "negative"),
        ("female", [4, 4, 4], 12, "positive"),
    ],
)
def test_auditc_sex_specific_cut_off(sex, values, total, band):
    """Given AUDIT-C answers at the cut-off, when scored with the patient's sex, then men
    are positive from 4 and women from 3 (Bradley 2007); case does not matter."""
    result = score_values("auditc", values, context={"sex": sex})

    assert (result.total, band_code(result)) == (total, band)
    assert result.flags == (("auditc_positive",) if band == "positive" else ())


@pytest.mark.parametrize("context", [None, {}, {"sex": "intersex"}, {"sex": "unknown"}])
def test_auditc_other_or_unrecorded_sex_uses_the_cautious_cut_off_and_says_so(context):
    """Given an AUDIT-C total of 3 and a sex that is neither male nor female (or none),
    when scored, then the lower cut-off of 3 applies and the interpretation says so."""
    result = score_values("auditc", [1, 1, 1], context=context)

    assert (result.total, band_code(result), result.flags) == (3, "positive", ("auditc_positive",))
    assert "more cautious cut-off was applied: 3 or more is positive" in result.interpretation


def test_auditc_below_the_cautious_cut_off_is_negative_without_sex():
    """Given an AUDIT-C total of 2 and no recorded sex, when scored, then it is negative."""
    result = score_values("auditc", [1, 1, 0])

    assert (result.total, band_code(result), result.flags) == (2, "negative", ())


def test_auditc_interpretation_names_the_cut_off_used():
    """Given a man with AUDIT-C 4, when scored, then the interpretation says the cut-off
    for men was applied."""
    result = score_values("auditc", [2, 1, 1], context={"sex": "male"})

    assert "Cut-off for men applied: 4 or more is positive." in result.interpretation


# --------------------------------------------------------------------------- DAST-10


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 0, "none"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1, "low"),
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2, "low"),
        ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], 3, "moderate"),
        ([1, 1, 0, 1, 1, 0, 0, 0, 0, 0], 5, "moderate"),
        ([1, 1, 0, 1, 1, 1, 0, 0, 0, 0], 6, "substantial"),
        ([1, 1, 0, 1, 1, 1, 1, 1, 0, 0], 8, "substantial"),
        ([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 9, "severe"),
        ([1, 1, 0, 1, 1, 1, 1, 1, 1, 1], 10, "severe"),
    ],
)
def test_dast10_band_boundaries(values, total, band):
    """Given DAST-10 answers (1 = yes, 0 = no), when scored, then each yes scores 1 except
    item 3, where 'no' scores 1, and the band is Skinner's."""
    result = score_values("dast10", values)

    assert (result.total, band_code(result)) == (total, band)


def test_dast10_item_3_no_scores_one_and_yes_scores_zero():
    """Given DAST-10 with only item 3 differing, when scored, then 'No' (not always able
    to stop) scores 1 and 'Yes' scores 0."""
    no_to_item_3 = score_values("dast10", [0] * 10)
    yes_to_item_3 = score_values("dast10", [0, 0, 1, 0, 0, 0, 0, 0, 0, 0])

    assert (no_to_item_3.total, yes_to_item_3.total) == (1, 0)


# --------------------------------------------------------------------------- PACS


@pytest.mark.parametrize(
    ("values", "total", "flags"),
    [
        ([0, 0, 0, 0, 0], 0, ()),
        ([6, 6, 2, 0, 0], 14, ()),
        ([6, 6, 3, 0, 0], 15, ("pacs_15_or_more",)),
        ([6, 6, 6, 2, 0], 20, ("pacs_15_or_more",)),
        ([6, 6, 6, 3, 0], 21, ("pacs_15_or_more", "pacs_over_20")),
        ([6, 6, 6, 6, 6], 30, ("pacs_15_or_more", "pacs_over_20")),
    ],
)
def test_pacs_sum_and_published_cut_offs(values, total, flags):
    """Given PACS answers around the published cut-offs (15 or more; above 20), when
    scored, then the total is the sum of five 0-6 items and the cut-off flags follow."""
    result = score_values("pacs", values)

    assert (result.total, result.band, result.flags) == (total, None, flags)


# --------------------------------------------------------------------------- PGSI


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "non_problem"),
        ([1, 0, 0, 0, 0, 0, 0, 0, 0], 1, "low_risk"),
        ([1, 1, 0, 0, 0, 0, 0, 0, 0], 2, "low_risk"),
        ([1, 1, 1, 0, 0, 0, 0, 0, 0], 3, "moderate_risk"),
        ([3, 3, 1, 0, 0, 0, 0, 0, 0], 7, "moderate_risk"),
        ([3, 3, 2, 0, 0, 0, 0, 0, 0], 8, "problem"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, "problem"),
    ],
)
def test_pgsi_band_boundaries(values, total, band):
    """Given PGSI answers on either side of a published category boundary, when scored,
    then the total is the sum of nine 0-3 items and the category is Ferris & Wynne's."""
    result = score_values("pgsi", values)

    assert (result.total, band_code(result)) == (total, band)


# --------------------------------------------------------------------------- craving


@pytest.mark.parametrize("value", [0, 7, 10])
def test_craving_scores_its_single_0_to_10_value(value):
    """Given the single craving item, when scored, then the score is the value itself."""
    result = score_values("craving", [value])

    assert (result.total, result.band, result.flags) == (value, None, ())
    assert result.interpretation.startswith(f"Craving (single item, 0-10): total {value} of 10.")


@pytest.mark.parametrize("value", [-1, 11])
def test_craving_refuses_values_outside_0_to_10(value):
    """Given a craving rating outside 0-10, when scored, then it is refused."""
    with pytest.raises(ScoringError) as refused:
        score_values("craving", [value])

    assert refused.value.invalid == [
        f"craving_1: {value} is not an allowed answer (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)"
    ]


# --------------------------------------------------------------------------- as_dict


def test_as_dict_is_json_ready_with_exact_values():
    """Given a scored AUDIT, when turned into a dict, then it serialises to JSON with the
    total, subscales, band, flags and interpretation."""
    result = score_values("audit", [1, 2, 3, 1, 0, 2, 1, 1, 2, 4])

    data = json.loads(json.dumps(result.as_dict()))

    assert data["total"] == 17
    assert data["total_percent_of_max"] == 42.5
    assert data["subscales"]["harm"] == {
        "label": "Alcohol-related harm (items 7-10)",
        "score": 8,
        "percent_of_max": 50.0,
    }
    assert data["band"] == {"code": "zone_3", "label": "Zone III: harmful drinking"}
    assert (data["risk_level"], data["flags"], data["safety_alerts"]) == (None, [], [])
    assert data["interpretation"] == result.interpretation

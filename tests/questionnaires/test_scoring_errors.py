"""Refusals: missing answers, values outside the options, unknown items. Never a partial
score."""

from __future__ import annotations

import pytest

from ketaclinic.questionnaires.scoring import ScoringError, load_definition, score
from tests.questionnaires.helpers import answers_for


def test_missing_items_are_listed_in_item_order():
    """Given PHQ-9 with items 3 and 7 unanswered, when scored, then the error names both,
    in order, with the fix."""
    answers = answers_for("phq9", [1] * 9)
    del answers["phq9_7"], answers["phq9_3"]

    with pytest.raises(ScoringError) as refused:
        score(load_definition("phq9"), answers)

    assert refused.value.missing == ["phq9_3", "phq9_7"]
    assert str(refused.value) == (
        "Missing answers for phq9_3, phq9_7: answer every item before scoring."
    )


def test_a_value_outside_the_options_is_refused_with_the_allowed_values():
    """Given PHQ-9 item 1 answered 7, when scored, then the error names the item, the
    value and the allowed answers."""
    answers = answers_for("phq9", [0] * 9) | {"phq9_1": 7}

    with pytest.raises(ScoringError) as refused:
        score(load_definition("phq9"), answers)

    assert refused.value.invalid == ["phq9_1: 7 is not an allowed answer (0, 1, 2, 3)"]
    assert str(refused.value) == "phq9_1: 7 is not an allowed answer (0, 1, 2, 3)."


@pytest.mark.parametrize(
    ("value", "shown"), [(True, "True"), ("2", "'2'"), (2.0, "2.0"), (None, "None")]
)
def test_only_whole_numbers_are_answers(value, shown):
    """Given an answer that is not an int (a bool, text, a float, null), when scored, then
    it is refused rather than coerced."""
    answers = answers_for("gad7", [0] * 7) | {"gad7_2": value}

    with pytest.raises(ScoringError) as refused:
        score(load_definition("gad7"), answers)

    assert refused.value.invalid == [f"gad7_2: {shown} is not an allowed answer (0, 1, 2, 3)"]


def test_unknown_item_ids_are_refused():
    """Given an answer to an item the instrument does not have, when scored, then it is
    refused naming the instrument's items."""
    answers = answers_for("phq9", [0] * 9) | {"phq9_10": 1}

    with pytest.raises(ScoringError) as refused:
        score(load_definition("phq9"), answers)

    assert refused.value.invalid == [
        "phq9_10: not an item of PHQ-9 (its items are phq9_1 to phq9_9)"
    ]


def test_missing_and_invalid_are_reported_together():
    """Given one missing and one invalid answer, when scored, then both are reported in
    one error."""
    answers = answers_for("gad7", [0] * 7) | {"gad7_1": 4}
    del answers["gad7_5"]

    with pytest.raises(ScoringError) as refused:
        score(load_definition("gad7"), answers)

    assert (refused.value.missing, refused.value.invalid) == (
        ["gad7_5"],
        ["gad7_1: 4 is not an allowed answer (0, 1, 2, 3)"],
    )
    assert str(refused.value) == (
        "Missing answers for gad7_5: answer every item before scoring. "
        "gad7_1: 4 is not an allowed answer (0, 1, 2, 3)."
    )


@pytest.mark.parametrize(
    "code",
    [
        "phq9",
        "gad7",
        "audit",
        "auditc",
        "dast10",
        "pacs",
        "meq30",
        "cssrs_screen",
        "pgsi",
        "craving",
    ],
)
def test_no_answers_lists_every_required_item(code):
    """Given no answers at all, when any instrument is scored, then every item that is
    asked is reported missing and no score is produced."""
    definition = load_definition(code)

    with pytest.raises(ScoringError) as refused:
        score(definition, {})

    expected = [i.id for i in definition.items if i.show_if is None]
    assert refused.value.missing == expected


def test_scoring_error_is_a_value_error():
    """Given a refusal, when caught as ValueError, then it is caught (callers may rely on
    it)."""
    with pytest.raises(ValueError, match="Missing answers"):
        score(load_definition("craving"), {})

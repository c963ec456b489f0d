"""The condition vocabulary, exercised through a made-up instrument defined as data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.questionnaires.scoring import ScoringError, parse_definition, score

SCALE = [{"value": v, "label": str(v)} for v in range(5)]


def _definition(flags: list[dict[str, Any]], show_if: dict[str, Any] | None = None):
    items: list[dict[str, Any]] = [
        {"id": f"x_{n}", "number": n, "text": f"Item {n}?", "options": SCALE, "required": True}
        for n in range(1, 5)
    ]
    if show_if is not None:
        items[3]["show_if"] = show_if
    return parse_definition(
        {
            "code": "x",
            "version": "1.0",
            "title": "X",
            "description": "Test fixture.",
            "citation": "Test fixture.",
            "licence_note": "Test fixture.",
            "loinc": None,
            "items": items,
            "scoring": {
                "method": "sum",
                "subscales": [
                    {"code": "a", "label": "A", "items": ["x_1", "x_2"], "method": "mean"},
                    {"code": "b", "label": "B", "items": ["x_3", "x_4"], "method": "sum"},
                ],
            },
            "bands": [],
            "flags": flags,
            "safety_rules": [],
        }
    )


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"item": "x_1", "in": [2, 3]}, True),
        ({"item": "x_1", "not_in": [2, 3]}, False),
        ({"item": "x_1", "not_equals": 3}, False),
        ({"score": "a", "equals": 2.5}, True),  # mean of 3 and 2
        ({"percent_of_max": "a", "gte": 62.5}, True),  # 2.5 / 4
        ({"percent_of_max": "a", "gt": 62.5}, False),
        ({"score": "b", "lte": 1}, True),
        ({"percent_of_max": "total", "lt": 25}, False),  # 6 / 16 = 37.5 %
        ({"all": [{"item": "x_1", "gte": 3}, {"item": "x_2", "gte": 3}]}, False),
        ({"any": [{"item": "x_1", "gte": 3}, {"item": "x_2", "gte": 3}]}, True),
        ({"not": {"item": "x_3", "equals": 0}}, True),
        ({"all_subscales_pct_gte": 12.5}, True),  # a is 62.5 %, b is 1 of 8 = 12.5 %
        ({"all_subscales_pct_gte": 25}, False),
        ({"context": "site", "in": ["boston", "hartford"]}, True),
        ({"context": "missing_key", "not_in": ["anything"]}, True),
        ({"context": "missing_key", "equals": "anything"}, False),
    ],
)
def test_each_condition_form(when, expected):
    """Given answers 3, 2, 1, 0 and context site 'Boston', when a flag's condition is
    evaluated, then it holds exactly when the published meaning says so."""
    definition = _definition([{"code": "hit", "when": when, "message": "Hit."}])

    result = score(definition, {"x_1": 3, "x_2": 2, "x_3": 1, "x_4": 0}, context={"site": "Boston"})

    assert (result.flags == ("hit",)) is expected


def test_mean_and_sum_subscales_side_by_side():
    """Given a mean subscale and a sum subscale, when scored, then the mean is a Decimal
    rounded to 2 places and the sum an int, each with percent of maximum."""
    result = score(_definition([]), {"x_1": 3, "x_2": 2, "x_3": 1, "x_4": 0})

    assert {c: (s.score, s.percent_of_max) for c, s in result.subscales.items()} == {
        "a": (Decimal("2.50"), Decimal("62.50")),
        "b": (1, Decimal("12.50")),
    }
    assert (result.total, result.total_percent_of_max) == (6, Decimal("37.50"))


def test_skip_logic_with_a_list_explains_itself():
    """Given an item asked only when an earlier answer is one of several values, when it
    is answered although hidden, then the refusal lists the values that would show it."""
    definition = _definition([], show_if={"item": "x_1", "in": [3, 4]})

    with pytest.raises(ScoringError) as refused:
        score(definition, {"x_1": 0, "x_2": 0, "x_3": 0, "x_4": 0})

    assert refused.value.invalid == [
        "x_4: this item is only asked when x_1 is one of 3 (3), 4 (4), "
        "so it must be left unanswered (skip logic)"
    ]
    assert score(definition, {"x_1": 0, "x_2": 0, "x_3": 0}).total == 0

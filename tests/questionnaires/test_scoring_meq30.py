"""MEQ-30: subscale means, percent of maximum and the 60 % rule (Barrett et al. 2015).

Subscales (item numbers): mystical 4,5,6,9,14,15,16,18,20,21,23,24,25,26,28; positive mood
2,8,12,17,27,30; transcendence of time and space 1,7,11,13,19,22; ineffability 3,10,29.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.questionnaires.scoring import ScoringError, load_definition, score

MYSTICAL = (4, 5, 6, 9, 14, 15, 16, 18, 20, 21, 23, 24, 25, 26, 28)
POSITIVE_MOOD = (2, 8, 12, 17, 27, 30)
TRANSCENDENCE = (1, 7, 11, 13, 19, 22)
INEFFABILITY = (3, 10, 29)


def _score(changes: dict[int, int] | None = None, base: int = 3):
    """All 30 items answered `base`, except item number -> value in `changes`."""
    values = dict.fromkeys(range(1, 31), base) | (changes or {})
    return score(load_definition("meq30"), {f"meq30_{n}": v for n, v in values.items()})


def _subscales(result) -> dict[str, tuple[Decimal, Decimal]]:
    return {code: (s.score, s.percent_of_max) for code, s in result.subscales.items()}


def test_subscale_item_lists_match_the_published_key():
    """Given the MEQ-30 definition, when reading its subscales, then each lists exactly
    the published item numbers and together they cover all 30 items once."""
    definition = load_definition("meq30")

    numbers = {
        s.code: tuple(definition.item(i).number for i in s.items) for s in definition.subscales
    }

    assert numbers == {
        "mystical": MYSTICAL,
        "positive_mood": POSITIVE_MOOD,
        "transcendence": TRANSCENDENCE,
        "ineffability": INEFFABILITY,
    }
    assert sorted(n for group in numbers.values() for n in group) == list(range(1, 31))


def test_every_item_at_3_is_exactly_60_percent_and_complete():
    """Given every item 'Moderate' (3), when scored, then every subscale mean is 3.00 =
    60.00 % of the maximum 5, which meets the 'at least 60 %' rule."""
    result = _score()

    assert (result.total, result.total_percent_of_max) == (Decimal("3.00"), Decimal("60.00"))
    assert set(_subscales(result).values()) == {(Decimal("3.00"), Decimal("60.00"))}
    assert result.flags == ("complete_mystical_experience",)
    assert "Complete mystical experience" in result.interpretation


@pytest.mark.parametrize(
    ("item", "subscale", "mean", "percent"),
    [
        (4, "mystical", "2.93", "58.67"),  # 44 / 15
        (2, "positive_mood", "2.83", "56.67"),  # 17 / 6
        (1, "transcendence", "2.83", "56.67"),  # 17 / 6
        (3, "ineffability", "2.67", "53.33"),  # 8 / 3
    ],
)
def test_one_subscale_just_below_60_percent_is_not_complete(item, subscale, mean, percent):
    """Given every item at 3 except one item of a subscale at 2, when scored, then that
    subscale falls just below 60 % and the experience is not complete."""
    result = _score({item: 2})

    assert _subscales(result)[subscale] == (Decimal(mean), Decimal(percent))
    assert result.flags == ()
    assert "Not a complete mystical experience" in result.interpretation


def test_total_mean_uses_all_30_items():
    """Given every item at 3 except one mystical item at 2, when scored, then the total is
    the mean of all 30 items: 89 / 30 = 2.97 (59.33 % of the maximum)."""
    result = _score({4: 2})

    assert (result.total, result.total_percent_of_max) == (Decimal("2.97"), Decimal("59.33"))


def test_subscales_just_above_60_percent_are_complete():
    """Given every item at 3 except one ineffability item at 4, when scored, then
    ineffability is 10 / 3 = 3.33 (66.67 %) and the experience is complete."""
    result = _score({29: 4})

    assert _subscales(result)["ineffability"] == (Decimal("3.33"), Decimal("66.67"))
    assert result.flags == ("complete_mystical_experience",)


def test_uneven_answers_give_each_subscale_its_own_mean():
    """Given item n answered n mod 6 (1, 2, 3, 4, 5, 0, 1, ...), when scored, then the
    subscale means are mystical 38/15, positive mood 12/6, transcendence 13/6 and
    ineffability 12/3, and the total mean is 75/30."""
    result = _score({n: n % 6 for n in range(1, 31)})

    assert _subscales(result) == {
        "mystical": (Decimal("2.53"), Decimal("50.67")),
        "positive_mood": (Decimal("2.00"), Decimal("40.00")),
        "transcendence": (Decimal("2.17"), Decimal("43.33")),
        "ineffability": (Decimal("4.00"), Decimal("80.00")),
    }
    assert (result.total, result.total_percent_of_max) == (Decimal("2.50"), Decimal("50.00"))
    assert result.flags == ()


@pytest.mark.parametrize(("base", "mean", "percent"), [(0, "0.00", "0.00"), (5, "5.00", "100.00")])
def test_extremes(base, mean, percent):
    """Given every item at the lowest (0) or highest (5) anchor, when scored, then every
    subscale and the total are 0 % or 100 % of the maximum."""
    result = _score(base=base)

    assert (result.total, result.total_percent_of_max) == (Decimal(mean), Decimal(percent))
    assert set(_subscales(result).values()) == {(Decimal(mean), Decimal(percent))}


def test_answer_scale_has_the_six_published_anchors():
    """Given an MEQ-30 item, when reading its options, then they are the published 0-5
    anchors from 'None; not at all' to 'Extreme'."""
    item = load_definition("meq30").item("meq30_1")

    assert [(o.value, o.label.split(" (")[0]) for o in item.options] == [
        (0, "None; not at all"),
        (1, "So slight cannot decide"),
        (2, "Slight"),
        (3, "Moderate"),
        (4, "Strong"),
        (5, "Extreme"),
    ]


def test_value_6_is_refused():
    """Given an MEQ-30 item answered 6, when scored, then the answer is refused."""
    with pytest.raises(ScoringError) as refused:
        _score({17: 6})

    assert refused.value.invalid == ["meq30_17: 6 is not an allowed answer (0, 1, 2, 3, 4, 5)"]

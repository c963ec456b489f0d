"""C-SSRS screener: skip logic and risk levels (highest item answered yes)."""

from __future__ import annotations

import pytest

from ketaclinic.questionnaires.scoring import ScoringError, load_definition, score


def _score(**answers: int):
    return score(load_definition("cssrs_screen"), {f"cssrs_{k[1:]}": v for k, v in answers.items()})


@pytest.mark.parametrize(
    ("answers", "highest", "risk"),
    [
        ({"q1": 0, "q2": 0, "q6": 0}, 0, "none"),
        ({"q1": 1, "q2": 0, "q6": 0}, 1, "low"),
        ({"q1": 0, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0}, 2, "low"),
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 0, "q6": 0}, 3, "moderate"),
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}, 4, "high"),
        ({"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 1, "q6": 0}, 5, "high"),
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 1}, 6, "high"),
    ],
)
def test_risk_level_follows_the_highest_item_answered_yes(answers, highest, risk):
    """Given screener answers, when scored, then the score is the highest item answered
    yes and the risk is none (no yes), low (1-2), moderate (3) or high (4, 5 or 6)."""
    result = _score(**answers)

    assert (result.total, result.risk_level, result.band.code) == (highest, risk, risk)


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 0, "q6": 0}, "same_day"),
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}, "immediate"),
        ({"q1": 0, "q2": 0, "q6": 1}, "immediate"),
    ],
)
def test_moderate_and_high_risk_raise_the_suicide_risk_alert(answers, level):
    """Given a moderate or high screener, when scored, then the suicide-risk flag is set
    with a same-day (moderate) or immediate (high) safety alert."""
    result = _score(**answers)

    assert result.flags == ("suicide_risk",)
    assert [(a.code, a.level) for a in result.safety_alerts] == [("suicide_risk", level)]


@pytest.mark.parametrize(
    "answers",
    [
        {"q1": 0, "q2": 0, "q6": 0},
        {"q1": 1, "q2": 0, "q6": 0},
        {"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0},
    ],
)
def test_no_or_low_risk_raises_no_alert(answers):
    """Given a screener at no or low risk, when scored, then no flag or alert is raised."""
    result = _score(**answers)

    assert (result.flags, result.safety_alerts) == ((), ())


def test_no_to_item_2_skips_items_3_to_5_and_goes_to_item_6():
    """Given item 2 answered no, when scored without items 3-5, then they are not
    required and item 6 still counts: yes to 6 alone is high risk."""
    result = _score(q1=0, q2=0, q6=1)

    assert (result.total, result.risk_level) == (6, "high")


def test_yes_to_item_2_requires_items_3_to_5():
    """Given item 2 answered yes, when scored without items 3-5, then the error names
    each of them in order and nothing is scored."""
    with pytest.raises(ScoringError) as refused:
        _score(q1=1, q2=1, q6=0)

    assert refused.value.missing == ["cssrs_3", "cssrs_4", "cssrs_5"]
    assert refused.value.invalid == []


def test_item_6_is_required_on_both_branches():
    """Given item 2 answered no and item 6 left out, when scored, then item 6 is missing."""
    with pytest.raises(ScoringError) as refused:
        _score(q1=0, q2=0)

    assert str(refused.value) == ("Missing answers for cssrs_6: answer every item before scoring.")


def test_an_answer_to_a_skipped_item_is_refused_and_says_why():
    """Given item 2 answered no and item 3 answered anyway, when scored, then the answer
    to item 3 is refused because skip logic hides it."""
    with pytest.raises(ScoringError) as refused:
        _score(q1=1, q2=0, q3=1, q6=0)

    assert refused.value.invalid == [
        "cssrs_3: this item is only asked when cssrs_2 is 1 (Yes), "
        "so it must be left unanswered (skip logic)"
    ]


def test_a_missing_item_2_is_reported_alone():
    """Given item 2 unanswered, when scored, then only item 2 is reported missing: whether
    items 3-5 are asked depends on it."""
    with pytest.raises(ScoringError) as refused:
        _score(q1=0, q6=0)

    assert refused.value.missing == ["cssrs_2"]


def test_an_invalid_item_2_does_not_also_refuse_items_3_to_5():
    """Given item 2 answered with a value that is not yes or no, when scored, then item 2
    alone is reported (items 3-5 depend on it)."""
    with pytest.raises(ScoringError) as refused:
        _score(q1=0, q2=2, q3=0, q4=0, q5=0, q6=0)

    assert (refused.value.missing, refused.value.invalid) == (
        [],
        ["cssrs_2: 2 is not an allowed answer (0, 1)"],
    )


def test_high_risk_interpretation_starts_with_the_urgent_alert():
    """Given yes to item 4, when scored, then the interpretation opens with the urgent
    alert a nurse must act on."""
    result = _score(q1=1, q2=1, q3=1, q4=1, q5=0, q6=0)

    assert result.interpretation.startswith("URGENT safety alert, act now: C-SSRS high")

"""The pure lapse and relapse engine on hand-made timelines (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from ketaclinic.recovery.rules import (
    ANY_USE,
    CONSECUTIVE_USE_DAYS,
    HEAVY_DAYS_WITHIN,
    DayStatus,
    RuleSpec,
    classify,
    heavy_days,
    heavy_threshold,
    resolve_day,
)

START = dt.date(2026, 1, 1)
ABSTINENT = DayStatus(used=False, quantity=Decimal(0))

ALCOHOL = RuleSpec(
    kind=HEAVY_DAYS_WITHIN,
    relapse_days=2,
    window_days=7,
    heavy_male=Decimal(5),
    heavy_female=Decimal(4),
    heavy_unit="standard_drinks",
)


def d(n: int) -> dt.date:
    """Day n after the start day."""
    return START + dt.timedelta(days=n)


def used(amount: int | str | None = 1) -> DayStatus:
    return DayStatus(used=True, quantity=None if amount is None else Decimal(amount))


def timeline(**days: DayStatus) -> dict[dt.date, DayStatus]:
    """timeline(d1=..., d3=...): days not named are unknown."""
    return {d(int(name[1:])): status for name, status in days.items()}


def test_any_use_first_lapse_is_relapse() -> None:
    """Given abstinence then use on days 3-4 and 9, when classified under ANY_USE, then the
    lapses are days 3 and 9 (episode starts) and the relapse is day 3."""
    days = timeline(d1=ABSTINENT, d2=ABSTINENT, d3=used(), d4=used(), d5=ABSTINENT, d9=used())
    result = classify(RuleSpec(kind=ANY_USE), sex="male", start_day=START, days=days)
    assert result.lapse_days == [d(3), d(9)]
    assert result.first_lapse_day == d(3)
    assert result.relapse_day == d(3)


def test_use_on_start_day_is_not_a_lapse() -> None:
    """Given use on the start day itself and abstinence after, when classified, then there is
    no lapse (a lapse is use after the start day)."""
    days = timeline(d0=used(), d1=ABSTINENT)
    result = classify(RuleSpec(kind=ANY_USE), sex="male", start_day=START, days=days)
    assert result.lapse_days == []
    assert result.relapse_day is None


def test_grace_period_ignores_early_use() -> None:
    """Given a 3-day grace period and use on days 2, 3 and 4, when classified under ANY_USE,
    then days 2-3 are ignored and the lapse and relapse are day 4 (a new episode)."""
    days = timeline(d2=used(), d3=used(), d4=used())
    result = classify(RuleSpec(kind=ANY_USE, grace_days=3), sex="male", start_day=START, days=days)
    assert result.lapse_days == [d(4)]
    assert result.relapse_day == d(4)


def test_consecutive_use_needs_n_days_in_a_row() -> None:
    """Given use on days 1-2, abstinence on 3, use on 4-6, when N=3 consecutive days, then
    the relapse is dated day 4, the first day of the run, and lapses are days 1 and 4."""
    days = timeline(d1=used(), d2=used(), d3=ABSTINENT, d4=used(), d5=used(), d6=used())
    spec = RuleSpec(kind=CONSECUTIVE_USE_DAYS, relapse_days=3)
    result = classify(spec, sex="female", start_day=START, days=days)
    assert result.lapse_days == [d(1), d(4)]
    assert result.relapse_day == d(4)


def test_unknown_day_breaks_consecutive_use() -> None:
    """Given use on days 1, 2, 4 and 5 with day 3 unknown, when N=3 consecutive days, then no
    relapse: the unknown day breaks the run; and day 4 starts a new lapse."""
    days = timeline(d1=used(), d2=used(), d4=used(), d5=used())
    spec = RuleSpec(kind=CONSECUTIVE_USE_DAYS, relapse_days=3)
    result = classify(spec, sex="male", start_day=START, days=days)
    assert result.relapse_day is None
    assert result.lapse_days == [d(1), d(4)]


def test_consecutive_run_straddling_grace_counts_only_after_grace() -> None:
    """Given grace 2 and use on days 1-5, when N=3 consecutive days, then the counted run
    starts on day 3, so the relapse is day 5's run dated day 3."""
    days = timeline(d1=used(), d2=used(), d3=used(), d4=used(), d5=used())
    spec = RuleSpec(kind=CONSECUTIVE_USE_DAYS, relapse_days=3, grace_days=2)
    result = classify(spec, sex="male", start_day=START, days=days)
    assert result.lapse_days == [d(3)]
    assert result.relapse_day == d(3)


def test_heavy_days_within_window_male_threshold() -> None:
    """Given a man with 5 drinks on day 2, 4 drinks on day 5 and 6 drinks on day 9, when the
    rule is 2 heavy days (>= 5) within 7 days, then days 2-9 span 8 days (outside the
    window) and there is no relapse until another heavy day on day 10: dated day 9."""
    days = timeline(d2=used(5), d5=used(4), d9=used(6))
    result = classify(ALCOHOL, sex="male", start_day=START, days=days)
    assert result.relapse_day is None
    assert result.lapse_days == [d(2), d(5), d(9)]
    days[d(10)] = used(5)
    assert classify(ALCOHOL, sex="male", start_day=START, days=days).relapse_day == d(9)


def test_heavy_days_exactly_m_days_span_is_inside_the_window() -> None:
    """Given heavy days on day 2 and day 8 (a 7-day span, inclusive), when 2 heavy days
    within 7 days are needed, then that is a relapse dated day 2."""
    days = timeline(d2=used(5), d8=used(6))
    assert classify(ALCOHOL, sex="male", start_day=START, days=days).relapse_day == d(2)


def test_heavy_days_within_window_female_threshold() -> None:
    """Given the same timeline for a woman (heavy >= 4), when classified, then days 2 and 5
    are both heavy within 7 days: relapse dated day 2."""
    days = timeline(d2=used(5), d5=used(4), d9=used(6))
    assert classify(ALCOHOL, sex="female", start_day=START, days=days).relapse_day == d(2)


def test_intersex_and_unknown_sex_use_the_lower_threshold() -> None:
    """Given sex intersex or unknown, when the heavy threshold is chosen, then it is the lower
    (female) one, 4 drinks; for male it is 5."""
    assert heavy_threshold(ALCOHOL, "intersex") == Decimal(4)
    assert heavy_threshold(ALCOHOL, "unknown") == Decimal(4)
    assert heavy_threshold(ALCOHOL, "male") == Decimal(5)
    days = timeline(d2=used(4), d3=used(4))
    assert classify(ALCOHOL, sex="unknown", start_day=START, days=days).relapse_day == d(2)


def test_window_of_one_day_makes_any_heavy_day_a_relapse() -> None:
    """Given the default alcohol rule (1 heavy day within 1 day), when a man drinks 3 on day 1
    and 5 on day 4, then the lapse is day 1 and the relapse day 4."""
    spec = RuleSpec(
        kind=HEAVY_DAYS_WITHIN,
        relapse_days=1,
        window_days=1,
        heavy_male=Decimal(5),
        heavy_female=Decimal(4),
        heavy_unit="standard_drinks",
    )
    days = timeline(d1=used(3), d2=ABSTINENT, d4=used(5))
    result = classify(spec, sex="male", start_day=START, days=days)
    assert result.lapse_days == [d(1), d(4)]
    assert result.relapse_day == d(4)


def test_heavy_day_in_grace_period_does_not_count() -> None:
    """Given grace 5 and heavy days on 3 and 6, when 2 heavy days within 7 days are needed,
    then only day 6 counts and there is no relapse."""
    spec = RuleSpec(**{**ALCOHOL.__dict__, "grace_days": 5})
    days = timeline(d3=used(9), d6=used(9))
    result = classify(spec, sex="male", start_day=START, days=days)
    assert result.relapse_day is None
    assert result.lapse_days == [d(6)]


def test_grams_of_ethanol_convert_to_standard_drinks() -> None:
    """Given a target counted in grams of ethanol, when 70 g (5 drinks) and 56 g (4 drinks)
    are compared with the male threshold of 5 drinks, then only 70 g is heavy."""
    days = timeline(d1=used(70), d2=used(56))
    heavy = heavy_days(ALCOHOL, sex="male", unit="grams_ethanol", days=days)
    assert heavy == {d(1)}


def test_units_that_do_not_convert_are_never_heavy() -> None:
    """Given a threshold in standard drinks and a target counted in money, when compared,
    then no day is heavy (the amounts are not comparable)."""
    days = timeline(d1=used(500))
    assert heavy_days(ALCOHOL, sex="male", unit="money_usd", days=days) == set()


def test_positive_test_is_use_without_a_heavy_amount() -> None:
    """Given a self-report of no use and a positive EtG the same day, when resolved, then the
    day is used, the amount unknown, and flagged as a conflict."""
    rows = [
        SimpleNamespace(source="self_report", used=False, quantity=Decimal(0)),
        SimpleNamespace(source="etg", used=True, quantity=None),
    ]
    assert resolve_day(rows) == DayStatus(used=True, quantity=None, conflict=True)


def test_self_report_quantity_wins_over_interview() -> None:
    """Given a self-report of 3 drinks and an interview of 6 for the same day, when resolved,
    then the day is used with the self-report's 3 and flagged as a conflict."""
    rows = [
        SimpleNamespace(source="interview", used=True, quantity=Decimal(6)),
        SimpleNamespace(source="self_report", used=True, quantity=Decimal(3)),
    ]
    assert resolve_day(rows) == DayStatus(used=True, quantity=Decimal(3), conflict=True)


def test_interview_quantity_used_when_no_self_report() -> None:
    """Given an interview of 4 and a positive breathalyser, when resolved, then the day is
    used with 4 and no conflict (both say used)."""
    rows = [
        SimpleNamespace(source="interview", used=True, quantity=Decimal(4)),
        SimpleNamespace(source="breathalyser", used=True, quantity=None),
    ]
    assert resolve_day(rows) == DayStatus(used=True, quantity=Decimal(4), conflict=False)


def test_agreeing_abstinent_sources() -> None:
    """Given a self-report of no use and a negative urine test, when resolved, then the day is
    abstinent with quantity 0 and no conflict."""
    rows = [
        SimpleNamespace(source="self_report", used=False, quantity=Decimal(0)),
        SimpleNamespace(source="urine_test", used=False, quantity=None),
    ]
    assert resolve_day(rows) == DayStatus(used=False, quantity=Decimal(0), conflict=False)

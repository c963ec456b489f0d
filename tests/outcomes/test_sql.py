"""The portable date arithmetic: the same whole days on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from ketaclinic.accounts.models import Site, User
from ketaclinic.outcomes.sql import DaysBetween, ShiftDays
from ketaclinic.recovery.models import TargetOutcome
from tests.outcomes.factories import build_subject


def test_days_between_and_shift_days_across_a_leap_day_and_backwards(
    physician: User, boston: Site
) -> None:
    """Given an outcome from 2024-02-27 to 2024-03-02 (across 29 February),
    when the database computes the days between and shifts the start by -30 and +3 days,
    then it answers 4, -4, 2024-01-28 and 2024-03-01."""
    build_subject(site=boston, by=physician, duration_days=4, start=dt.date(2024, 2, 27))

    row = TargetOutcome.objects.values(
        forward=DaysBetween(F("last_observed_day"), F("start_day")),
        backward=DaysBetween(F("start_day"), F("last_observed_day")),
        month_before=ShiftDays(F("start_day"), -30),
        three_after=ShiftDays(F("start_day"), 3),
    ).get()

    assert row == {
        "forward": 4,
        "backward": -4,
        "month_before": dt.date(2024, 1, 28),
        "three_after": dt.date(2024, 3, 1),
    }


def test_shifted_days_compare_with_stored_dates(physician: User, boston: Site) -> None:
    """Given an outcome from 2024-02-27 to 2024-03-02,
    when filtering on the last day against the start shifted by 4 and by 5 days,
    then the first matches and the second does not."""
    build_subject(site=boston, by=physician, duration_days=4, start=dt.date(2024, 2, 27))
    rows = TargetOutcome.objects.all()

    assert rows.filter(last_observed_day=ShiftDays(F("start_day"), 4)).count() == 1
    assert rows.filter(last_observed_day__gte=ShiftDays(F("start_day"), 5)).count() == 0

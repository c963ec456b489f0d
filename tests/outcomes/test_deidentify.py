"""HIPAA Safe Harbor helpers for the research export."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ketaclinic.outcomes.deidentify import (
    SAFE_HARBOR_FORBIDDEN,
    age_band,
    age_on,
    days_from,
    study_ids,
)


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, "0"), (34, "34"), (89, "89"), (89.99, "89"), (90, "90+"), (104, "90+")],
)
def test_age_band_groups_ages_over_89(age, band):
    """Given an age, when banded, then ages below 90 stay exact (whole years) and 90 and over
    become "90+" (Safe Harbor groups ages over 89)."""
    assert age_band(age) == band


def test_age_band_refuses_a_negative_age():
    """Given a negative age, when banded, then ValueError names it."""
    with pytest.raises(ValueError, match="Age must be a number >= 0, not -1"):
        age_band(-1)


def test_age_on_counts_completed_years():
    """Given a birthday of 1935-06-15, then the age is 89 on 2025-06-14 and 90 on 2025-06-15;
    a 29 February birthday turns over on 1 March in a common year."""
    assert age_on(dt.date(1935, 6, 15), dt.date(2025, 6, 14)) == 89
    assert age_on(dt.date(1935, 6, 15), dt.date(2025, 6, 15)) == 90
    assert age_on(dt.date(2004, 2, 29), dt.date(2025, 2, 28)) == 20
    assert age_on(dt.date(2004, 2, 29), dt.date(2025, 3, 1)) == 21


def test_days_from_enrolment():
    """Given enrolment on 2025-01-10, then the same day is 0, 2025-03-01 is 50, the day before
    is -1, a datetime counts by its calendar date, and a missing date stays None."""
    enrolled = dt.date(2025, 1, 10)

    assert days_from(enrolled, dt.date(2025, 1, 10)) == 0
    assert days_from(enrolled, dt.date(2025, 3, 1)) == 50
    assert days_from(enrolled, dt.date(2025, 1, 9)) == -1
    assert days_from(enrolled, dt.datetime(2025, 1, 11, 23, 59, tzinfo=dt.UTC)) == 1
    assert days_from(enrolled, None) is None


def test_study_ids_are_fresh_codes_not_record_numbers():
    """Given three patient keys (one repeated), when study ids are assigned, then each key gets
    one id of the form S0001..S0003, none contains the key, and repeats share an id."""
    ids = study_ids([501, 777, 501, 9])

    assert set(ids) == {501, 777, 9}
    assert sorted(ids.values()) == ["S0001", "S0002", "S0003"]
    assert all(re.fullmatch(r"S000[1-3]", v) for v in ids.values())
    assert not any(str(key) in value for key, value in ids.items())


def test_safe_harbor_lists_the_eighteen_identifier_kinds():
    """Given the data dictionary's list, then it has the 18 kinds of 164.514(b)(2)(i), from
    names to any other unique code."""
    assert len(SAFE_HARBOR_FORBIDDEN) == 18
    assert SAFE_HARBOR_FORBIDDEN[0] == "Names"
    assert SAFE_HARBOR_FORBIDDEN[7] == "Medical record numbers"
    assert SAFE_HARBOR_FORBIDDEN[-1].startswith("Any other unique identifying number")

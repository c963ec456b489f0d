"""The lapse and relapse rules as pure functions (DOMAIN.md section 4).

Input: a rule, the patient's sex, the start day (day 0: the first infusion, else the quit
date) and a mapping day -> `DayStatus` built from the daily records. A day that is not in
the mapping is unknown: it is never abstinent, never used, and it breaks a run of
consecutive days.

Definitions used here (the rule is clinic configuration; these are how it is applied):

- A day counts towards a lapse or relapse only when it is later than
  `start_day + grace_days` (`grace_days` = 0: any use after the start day).
- A lapse is the start of a use episode: a counted day of use whose previous day was not a
  recorded day of use (abstinent or unknown).
- The relapse is dated to the first day of the use that met the rule: the first of the N
  consecutive days, or the first heavy day of the first M-day window holding N heavy days.
  Only the first relapse is derived: time to relapse is a first-event analysis.
- Heavy day: the day's quantity >= the threshold for the patient's sex. For sex intersex or
  unknown the lower (female) threshold applies (a judgement call: the conservative choice,
  it never misses a heavy day the female threshold would catch). A day of use with no
  quantity (a positive test) is use but not a heavy day: the amount is not known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ketaclinic.recovery.models import RecoveryRule

HEAVY_DAYS_WITHIN = "heavy_days_within"
CONSECUTIVE_USE_DAYS = "consecutive_use"
ANY_USE = "any_use"

_SELF_REPORT = "self_report"
_INTERVIEW = "interview"
_QUANTITY_SOURCES = (_SELF_REPORT, _INTERVIEW)
# US standard drink = 14 g ethanol (DOMAIN.md section 4).
GRAMS_PER_STANDARD_DRINK = Decimal(14)
_DRINKS = "standard_drinks"
_GRAMS = "grams_ethanol"


@dataclass(frozen=True)
class DayStatus:
    """One day of one target, all its sources resolved."""

    used: bool
    quantity: Decimal | None = None
    conflict: bool = False


_ABSTINENT = DayStatus(used=False, quantity=Decimal(0))


@dataclass(frozen=True)
class RuleSpec:
    """The parts of a `RecoveryRule` the engine needs (a plain value, easy to test)."""

    kind: str
    relapse_days: int | None = None
    window_days: int | None = None
    heavy_male: Decimal | None = None
    heavy_female: Decimal | None = None
    heavy_unit: str = ""
    grace_days: int = 0

    @classmethod
    def of(cls, rule: RecoveryRule) -> RuleSpec:
        return cls(
            kind=rule.relapse_kind,
            relapse_days=rule.relapse_days,
            window_days=rule.relapse_window_days,
            heavy_male=rule.heavy_threshold_male,
            heavy_female=rule.heavy_threshold_female,
            heavy_unit=rule.heavy_unit,
            grace_days=rule.grace_days,
        )


@dataclass(frozen=True)
class Classification:
    lapse_days: list[dt.date] = field(default_factory=list)
    relapse_day: dt.date | None = None

    @property
    def first_lapse_day(self) -> dt.date | None:
        return self.lapse_days[0] if self.lapse_days else None


class SourceRecord(Protocol):
    """What `resolve_day` reads of a DailyRecord."""

    @property
    def source(self) -> str: ...
    @property
    def used(self) -> bool: ...
    @property
    def quantity(self) -> Decimal | None: ...


def resolve_day(records: Iterable[SourceRecord]) -> DayStatus:
    """Several sources for one day: used if any source says used (a positive test counts as
    use: the conservative reading). The quantity is the self-report's, else the
    interview's, taken only from a source that agrees with the day's used/not-used answer.
    Sources that disagree (on use, or on the amount) make the day a conflict for display."""
    rows = list(records)
    if len(rows) == 1:  # the common case, kept fast for the nightly run
        only = rows[0]
        if not only.used:
            return _ABSTINENT
        return DayStatus(
            used=True, quantity=only.quantity if only.source in _QUANTITY_SOURCES else None
        )
    used = any(r.used for r in rows)
    by_source = {r.source: r for r in rows}
    quantity: Decimal | None = None
    for source in _QUANTITY_SOURCES:
        row = by_source.get(source)
        if row is not None and row.used == used:
            quantity = row.quantity if used else Decimal(0)
            break
    if quantity is None and not used:
        quantity = Decimal(0)
    answers = {r.used for r in rows}
    amounts = {r.quantity for r in rows if r.source in _QUANTITY_SOURCES and r.used}
    return DayStatus(used=used, quantity=quantity, conflict=len(answers) > 1 or len(amounts) > 1)


def in_unit(quantity: Decimal | None, unit: str, wanted: str) -> Decimal | None:
    """A quantity in the rule's threshold unit; None when the units do not convert (a
    target counted in money is never compared with a threshold in use episodes)."""
    if quantity is None or unit == wanted:
        return quantity
    if unit == _GRAMS and wanted == _DRINKS:
        return quantity / GRAMS_PER_STANDARD_DRINK
    if unit == _DRINKS and wanted == _GRAMS:
        return quantity * GRAMS_PER_STANDARD_DRINK
    return None


def heavy_threshold(spec: RuleSpec, sex: str) -> Decimal | None:
    """The heavy-use threshold for this sex; intersex and unknown take the lower one."""
    if sex == "male":
        return spec.heavy_male
    if sex == "female":
        return spec.heavy_female
    known = [t for t in (spec.heavy_male, spec.heavy_female) if t is not None]
    return min(known) if known else None


def heavy_days(
    spec: RuleSpec, *, sex: str, unit: str, days: Mapping[dt.date, DayStatus]
) -> set[dt.date]:
    """The days of use at or above the heavy threshold (none when the rule has none)."""
    threshold = heavy_threshold(spec, sex)
    if threshold is None:
        return set()
    wanted = spec.heavy_unit or unit
    unit = unit or wanted  # no unit given: the quantities are in the threshold's unit
    heavy = set()
    for day, status in days.items():
        amount = in_unit(status.quantity, unit, wanted) if status.used else None
        if amount is not None and amount >= threshold:
            heavy.add(day)
    return heavy


def counted_from(spec: RuleSpec, start_day: dt.date) -> dt.date:
    """The first day whose use counts: the day after start_day + grace_days."""
    return start_day + dt.timedelta(days=spec.grace_days + 1)


def classify(
    spec: RuleSpec,
    *,
    sex: str,
    start_day: dt.date,
    days: Mapping[dt.date, DayStatus],
    unit: str = "",
) -> Classification:
    """Lapses (use-episode starts) and the first relapse after the start and grace period.

    `unit` is the target's unit (quantities are in it); heavy thresholds in another unit
    are converted when they can be (standard drinks and grams of ethanol)."""
    first = counted_from(spec, start_day)
    used = sorted(d for d, s in days.items() if d >= first and s.used)
    one = dt.timedelta(days=1)
    lapses = [d for d in used if not (d - one >= first and _used(days, d - one))]
    if spec.kind == ANY_USE:
        relapse = used[0] if used else None
    elif spec.kind == CONSECUTIVE_USE_DAYS:
        relapse = _consecutive(used, spec.relapse_days or 1)
    elif spec.kind == HEAVY_DAYS_WITHIN:
        heavy = sorted(d for d in heavy_days(spec, sex=sex, unit=unit, days=days) if d >= first)
        relapse = _heavy_within(heavy, spec.relapse_days or 1, spec.window_days or 1)
    else:
        raise ValueError(f"unknown relapse rule kind {spec.kind!r}")
    return Classification(lapse_days=lapses, relapse_day=relapse)


def _used(days: Mapping[dt.date, DayStatus], day: dt.date) -> bool:
    status = days.get(day)
    return status is not None and status.used


def _consecutive(used: list[dt.date], n: int) -> dt.date | None:
    """The first day of the first run of n recorded use days on consecutive dates."""
    run_start: dt.date | None = None
    previous: dt.date | None = None
    for day in used:
        if previous is None or (day - previous).days != 1:
            run_start = day
        previous = day
        assert run_start is not None
        if (day - run_start).days + 1 >= n:
            return run_start
    return None


def _heavy_within(heavy: list[dt.date], n: int, m: int) -> dt.date | None:
    """The first heavy day of the earliest window of m days holding n heavy days."""
    for i in range(len(heavy) - n + 1):
        if (heavy[i + n - 1] - heavy[i]).days < m:
            return heavy[i]
    return None


class Counts(Protocol):
    @property
    def days_abstinent(self) -> int: ...
    @property
    def days_observed(self) -> int: ...


def percent_days_abstinent(outcome: Counts) -> Decimal | None:
    """DOMAIN.md section 4: abstinent days / days observed x 100, one decimal (None when no
    day was observed). Unknown days are in neither count."""
    if not outcome.days_observed:
        return None
    return (Decimal(outcome.days_abstinent) * 100 / outcome.days_observed).quantize(Decimal("0.1"))

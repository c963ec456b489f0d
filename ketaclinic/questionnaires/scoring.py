"""Exact scoring of questionnaire instruments: a pure function of a definition and answers.

Instruments are data (`definitions/<code>.json`, each with its citation); this module
knows no instrument by name, so adding an instrument is a new JSON file that passes
`validate_definition`. The vocabulary a definition may use:

- items: `options` list the allowed answer `value`s; an option may carry `points` when
  the score differs from the stored answer (DAST-10 item 3: "No" scores 1). `show_if`
  is skip logic: a hidden item is not required and an answer to it is refused.
- scoring `method`: `sum` (whole-number total), `mean` (Decimal, 2 places) or
  `highest_positive` (number of the highest item that scored above 0: the C-SSRS
  screener's rule); `subscales` are `sum` or `mean` over listed items, each also given
  as a percent of its maximum.
- `bands`: contiguous `{code, label, min, max}` ranges of a whole-number total
  (optional `risk_level`, `advice`); `band_variants` swap in other bands when their
  condition holds (AUDIT-C's cut-off for men).
- conditions (`show_if`, `flags`, `safety_rules`, `notes`, `band_variants`): a
  comparison `{<subject>: <ref>, <op>: <operand>}` with subject `item`, `score`,
  `percent_of_max` (ref `total` or a subscale code) or `context` (ref a context key,
  compared case-insensitively), op one of `equals not_equals gt gte lt lte in not_in`;
  or `{"band_in": [...]}`, `{"all_subscales_pct_gte": n}`, `{"all": [...]}`,
  `{"any": [...]}`, `{"not": {...}}`.

Means and percentages stay exact fractions until output, then are rounded half-up to
two decimal places; rules such as "at least 60 %" compare the exact value.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeAlias

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"

SCORING_METHODS = ("sum", "mean", "highest_positive")
SUBSCALE_METHODS = ("sum", "mean")
SAFETY_LEVELS = ("immediate", "same_day")
SUBJECTS = ("item", "score", "percent_of_max", "context")
COMPARATORS = ("equals", "not_equals", "gt", "gte", "lt", "lte", "in", "not_in")
_ORDERING: Mapping[str, Callable[[Fraction, Fraction], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
COMBINATORS = ("all", "any", "not", "band_in", "all_subscales_pct_gte")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_LOINC = re.compile(r"^[0-9]{1,7}-[0-9]$")
_SAFETY_PREFIX = {
    "immediate": "URGENT safety alert, act now",
    "same_day": "Safety alert, same day",
}


class ScoringError(ValueError):
    """Answers that cannot be scored; nothing is scored partially."""

    def __init__(self, *, missing: Sequence[str] = (), invalid: Sequence[str] = ()) -> None:
        self.missing = list(missing)
        self.invalid = list(invalid)
        parts = []
        if self.missing:
            ids = ", ".join(self.missing)
            parts.append(f"Missing answers for {ids}: answer every item before scoring.")
        if self.invalid:
            parts.append("; ".join(self.invalid) + ".")
        super().__init__(" ".join(parts))


class DefinitionError(ValueError):
    """An instrument definition that fails `validate_definition`."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Invalid instrument definition: " + "; ".join(self.problems))


class UnknownInstrumentError(LookupError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"No instrument definition with code {code!r}.")


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Compare:
    subject: str  # one of SUBJECTS
    ref: str
    op: str  # one of COMPARATORS
    operand: Fraction | str | tuple[Fraction | str, ...]


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    condition: Condition


@dataclass(frozen=True)
class BandIn:
    codes: tuple[str, ...]


@dataclass(frozen=True)
class AllSubscalesPercentAtLeast:
    threshold: Fraction


Condition: TypeAlias = Compare | AllOf | AnyOf | Not | BandIn | AllSubscalesPercentAtLeast


# --------------------------------------------------------------------------- definition


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    points: int


@dataclass(frozen=True)
class Item:
    id: str
    number: int
    text: str
    options: tuple[Option, ...]
    required: bool
    show_if: Condition | None = None
    wording_source: str | None = None

    @property
    def allowed_values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)

    @property
    def max_points(self) -> int:
        return max(option.points for option in self.options)

    def points_for(self, value: int) -> int:
        return next(option.points for option in self.options if option.value == value)

    def label_for(self, value: int) -> str:
        return next(option.label for option in self.options if option.value == value)


@dataclass(frozen=True)
class Subscale:
    code: str
    label: str
    items: tuple[str, ...]
    method: str  # one of SUBSCALE_METHODS


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    min: int
    max: int
    risk_level: str | None = None
    advice: str | None = None


@dataclass(frozen=True)
class BandVariant:
    when: Condition
    bands: tuple[Band, ...]


@dataclass(frozen=True)
class Flag:
    code: str
    when: Condition
    message: str


@dataclass(frozen=True)
class SafetyRule:
    code: str
    level: str  # one of SAFETY_LEVELS
    when: Condition
    message: str


@dataclass(frozen=True)
class Note:
    text: str
    when: Condition | None = None


@dataclass(frozen=True)
class Loinc:
    panel: str | None
    total: str | None


@dataclass(frozen=True)
class InstrumentDefinition:
    code: str
    version: str
    title: str
    description: str
    citation: str
    licence_note: str
    loinc: Loinc | None
    items: tuple[Item, ...]
    method: str  # one of SCORING_METHODS
    subscales: tuple[Subscale, ...]
    bands: tuple[Band, ...]
    band_variants: tuple[BandVariant, ...]
    flags: tuple[Flag, ...]
    safety_rules: tuple[SafetyRule, ...]
    notes: tuple[Note, ...]
    wording_source: str | None = None

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class SubscaleScore:
    label: str
    score: int | Decimal  # int for a sum, Decimal (2 places) for a mean
    percent_of_max: Decimal


@dataclass(frozen=True)
class BandResult:
    code: str
    label: str
    min: int
    max: int


@dataclass(frozen=True)
class SafetyAlert:
    code: str
    level: str
    message: str


@dataclass(frozen=True)
class ScoreResult:
    """A scored response. `total` is an int for `sum` and `highest_positive` scoring and
    a Decimal rounded to 2 places for `mean` scoring; percentages are Decimals too."""

    instrument: str
    version: str
    total: int | Decimal
    total_percent_of_max: Decimal | None
    subscales: Mapping[str, SubscaleScore]
    band: BandResult | None
    risk_level: str | None
    flags: tuple[str, ...]
    safety_alerts: tuple[SafetyAlert, ...]
    interpretation: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals become JSON numbers (their 2-place value)."""
        return {
            "instrument": self.instrument,
            "version": self.version,
            "total": _json_number(self.total),
            "total_percent_of_max": _json_number(self.total_percent_of_max),
            "subscales": {
                code: {
                    "label": sub.label,
                    "score": _json_number(sub.score),
                    "percent_of_max": _json_number(sub.percent_of_max),
                }
                for code, sub in self.subscales.items()
            },
            "band": None
            if self.band is None
            else {"code": self.band.code, "label": self.band.label},
            "risk_level": self.risk_level,
            "flags": list(self.flags),
            "safety_alerts": [
                {"code": a.code, "level": a.level, "message": a.message} for a in self.safety_alerts
            ],
            "interpretation": self.interpretation,
        }


def _json_number(value: int | Decimal | None) -> int | float | None:
    return float(value) if isinstance(value, Decimal) else value


# --------------------------------------------------------------------------- loading


@cache
def load_definition(code: str) -> InstrumentDefinition:
    """The packaged definition for `code`; raises UnknownInstrumentError or DefinitionError."""
    path = DEFINITIONS_DIR / f"{code}.json"
    if not _CODE.fullmatch(code) or not path.is_file():
        raise UnknownInstrumentError(code)
    definition = parse_definition(json.loads(path.read_text(encoding="utf-8")))
    if definition.code != code:
        raise DefinitionError([f"code: {definition.code!r} does not match file {path.name}"])
    return definition


def all_definitions() -> tuple[InstrumentDefinition, ...]:
    return tuple(load_definition(path.stem) for path in sorted(DEFINITIONS_DIR.glob("*.json")))


def parse_definition(raw: object) -> InstrumentDefinition:
    """Build a definition from its JSON form, refusing one with any problem."""
    problems = validate_definition(raw)
    if problems:
        raise DefinitionError(problems)
    assert isinstance(raw, Mapping)  # guaranteed by validate_definition
    scoring = raw["scoring"]
    loinc = raw["loinc"]
    return InstrumentDefinition(
        code=raw["code"],
        version=raw["version"],
        title=raw["title"],
        description=raw["description"],
        citation=raw["citation"],
        licence_note=raw["licence_note"],
        wording_source=raw.get("wording_source"),
        loinc=None if loinc is None else Loinc(panel=loinc["panel"], total=loinc["total"]),
        items=tuple(_parse_item(item) for item in raw["items"]),
        method=scoring["method"],
        subscales=tuple(
            Subscale(code=s["code"], label=s["label"], items=tuple(s["items"]), method=s["method"])
            for s in scoring.get("subscales", [])
        ),
        bands=_parse_bands(raw["bands"]),
        band_variants=tuple(
            BandVariant(when=_parse_condition(v["when"]), bands=_parse_bands(v["bands"]))
            for v in raw.get("band_variants", [])
        ),
        flags=tuple(
            Flag(code=f["code"], when=_parse_condition(f["when"]), message=f["message"])
            for f in raw["flags"]
        ),
        safety_rules=tuple(
            SafetyRule(
                code=r["code"],
                level=r["level"],
                when=_parse_condition(r["when"]),
                message=r["message"],
            )
            for r in raw["safety_rules"]
        ),
        notes=tuple(
            Note(text=n["text"], when=_parse_condition(n["when"]) if "when" in n else None)
            for n in raw.get("notes", [])
        ),
    )


def _parse_item(raw: Mapping[str, Any]) -> Item:
    return Item(
        id=raw["id"],
        number=raw["number"],
        text=raw["text"],
        options=tuple(
            Option(value=o["value"], label=o["label"], points=o.get("points", o["value"]))
            for o in raw["options"]
        ),
        required=raw["required"],
        show_if=_parse_condition(raw["show_if"]) if "show_if" in raw else None,
        wording_source=raw.get("wording_source"),
    )


def _parse_bands(raw: Sequence[Mapping[str, Any]]) -> tuple[Band, ...]:
    bands = (
        Band(
            code=b["code"],
            label=b["label"],
            min=b["min"],
            max=b["max"],
            risk_level=b.get("risk_level"),
            advice=b.get("advice"),
        )
        for b in raw
    )
    return tuple(sorted(bands, key=lambda band: band.min))


def _parse_condition(raw: Mapping[str, Any]) -> Condition:
    if "all" in raw:
        return AllOf(tuple(_parse_condition(c) for c in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(_parse_condition(c) for c in raw["any"]))
    if "not" in raw:
        return Not(_parse_condition(raw["not"]))
    if "band_in" in raw:
        return BandIn(tuple(raw["band_in"]))
    if "all_subscales_pct_gte" in raw:
        return AllSubscalesPercentAtLeast(_fraction(raw["all_subscales_pct_gte"]))
    subject = next(s for s in SUBJECTS if s in raw)
    op = next(o for o in COMPARATORS if o in raw)
    operand = raw[op]
    parsed: Fraction | str | tuple[Fraction | str, ...] = (
        tuple(_operand(v) for v in operand) if isinstance(operand, list) else _operand(operand)
    )
    return Compare(subject=subject, ref=raw[subject], op=op, operand=parsed)


def _operand(value: object) -> Fraction | str:
    return value.strip().lower() if isinstance(value, str) else _fraction(value)


def _fraction(value: object) -> Fraction:
    # via str so that a JSON 0.1 is exactly one tenth, not the nearest binary float
    return Fraction(str(value))


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class _Facts:
    """What a condition can look at."""

    answers: Mapping[str, int]
    scores: Mapping[str, Fraction]
    percents: Mapping[str, Fraction]
    context: Mapping[str, str]
    band: str | None = None


def score(
    definition: InstrumentDefinition,
    answers: Mapping[str, int],
    *,
    context: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Score one complete response. Raises ScoringError listing every missing or invalid
    answer; never returns a partial score. `context` carries facts such as
    {"sex": "female"} that some instruments' cut-offs depend on."""
    shown = _checked_answers(definition, answers)
    facts = _facts(definition, shown, context or {})
    band = _band(definition, facts)
    facts = replace(facts, band=None if band is None else band.code)
    safety = tuple(
        SafetyAlert(code=r.code, level=r.level, message=r.message)
        for r in definition.safety_rules
        if _holds(r.when, facts)
    )
    flags = [f for f in definition.flags if _holds(f.when, facts)]
    notes = [n.text for n in definition.notes if n.when is None or _holds(n.when, facts)]
    subscales = {
        s.code: SubscaleScore(
            label=s.label,
            score=_present(facts.scores[s.code], s.method),
            percent_of_max=_round2(facts.percents[s.code]),
        )
        for s in definition.subscales
    }
    total = _present(facts.scores["total"], definition.method)
    total_pct = facts.percents.get("total")
    pct = None if total_pct is None else _round2(total_pct)
    return ScoreResult(
        instrument=definition.code,
        version=definition.version,
        total=total,
        total_percent_of_max=pct,
        subscales=MappingProxyType(subscales),
        band=None if band is None else BandResult(band.code, band.label, band.min, band.max),
        risk_level=None if band is None else band.risk_level,
        flags=tuple(sorted({f.code for f in flags} | {a.code for a in safety})),
        safety_alerts=safety,
        interpretation=_interpretation(
            definition, total, pct, subscales, band, safety, flags, notes
        ),
    )


def _facts(
    definition: InstrumentDefinition, shown: Mapping[str, int], context: Mapping[str, str]
) -> _Facts:
    """Exact scores and percentages of the total and of each subscale."""
    points = {item_id: definition.item(item_id).points_for(v) for item_id, v in shown.items()}
    total, total_pct = _total(definition, points)
    scores = {"total": total}
    percents = {} if total_pct is None else {"total": total_pct}
    for subscale in definition.subscales:
        scores[subscale.code], percents[subscale.code] = _subscale(definition, subscale, points)
    return _Facts(
        answers=shown,
        scores=scores,
        percents=percents,
        context={str(k): str(v).strip().lower() for k, v in context.items() if v is not None},
    )


def item_visibility(
    definition: InstrumentDefinition, answers: Mapping[str, int]
) -> dict[str, bool | None]:
    """Skip logic for a form being filled in: per item, True (ask it), False (skipped by an
    earlier answer) or None (depends on an earlier item not answered yet)."""
    shown: dict[str, int] = {}
    visible: dict[str, bool | None] = {}
    for item in definition.items:
        visible[item.id] = _visibility(item, shown, visible)
        value = answers.get(item.id)
        if visible[item.id] is True and type(value) is int and value in item.allowed_values:
            shown[item.id] = value
    return visible


def bands_for(
    definition: InstrumentDefinition, context: Mapping[str, str] | None = None
) -> tuple[Band, ...]:
    """The bands that apply for `context` (for charts): a band variant whose condition holds
    on the context alone, such as AUDIT-C's cut-off for men, else the default bands."""
    facts = _Facts(
        answers={},
        scores={},
        percents={},
        context={str(k): str(v).strip().lower() for k, v in (context or {}).items()},
    )
    return next(
        (v.bands for v in definition.band_variants if _holds(v.when, facts)), definition.bands
    )


def _checked_answers(
    definition: InstrumentDefinition, answers: Mapping[str, int]
) -> dict[str, int]:
    """The answers to shown items, or ScoringError naming every problem in item order."""
    missing: list[str] = []
    invalid: list[str] = []
    shown: dict[str, int] = {}
    visible: dict[str, bool | None] = {}
    for item in definition.items:
        visible[item.id] = _visibility(item, shown, visible)
        if item.id not in answers:
            if item.required and visible[item.id] is True:
                missing.append(item.id)
            continue
        value: object = answers[item.id]
        if not (type(value) is int and value in item.allowed_values):  # True is not 1 here
            allowed = ", ".join(str(v) for v in item.allowed_values)
            invalid.append(f"{item.id}: {value!r} is not an allowed answer ({allowed})")
        elif visible[item.id] is False:
            invalid.append(
                f"{item.id}: this item is only asked when {_describe(item.show_if, definition)}"
                ", so it must be left unanswered (skip logic)"
            )
        else:
            shown[item.id] = value
    known = set(definition.item_ids)
    first, last = definition.items[0].id, definition.items[-1].id
    invalid.extend(
        f"{key}: not an item of {definition.title} (its items are {first} to {last})"
        for key in sorted(str(k) for k in answers if k not in known)
    )
    if not (missing or invalid) and definition.method == "mean" and not shown:
        missing = [item.id for item in definition.items]  # a mean of nothing is no score
    if missing or invalid:
        raise ScoringError(missing=missing, invalid=invalid)
    return shown


def _visibility(
    item: Item, shown: Mapping[str, int], visible: Mapping[str, bool | None]
) -> bool | None:
    """True (ask), False (skipped) or None (unknown, because an item it depends on has no
    valid answer: that item is already reported as missing or invalid)."""
    if item.show_if is None:
        return True
    refs = _item_refs(item.show_if)
    if any(visible.get(ref) is False for ref in refs):
        return False
    if any(ref not in shown for ref in refs):
        return None
    values = {ref: shown[ref] for ref in refs}
    return _holds(item.show_if, _Facts(answers=values, scores={}, percents={}, context={}))


def _item_refs(condition: Condition) -> set[str]:
    if isinstance(condition, Compare):
        return {condition.ref} if condition.subject == "item" else set()
    if isinstance(condition, AllOf | AnyOf):
        refs: set[str] = set()
        for inner in condition.conditions:
            refs |= _item_refs(inner)
        return refs
    if isinstance(condition, Not):
        return _item_refs(condition.condition)
    return set()


def _total(
    definition: InstrumentDefinition, points: Mapping[str, int]
) -> tuple[Fraction, Fraction | None]:
    items = definition.items
    if definition.method == "highest_positive":
        numbers = [definition.item(i).number for i, p in points.items() if p > 0]
        return Fraction(max(numbers, default=0)), None
    if definition.method == "mean":
        mean = Fraction(sum(points.values()), len(points))
        return mean, mean * 100 / items[0].max_points
    maximum = sum(item.max_points for item in items)
    total = Fraction(sum(points.values()))
    return total, (total * 100 / maximum if maximum else None)


def _subscale(
    definition: InstrumentDefinition, subscale: Subscale, points: Mapping[str, int]
) -> tuple[Fraction, Fraction]:
    scored = [points[i] for i in subscale.items if i in points]
    maxima = [definition.item(i).max_points for i in subscale.items]
    if subscale.method == "mean":
        mean = Fraction(sum(scored), len(scored)) if scored else Fraction(0)
        return mean, mean * 100 / maxima[0] if maxima[0] else Fraction(0)
    maximum = sum(maxima)
    return Fraction(sum(scored)), Fraction(sum(scored) * 100, maximum) if maximum else Fraction(0)


def _band(definition: InstrumentDefinition, facts: _Facts) -> Band | None:
    bands = next(
        (v.bands for v in definition.band_variants if _holds(v.when, facts)), definition.bands
    )
    total = facts.scores["total"]
    return next((b for b in bands if b.min <= total <= b.max), None)


def _holds(condition: Condition, facts: _Facts) -> bool:
    if isinstance(condition, AllOf):
        return all(_holds(c, facts) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(_holds(c, facts) for c in condition.conditions)
    if isinstance(condition, Not):
        return not _holds(condition.condition, facts)
    if isinstance(condition, BandIn):
        return facts.band in condition.codes
    if isinstance(condition, AllSubscalesPercentAtLeast):
        subscale_pcts = [pct for code, pct in facts.percents.items() if code != "total"]
        return bool(subscale_pcts) and all(p >= condition.threshold for p in subscale_pcts)
    return _compare(condition, facts)


def _compare(condition: Compare, facts: _Facts) -> bool:
    actual: Fraction | str | None
    if condition.subject == "item":
        answer = facts.answers.get(condition.ref)
        actual = None if answer is None else Fraction(answer)
    elif condition.subject == "score":
        actual = facts.scores.get(condition.ref)
    elif condition.subject == "percent_of_max":
        actual = facts.percents.get(condition.ref)
    else:
        actual = facts.context.get(condition.ref)
    op, operand = condition.op, condition.operand
    if op in ("not_equals", "not_in") and actual is None:
        return True  # an unanswered item or unrecorded context value equals nothing
    if actual is None:
        return False
    if op == "equals":
        return actual == operand
    if op == "not_equals":
        return actual != operand
    if op in ("in", "not_in"):
        assert isinstance(operand, tuple)
        return (actual in operand) == (op == "in")
    assert isinstance(actual, Fraction)
    assert isinstance(operand, Fraction)
    return _ORDERING[op](actual, operand)


def _present(value: Fraction, method: str) -> int | Decimal:
    return _round2(value) if method == "mean" else int(value)


def _round2(value: Fraction) -> Decimal:
    """Half-up to 2 places, exactly (no float or binary rounding on the way)."""
    hundredths = math.floor(abs(value) * 100 + Fraction(1, 2))
    return Decimal(hundredths if value >= 0 else -hundredths).scaleb(-2)


def _describe(condition: Condition | None, definition: InstrumentDefinition) -> str:
    """Plain words for a skip-logic condition, e.g. "cssrs_2 is 1 (Yes)"."""
    if not (isinstance(condition, Compare) and condition.subject == "item"):
        return "the answers to earlier items call for it"
    item = definition.item(condition.ref)
    words = {"equals": "is", "not_equals": "is not", "gt": "is above", "gte": "is at least"}
    words |= {"lt": "is below", "lte": "is at most", "in": "is one of", "not_in": "is none of"}
    values = condition.operand if isinstance(condition.operand, tuple) else (condition.operand,)
    shown = []
    for value in values:
        number = int(value) if isinstance(value, Fraction) and value.denominator == 1 else None
        if number is not None and number in item.allowed_values:
            shown.append(f"{number} ({item.label_for(number)})")
        else:
            shown.append(str(value))
    return f"{condition.ref} {words[condition.op]} {', '.join(shown)}"


# --------------------------------------------------------------------------- wording


def _interpretation(
    definition: InstrumentDefinition,
    total: int | Decimal,
    total_pct: Decimal | None,
    subscales: Mapping[str, SubscaleScore],
    band: Band | None,
    safety: Sequence[SafetyAlert],
    flags: Sequence[Flag],
    notes: Sequence[str],
) -> str:
    sentences = [f"{_SAFETY_PREFIX[a.level]}: {a.message}" for a in safety]
    sentences.append(_total_sentence(definition, total, total_pct))
    if band is not None:
        sentences.append(f"{band.label} (scores {band.min}-{band.max}).")
        if band.advice:
            sentences.append(band.advice)
    if subscales:
        parts = [
            f"{s.label} {s.score} of {_subscale_max(definition, code)} ({s.percent_of_max} %)"
            for code, s in subscales.items()
        ]
        sentences.append("Subscales: " + "; ".join(parts) + ".")
    sentences.extend(notes)
    sentences.extend(f.message for f in flags)
    return " ".join(sentences)


def _total_sentence(
    definition: InstrumentDefinition, total: int | Decimal, total_pct: Decimal | None
) -> str:
    if definition.method == "highest_positive":
        if total == 0:
            return f"{definition.title}: no item answered positively."
        return f"{definition.title}: the highest item answered positively is item {total}."
    if definition.method == "mean":
        item_max = definition.items[0].max_points
        return (
            f"{definition.title}: mean item score {total} of {item_max} "
            f"({total_pct} % of the maximum)."
        )
    maximum = sum(item.max_points for item in definition.items)
    return f"{definition.title}: total {total} of {maximum}."


def _subscale_max(definition: InstrumentDefinition, code: str) -> int:
    subscale = next(s for s in definition.subscales if s.code == code)
    maxima = [definition.item(i).max_points for i in subscale.items]
    return maxima[0] if subscale.method == "mean" else sum(maxima)


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Scope:
    """What a condition at one place in a definition may refer to."""

    items: Mapping[str, frozenset[int]]  # item id -> allowed answer values
    subscales: frozenset[str]
    bands: frozenset[str] | None  # None: band_in not allowed here
    items_only: bool = False  # skip logic may look only at earlier items


_TOP_REQUIRED = (
    "code",
    "version",
    "title",
    "description",
    "citation",
    "licence_note",
    "loinc",
    "items",
    "scoring",
    "bands",
    "flags",
    "safety_rules",
)
_TOP_OPTIONAL = ("band_variants", "notes", "wording_source")


def validate_definition(raw: object) -> list[str]:
    """Every problem found in a definition's JSON form; an empty list means it is usable."""
    if not isinstance(raw, Mapping):
        return ["definition: must be a JSON object"]
    v = _Validator()
    v.keys("definition", raw, _TOP_REQUIRED, _TOP_OPTIONAL)
    for key in ("version", "title", "description", "citation", "licence_note"):
        v.text(key, raw.get(key))
    if "wording_source" in raw:
        v.text("wording_source", raw["wording_source"])
    v.code("code", raw.get("code"))
    v.loinc(raw.get("loinc"))
    items = v.items(raw.get("items"))
    method, subscales, total_range = v.scoring(raw.get("scoring"), items)
    band_codes = v.bands("bands", raw.get("bands"), total_range, method)
    scope = _Scope(
        items={i.id: frozenset(i.allowed_values) for i in items},
        subscales=frozenset(subscales),
        bands=None,
    )
    for n, variant in enumerate(v.objects("band_variants", raw.get("band_variants", []))):
        where = f"band_variants[{n}]"
        if v.keys(where, variant, ("when", "bands"), ()):
            v.condition(f"{where}.when", variant["when"], scope)
            codes = v.bands(f"{where}.bands", variant["bands"], total_range, method, empty=False)
            band_codes |= codes
    scope = _Scope(scope.items, scope.subscales, frozenset(band_codes))
    flag_codes: set[str] = set()
    for n, flag in enumerate(v.objects("flags", raw.get("flags"))):
        where = f"flags[{n}]"
        if v.keys(where, flag, ("code", "when", "message"), ()):
            if v.code(f"{where}.code", flag["code"]) and flag["code"] in flag_codes:
                v.problem(f"{where}.code", f"{flag['code']!r} is used by an earlier flag")
            flag_codes.add(str(flag["code"]))
            v.condition(f"{where}.when", flag["when"], scope)
            v.text(f"{where}.message", flag["message"])
    for n, rule in enumerate(v.objects("safety_rules", raw.get("safety_rules"))):
        where = f"safety_rules[{n}]"
        if v.keys(where, rule, ("code", "level", "when", "message"), ()):
            v.code(f"{where}.code", rule["code"])
            if rule["level"] not in SAFETY_LEVELS:
                v.problem(f"{where}.level", f"must be one of {', '.join(SAFETY_LEVELS)}")
            v.condition(f"{where}.when", rule["when"], scope)
            v.text(f"{where}.message", rule["message"])
    for n, note in enumerate(v.objects("notes", raw.get("notes", []))):
        where = f"notes[{n}]"
        if v.keys(where, note, ("text",), ("when",)):
            v.text(f"{where}.text", note["text"])
            if "when" in note:
                v.condition(f"{where}.when", note["when"], scope)
    return v.problems


@dataclass(frozen=True)
class _ItemInfo:
    id: str
    number: int
    allowed_values: tuple[int, ...]
    min_points: int
    max_points: int


class _Validator:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def keys(
        self, where: str, raw: object, required: Sequence[str], optional: Sequence[str]
    ) -> bool:
        """Whether `raw` is an object with every required key (unknown keys are problems)."""
        if not isinstance(raw, Mapping):
            self.problem(where, "must be a JSON object")
            return False
        absent = [k for k in required if k not in raw]
        unknown = sorted(str(k) for k in raw if k not in required and k not in optional)
        if absent:
            self.problem(where, f"missing {', '.join(absent)}")
        if unknown:
            self.problem(where, f"unknown key(s) {', '.join(unknown)}")
        return not absent

    def objects(self, where: str, raw: object) -> list[Any]:
        if not isinstance(raw, list):
            self.problem(where, "must be a list")
            return []
        return raw

    def text(self, where: str, raw: object) -> None:
        if not isinstance(raw, str) or not raw.strip():
            self.problem(where, "must be non-empty text")

    def code(self, where: str, raw: object) -> bool:
        if isinstance(raw, str) and _CODE.fullmatch(raw):
            return True
        self.problem(where, "must be lower-case letters, digits and _, starting with a letter")
        return False

    def loinc(self, raw: object) -> None:
        if raw is None or not self.keys("loinc", raw, ("panel", "total"), ()):
            return
        assert isinstance(raw, Mapping)
        for key in ("panel", "total"):
            code = raw[key]
            if code is not None and not (isinstance(code, str) and _LOINC.fullmatch(code)):
                self.problem(f"loinc.{key}", f"{code!r} is not a LOINC code such as 44261-6")

    def items(self, raw: object) -> list[_ItemInfo]:
        found: list[_ItemInfo] = []
        raw_items = self.objects("items", raw)
        if isinstance(raw, list) and not raw_items:
            self.problem("items", "must list at least one item")
        for n, item in enumerate(raw_items):
            where = f"items[{n}]"
            required = ("id", "number", "text", "options", "required")
            if not self.keys(where, item, required, ("show_if", "wording_source")):
                continue
            info = self._item(where, item, n + 1, {i.id for i in found})
            if info is not None and "show_if" in item:
                earlier = {i.id: frozenset(i.allowed_values) for i in found}
                scope = _Scope(earlier, frozenset(), None, items_only=True)
                self.condition(f"{where}.show_if", item["show_if"], scope)
            if info is not None:
                found.append(info)
        return found

    def _item(
        self, where: str, item: Mapping[str, Any], position: int, seen: set[str]
    ) -> _ItemInfo | None:
        ok = self.code(f"{where}.id", item["id"])
        if ok and item["id"] in seen:
            self.problem(f"{where}.id", f"{item['id']!r} is used by an earlier item")
            ok = False
        if item["number"] != position or type(item["number"]) is not int:
            self.problem(f"{where}.number", f"must be {position} (items are numbered 1, 2, 3...)")
        self.text(f"{where}.text", item["text"])
        if "wording_source" in item:
            self.text(f"{where}.wording_source", item["wording_source"])
        if type(item["required"]) is not bool:
            self.problem(f"{where}.required", "must be true or false")
        values: list[int] = []
        points: list[int] = []
        for k, option in enumerate(self.objects(f"{where}.options", item["options"])):
            at = f"{where}.options[{k}]"
            if not self.keys(at, option, ("value", "label"), ("points",)):
                continue
            value, point = option["value"], option.get("points", option["value"])
            if type(value) is not int or type(point) is not int:
                self.problem(at, "value and points must be whole numbers")
                continue
            if value in values:
                self.problem(at, f"value {value} is used by an earlier option")
            self.text(f"{at}.label", option["label"])
            values.append(value)
            points.append(point)
        if not values:
            self.problem(f"{where}.options", "must list at least one option")
            return None
        return _ItemInfo(str(item["id"]), position, tuple(values), min(points), max(points))

    def scoring(
        self, raw: object, items: Sequence[_ItemInfo]
    ) -> tuple[str | None, set[str], tuple[int, int] | None]:
        """The scoring method, subscale codes and the range of a whole-number total."""
        if not self.keys("scoring", raw, ("method",), ("subscales",)):
            return None, set(), None
        assert isinstance(raw, Mapping)
        method = raw["method"]
        if method not in SCORING_METHODS:
            self.problem("scoring.method", f"must be one of {', '.join(SCORING_METHODS)}")
            method = None
        by_id = {i.id: i for i in items}
        if method == "mean":
            self._uniform("scoring", list(items))
        codes: set[str] = set()
        for n, sub in enumerate(self.objects("scoring.subscales", raw.get("subscales", []))):
            where = f"scoring.subscales[{n}]"
            if not self.keys(where, sub, ("code", "label", "items", "method"), ()):
                continue
            if self.code(f"{where}.code", sub["code"]):
                if sub["code"] in codes or sub["code"] == "total":
                    self.problem(f"{where}.code", f"{sub['code']!r} is already used")
                codes.add(sub["code"])
            self.text(f"{where}.label", sub["label"])
            if sub["method"] not in SUBSCALE_METHODS:
                self.problem(f"{where}.method", f"must be one of {', '.join(SUBSCALE_METHODS)}")
            members = self.objects(f"{where}.items", sub["items"])
            unknown = [str(i) for i in members if i not in by_id]
            if unknown:
                self.problem(f"{where}.items", f"unknown item id(s) {', '.join(unknown)}")
            elif not members or len(set(members)) != len(members):
                self.problem(f"{where}.items", "must list distinct item ids")
            elif sub["method"] == "mean":
                self._uniform(where, [by_id[i] for i in members])
        if method == "sum" and items:
            return (
                method,
                codes,
                (sum(i.min_points for i in items), sum(i.max_points for i in items)),
            )
        if method == "highest_positive" and items:
            return method, codes, (0, max((i.number for i in items if i.max_points > 0), default=0))
        return method, codes, None

    def _uniform(self, where: str, items: Sequence[_ItemInfo]) -> None:
        if len({(i.min_points, i.max_points) for i in items}) > 1 or any(
            i.min_points != 0 for i in items
        ):
            self.problem(where, "a mean needs items that all score from 0 to the same maximum")

    def bands(
        self,
        where: str,
        raw: object,
        total_range: tuple[int, int] | None,
        method: str | None,
        *,
        empty: bool = True,
    ) -> set[str]:
        bands: list[tuple[int, int, str]] = []
        for n, band in enumerate(self.objects(where, raw)):
            at = f"{where}[{n}]"
            if not self.keys(at, band, ("code", "label", "min", "max"), ("risk_level", "advice")):
                continue
            self.code(f"{at}.code", band["code"])
            self.text(f"{at}.label", band["label"])
            for key in ("risk_level", "advice"):
                if key in band:
                    self.text(f"{at}.{key}", band[key])
            low, high = band["min"], band["max"]
            if type(low) is not int or type(high) is not int or low > high:
                self.problem(at, "min and max must be whole numbers with min <= max")
                continue
            bands.append((low, high, str(band["code"])))
        if not bands:
            if not empty and isinstance(raw, list):
                self.problem(where, "must list at least one band")
            return set()
        if method == "mean" or total_range is None:
            self.problem(where, "bands need a whole-number total (method sum or highest_positive)")
            return {code for _, _, code in bands}
        self._coverage(where, sorted(bands), total_range)
        codes = [code for _, _, code in bands]
        if len(set(codes)) != len(codes):
            self.problem(where, "band codes must be distinct")
        return set(codes)

    def _coverage(
        self, where: str, bands: Sequence[tuple[int, int, str]], total_range: tuple[int, int]
    ) -> None:
        lowest, highest = total_range
        expected = lowest
        previous = ""
        for low, high, code in bands:
            if low > expected:
                self.problem(where, f"gap: no band covers totals {expected} to {low - 1}")
            elif low < expected:
                self.problem(where, f"overlap: bands {previous!r} and {code!r} both cover {low}")
            expected = max(expected, high + 1)
            previous = code
        if bands[0][0] < lowest or expected - 1 > highest:
            self.problem(where, f"bands must stay within the possible totals {lowest}-{highest}")
        elif expected <= highest:
            self.problem(where, f"gap: no band covers totals {expected} to {highest}")

    def condition(self, where: str, raw: object, scope: _Scope) -> None:
        if not isinstance(raw, Mapping) or not raw:
            self.problem(where, "must be a non-empty JSON object")
            return
        combinator = [k for k in COMBINATORS if k in raw]
        if combinator:
            self._combinator(where, raw, combinator[0], scope)
            return
        subjects = [k for k in SUBJECTS if k in raw]
        ops = [k for k in COMPARATORS if k in raw]
        if len(subjects) != 1 or len(ops) != 1 or len(raw) != 2:
            self.problem(
                where,
                f"needs exactly one of {', '.join(SUBJECTS)} and one of {', '.join(COMPARATORS)}"
                f" (or one of {', '.join(COMBINATORS)})",
            )
            return
        subject, op = subjects[0], ops[0]
        ref, operand = raw[subject], raw[op]
        if scope.items_only and subject != "item":
            self.problem(where, "skip logic may only look at earlier items")
        elif subject == "item":
            self._item_comparison(where, ref, op, operand, scope)
        elif subject == "context":
            self._context_comparison(where, ref, op, operand)
        else:
            if ref != "total" and ref not in scope.subscales:
                self.problem(where, f"{ref!r} is neither 'total' nor a subscale code")
            self._numbers(where, operand, op)

    def _combinator(self, where: str, raw: Mapping[str, Any], key: str, scope: _Scope) -> None:
        value = raw[key]
        if len(raw) != 1:
            self.problem(where, f"a condition with {key!r} must have no other keys")
        elif key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.problem(f"{where}.{key}", "must be a non-empty list of conditions")
                return
            for n, inner in enumerate(value):
                self.condition(f"{where}.{key}[{n}]", inner, scope)
        elif key == "not":
            self.condition(f"{where}.not", value, scope)
        elif scope.items_only:
            self.problem(where, "skip logic may only look at earlier items")
        elif key == "band_in":
            if scope.bands is None:
                self.problem(where, "band_in cannot be used here")
            elif (
                not isinstance(value, list)
                or not value
                or not all(isinstance(code, str) and code in scope.bands for code in value)
            ):
                self.problem(where, f"band_in must list known band codes ({sorted(scope.bands)})")
        elif not scope.subscales:
            self.problem(where, "all_subscales_pct_gte needs subscales")
        else:
            self._numbers(where, value, "gte")

    def _item_comparison(
        self, where: str, ref: object, op: str, operand: object, scope: _Scope
    ) -> None:
        if not isinstance(ref, str) or ref not in scope.items:
            earlier = " earlier" if scope.items_only else ""
            self.problem(where, f"refers to {ref!r}, which is not an{earlier} item")
            return
        if op in _ORDERING:
            self._numbers(where, operand, op)
            return
        values = operand if isinstance(operand, list) and op in ("in", "not_in") else [operand]
        if op in ("in", "not_in") and not isinstance(operand, list):
            self.problem(where, f"{op} needs a list")
        elif any(type(v) is not int or v not in scope.items[ref] for v in values):
            allowed = sorted(scope.items[ref])
            self.problem(where, f"compares {ref} with {operand!r}, not among its answers {allowed}")

    def _context_comparison(self, where: str, ref: object, op: str, operand: object) -> None:
        if not isinstance(ref, str) or not ref:
            self.problem(where, "context needs a key such as 'sex'")
        if op in _ORDERING:
            self.problem(where, f"context values are text: {op} cannot be used")
        elif op in ("in", "not_in"):
            if not isinstance(operand, list) or not all(isinstance(v, str) for v in operand):
                self.problem(where, f"{op} needs a list of text values")
        elif not isinstance(operand, str):
            self.problem(where, f"{op} needs a text value")

    def _numbers(self, where: str, operand: object, op: str) -> None:
        values = operand if op in ("in", "not_in") and isinstance(operand, list) else [operand]
        if op in ("in", "not_in") and not isinstance(operand, list):
            self.problem(where, f"{op} needs a list")
        elif not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            self.problem(where, f"{op} needs a number, not {operand!r}")

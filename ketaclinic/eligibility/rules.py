"""Interpreting the clinic's configured rules: the risk-level rule and the level-of-care mapping.

Neither rule is published science. No consensus exists for scoring ketamine-misuse risk, and
the ASAM Criteria (3rd ed.) give no numeric formula from dimension ratings to a level. So each
clinic's medical director sets both as data (RiskRuleSet, LevelOfCareMapping); this module only
checks and evaluates them and explains the result in words the chart shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ketaclinic.eligibility.choices import (
    INPATIENT_LEVELS,
    AsamLevel,
    FamilyHistory,
    PriorKetamineUse,
    RiskLevel,
    Substance,
)


class RuleError(ValueError):
    """A configured rule that cannot be used; `problems` says why, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RiskFacts:
    """What the physician recorded in a risk-benefit assessment that a rule may count."""

    prior_ketamine_use: PriorKetamineUse
    family_history: FamilyHistory
    unstable_housing: bool = False
    little_support: bool = False
    peers_who_use: bool = False
    legal_problems: bool = False
    current_substances: tuple[Substance, ...] = ()
    current_psychosis_risk: bool = False
    personality_disorder: bool = False


@dataclass(frozen=True)
class RiskFactor:
    label: str
    applies: Callable[[RiskFacts], bool]


def _prior(use: PriorKetamineUse) -> Callable[[RiskFacts], bool]:
    return lambda facts: facts.prior_ketamine_use == use


def _family(history: FamilyHistory) -> Callable[[RiskFacts], bool]:
    return lambda facts: facts.family_history == history


# The facts a rule may count. A rule names the keys it counts; the labels appear on the chart.
RISK_FACTORS: dict[str, RiskFactor] = {
    "prior_ketamine_past": RiskFactor(
        "past ketamine or dissociative use", _prior(PriorKetamineUse.PAST)
    ),
    "prior_ketamine_recent": RiskFactor(
        "recent ketamine or dissociative use", _prior(PriorKetamineUse.RECENT)
    ),
    "prior_ketamine_misuse": RiskFactor(
        "ketamine or dissociative misuse", _prior(PriorKetamineUse.MISUSE)
    ),
    "family_history_one_first_degree": RiskFactor(
        "family history: one first-degree relative", _family(FamilyHistory.ONE_FIRST_DEGREE)
    ),
    "family_history_several": RiskFactor(
        "family history: several relatives", _family(FamilyHistory.SEVERAL)
    ),
    "unstable_housing": RiskFactor("unstable housing", lambda f: f.unstable_housing),
    "little_support": RiskFactor("little social support", lambda f: f.little_support),
    "peers_who_use": RiskFactor("peers who use", lambda f: f.peers_who_use),
    "legal_problems": RiskFactor("legal problems", lambda f: f.legal_problems),
    "current_dissociative_use": RiskFactor(
        "current ketamine or dissociative use",
        lambda f: Substance.DISSOCIATIVES in f.current_substances,
    ),
    "current_psychosis_risk": RiskFactor(
        "current psychosis risk", lambda f: f.current_psychosis_risk
    ),
    "personality_disorder": RiskFactor("personality disorder", lambda f: f.personality_disorder),
}


@dataclass(frozen=True)
class RiskBand:
    up_to: int
    level: RiskLevel


@dataclass(frozen=True)
class RiskRule:
    """Count the factors present; the first band whose up_to is not exceeded gives the level."""

    counted_factors: tuple[str, ...]
    bands: tuple[RiskBand, ...]
    above: RiskLevel
    high_if_any: tuple[str, ...] = ()


@dataclass(frozen=True)
class RiskDerivation:
    level: RiskLevel
    factors: tuple[str, ...]
    text: str


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _factor_problems(keys: object, name: str) -> list[str]:
    if not isinstance(keys, list):
        return [f"{name} must be a list of risk factors."]
    unknown = [str(key) for key in keys if key not in RISK_FACTORS]
    if unknown:
        return [f"{name}: unknown risk factor(s) {', '.join(unknown)}."]
    return []


def _band(data: object) -> RiskBand | None:
    if not isinstance(data, dict) or not isinstance(data.get("up_to"), int):
        return None
    if data.get("level") not in RiskLevel.values:
        return None
    return RiskBand(up_to=data["up_to"], level=RiskLevel(data["level"]))


def risk_rule_parse(data: object) -> RiskRule:
    """The rule in a RiskRuleSet's JSON, or RuleError naming every problem."""
    if not isinstance(data, dict):
        raise RuleError(["The rule must be a JSON object."])
    problems = _factor_problems(data.get("counted_factors"), "counted_factors")
    problems += _factor_problems(data.get("high_if_any", []), "high_if_any")
    raw_bands = data.get("bands")
    bands = [_band(item) for item in raw_bands] if isinstance(raw_bands, list) else []
    if not bands or None in bands:
        problems.append("bands must list objects with a whole-number up_to and a risk level.")
    elif [band.up_to for band in bands if band] != sorted({band.up_to for band in bands if band}):
        problems.append("Band up_to values must rise from one band to the next.")
    if data.get("above") not in RiskLevel.values:
        problems.append("above must be a risk level: low, moderate or high.")
    if problems:
        raise RuleError(problems)
    return RiskRule(
        counted_factors=tuple(data["counted_factors"]),
        bands=tuple(band for band in bands if band),
        above=RiskLevel(data["above"]),
        high_if_any=tuple(data.get("high_if_any", [])),
    )


def risk_derive(facts: RiskFacts, *, rule_code: str, rule: RiskRule) -> RiskDerivation:
    counted = tuple(key for key in rule.counted_factors if RISK_FACTORS[key].applies(facts))
    triggers = [key for key in rule.high_if_any if RISK_FACTORS[key].applies(facts)]
    prefix = f"Derived by rule '{rule_code}': {_plural(len(counted), 'risk factor')}"
    if triggers:
        labels = ", ".join(RISK_FACTORS[key].label for key in triggers)
        return RiskDerivation(RiskLevel.HIGH, counted, f"{prefix}, including {labels} -> high")
    level = next((band.level for band in rule.bands if len(counted) <= band.up_to), rule.above)
    return RiskDerivation(level, counted, f"{prefix} -> {level.value}")


@dataclass(frozen=True)
class Dimension:
    number: int
    key: str
    label: str


# The six ASAM dimensions in DOMAIN.md §5's words; each is rated 0 (lowest) to 4 (highest risk).
DIMENSIONS = (
    Dimension(1, "intoxication_withdrawal", "1. Intoxication / withdrawal"),
    Dimension(2, "biomedical", "2. Biomedical"),
    Dimension(3, "emotional_behavioural", "3. Emotional / behavioural"),
    Dimension(4, "readiness_to_change", "4. Readiness to change"),
    Dimension(5, "relapse_potential", "5. Relapse potential"),
    Dimension(6, "recovery_environment", "6. Recovery environment"),
)
RATINGS = ((0, "0 none"), (1, "1 mild"), (2, "2 moderate"), (3, "3 significant"), (4, "4 severe"))


@dataclass(frozen=True)
class MappingStep:
    if_any_of: frozenset[int]
    at_least: int
    levels: tuple[AsamLevel, ...]
    because: str


@dataclass(frozen=True)
class LevelRecommendation:
    levels: tuple[AsamLevel, ...]
    refer_inpatient: bool
    text: str


def join_or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _step(number: int, data: Any) -> tuple[MappingStep | None, list[str]]:
    if not isinstance(data, dict):
        return None, [f"Rule {number} must be an object."]
    problems = []
    dims, levels = data.get("if_any_of"), data.get("levels")
    if not isinstance(dims, list) or not dims or not set(dims) <= {1, 2, 3, 4, 5, 6}:
        problems.append(f"Rule {number}: if_any_of must list dimensions 1-6.")
    if data.get("at_least") not in {0, 1, 2, 3, 4}:
        problems.append(f"Rule {number}: at_least must be a rating from 0 to 4.")
    if not isinstance(levels, list) or not levels or not set(levels) <= set(AsamLevel.values):
        problems.append(f"Rule {number}: levels must be ASAM levels ({', '.join(AsamLevel)}).")
    if not isinstance(data.get("because"), str) or not data["because"]:
        problems.append(f"Rule {number}: 'because' must say in words when it applies.")
    if problems:
        return None, problems
    step = MappingStep(
        frozenset(data["if_any_of"]),
        data["at_least"],
        tuple(AsamLevel(value) for value in data["levels"]),
        data["because"],
    )
    return step, []


def level_mapping_parse(data: object) -> tuple[MappingStep, ...]:
    """The ordered steps of a LevelOfCareMapping's JSON, or RuleError naming every problem."""
    raw = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise RuleError(["The mapping needs a non-empty list 'rules'."])
    parsed = [_step(number, item) for number, item in enumerate(raw, start=1)]
    problems = [problem for _step_, found in parsed for problem in found]
    steps = tuple(step for step, _found in parsed if step is not None)
    if not problems and (steps[-1].at_least != 0 or len(steps[-1].if_any_of) != 6):
        problems.append("The last rule must apply to everyone: all six dimensions, at_least 0.")
    if problems:
        raise RuleError(problems)
    return steps


def level_recommend(
    ratings: Mapping[str, int], *, mapping_code: str, steps: tuple[MappingStep, ...]
) -> LevelRecommendation:
    """The first step with one of its dimensions rated at least its threshold decides."""
    by_number = {dimension.number: ratings[dimension.key] for dimension in DIMENSIONS}
    for step in steps:
        if any(by_number[number] >= step.at_least for number in step.if_any_of):
            refer = any(level in INPATIENT_LEVELS for level in step.levels)
            levels = join_or([level.value for level in step.levels])
            text = f"Mapping '{mapping_code}': {step.because} -> {levels}."
            return LevelRecommendation(
                step.levels, refer, text + (" Refer to in-patient care." if refer else "")
            )
    raise RuleError(["The mapping has no rule that applies to everyone."])

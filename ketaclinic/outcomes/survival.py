"""Cohort outcome statistics (issue 7 item 6): pure functions over plain data.

No Django models and no database: the analytics page aggregates in SQL and hands these
functions one `SubjectTime` per patient and addiction target. Kaplan-Meier and Cox come from
lifelines, the paired t from scipy, so the numbers equal those libraries fitted directly.

Definitions (DOMAIN.md section 4):
- time to relapse is censored at the last observed day: a subject who has not relapsed has
  `duration_days` = days from the quit date to the last observed day and `relapsed` False;
- sensitivity analysis: a dropout who has not relapsed counts as a relapse at their duration
  (Dakwar 2019, 2020 did that);
- percent days abstinent = abstinent days / days observed x 100, where a day without data is
  not observed (never counted as abstinent).
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

# lifelines, pandas and scipy take seconds to import: they load on the first fit, not when
# Django imports the URLconf (every web process and every test server would pay for them).
if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]  # pandas ships no type information
    from lifelines import CoxPHFitter  # type: ignore[import-untyped]  # no type information

ALPHA = 0.05  # 95 % confidence intervals throughout
RELAPSE_HORIZONS_DAYS = (90, 182, 365)  # relapse at 3, 6 and 12 months (issue 7 item 6)

# Judgement calls for the Cox model (statistical practice, not clinical rules):
# - fewer than MIN_COX_SUBJECTS subjects with every covariate: refuse, a model on a handful
#   of patients is noise;
# - fewer than MIN_EVENTS_PER_COVARIATE relapses per covariate: refuse, the estimates are
#   badly biased and often do not converge;
# - fewer than RECOMMENDED_EVENTS_PER_COVARIATE: fit, but warn. Peduzzi et al. 1995 (J Clin
#   Epidemiol 48:1503, the Cox companion of their 1996 logistic paper) found bias and poor
#   interval coverage below about 10 events per variable; Vittinghoff & McCulloch 2007 (Am J
#   Epidemiol 165:710) showed 5-9 is often acceptable, hence a warning rather than a refusal.
MIN_COX_SUBJECTS = 10
MIN_EVENTS_PER_COVARIATE = 2
RECOMMENDED_EVENTS_PER_COVARIATE = 10
# Unpenalised maximum likelihood, so hazard ratios mean what a reader expects. When the fit
# does not converge (complete separation, collinearity) we refuse with a message instead of
# quietly adding a penalizer, which would shrink every hazard ratio towards 1.
COX_PENALIZER = 0.0

CAUTION = (
    "These data are observational: a hazard ratio shows an association, not a cause. "
    "Patients were not randomised, so those who had a stronger experience, a higher dose, more "
    "infusions or more integration may differ in other ways that also affect relapse "
    "(confounding by indication). Samples are small, so intervals are wide and chance "
    "findings are likely."
)

_DURATION, _EVENT = "_duration_days", "_relapsed"


class NotEnoughData(ValueError):
    """The data cannot support the analysis; the message names the problem and the fix."""


@dataclass(frozen=True)
class SubjectTime:
    duration_days: float
    relapsed: bool
    group: str
    dropped_out: bool = False
    covariates: Mapping[str, float] = field(default_factory=dict)

    def event(self, *, dropout_as_relapse: bool) -> bool:
        return self.relapsed or (dropout_as_relapse and self.dropped_out)


@dataclass(frozen=True)
class KmPoint:
    time_days: float
    survival: float
    ci_lower: float
    ci_upper: float
    at_risk: int  # subjects still followed at this time (duration >= time)
    events: int
    censored: int


@dataclass(frozen=True)
class KmCurve:
    group: str
    points: tuple[KmPoint, ...]  # from time 0, one per distinct duration
    n_subjects: int
    n_events: int
    median_days: float | None  # None: survival never fell to 50 %
    dropout_as_relapse: bool

    @property
    def last_observed_days(self) -> float:
        return self.points[-1].time_days


@dataclass(frozen=True)
class RelapseAt:
    days: int
    proportion: float | None  # 1 - S(t); None: not enough follow-up
    ci_lower: float | None
    ci_upper: float | None
    at_risk: int
    note: str  # why there is no figure, or ""


def kaplan_meier(
    subjects: Sequence[SubjectTime], *, dropout_as_relapse: bool = False
) -> list[KmCurve]:
    """Relapse-free survival per group (groups sorted by name), 95 % pointwise bands
    (lifelines' exponential Greenwood intervals)."""
    by_group: dict[str, list[SubjectTime]] = defaultdict(list)
    for subject in subjects:
        _check_duration(subject)
        by_group[subject.group].append(subject)
    return [_km_curve(g, by_group[g], dropout_as_relapse) for g in sorted(by_group)]


def _check_duration(subject: SubjectTime) -> None:
    if not math.isfinite(subject.duration_days) or subject.duration_days < 0:
        raise ValueError(f"duration_days must be a finite number >= 0, not {subject!r}.")


def _km_curve(group: str, subjects: list[SubjectTime], dropout_as_relapse: bool) -> KmCurve:
    events = [s.event(dropout_as_relapse=dropout_as_relapse) for s in subjects]
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter(alpha=ALPHA).fit(
        [s.duration_days for s in subjects], event_observed=events, label="km"
    )
    table = fitter.event_table
    bands = fitter.confidence_interval_survival_function_
    points = tuple(
        KmPoint(float(t), float(s), float(lo), float(hi), int(n), int(d), int(c))
        for t, s, lo, hi, n, d, c in zip(
            fitter.survival_function_.index,
            fitter.survival_function_["km"],
            bands["km_lower_0.95"],
            bands["km_upper_0.95"],
            table["at_risk"],
            table["observed"],
            table["censored"],
            strict=True,
        )
    )
    median = float(fitter.median_survival_time_)
    return KmCurve(
        group=group,
        points=points,
        n_subjects=len(subjects),
        n_events=sum(events),
        median_days=None if math.isinf(median) else median,
        dropout_as_relapse=dropout_as_relapse,
    )


def relapse_at(curve: KmCurve, days: int) -> RelapseAt:
    """The proportion relapsed by `days` (1 - S(t)) with its 95 % interval, and the number still
    at risk; no figure when `days` lies beyond the longest follow-up."""
    if days < 0:
        raise ValueError(f"days must be >= 0, not {days}.")
    last = curve.last_observed_days
    if days > last:
        return RelapseAt(
            days,
            None,
            None,
            None,
            0,
            f"Not enough follow-up: the longest observed time in {curve.group} is {last:g} days.",
        )
    times = [p.time_days for p in curve.points]
    step = curve.points[bisect.bisect_right(times, days) - 1]  # the estimate in force at t
    at_risk = curve.points[bisect.bisect_left(times, days)].at_risk  # duration >= t
    return RelapseAt(days, 1 - step.survival, 1 - step.ci_upper, 1 - step.ci_lower, at_risk, "")


@dataclass(frozen=True)
class CovariateSpec:
    name: str
    label: str
    unit_step: float  # hazard ratios are read per this many units
    step_phrase: str  # how the plain-English reading names one step


# Values the caller must supply: meq30_total as % of the maximum (0-100; the instrument is
# scored as a 0-5 mean, questionnaires.scoring reports the % too), binary covariates as 1 or 0,
# integration adherence in percent (0-100).
COVARIATES: Mapping[str, CovariateSpec] = {
    spec.name: spec
    for spec in (
        CovariateSpec(
            "meq30_total",
            "MEQ-30 total (% of maximum)",
            10,
            "Each additional 10 points of MEQ-30 total (as % of maximum)",
        ),
        CovariateSpec(
            "complete_mystical",
            "Complete mystical experience",
            1,
            "A complete mystical experience (yes vs no)",
        ),
        CovariateSpec(
            "dose_mg_per_kg", "Ketamine dose (mg/kg)", 0.1, "Each additional 0.1 mg/kg of ketamine"
        ),
        CovariateSpec("infusions", "Number of infusions", 1, "Each additional infusion"),
        CovariateSpec(
            "integration_adherence",
            "Integration adherence (%)",
            10,
            "Each additional 10 percentage points of integration adherence",
        ),
        CovariateSpec("age", "Age (years)", 10, "Each additional 10 years of age"),
        CovariateSpec("sex_female", "Female sex", 1, "Female sex (female vs male)"),
    )
}


@dataclass(frozen=True)
class CoxRow:
    spec: CovariateSpec
    coef: float  # log hazard ratio per unit
    coef_lower: float
    coef_upper: float
    p_value: float

    @property
    def hazard_ratio(self) -> float:  # per unit, as lifelines' exp(coef)
        return math.exp(self.coef)

    @property
    def ci_lower(self) -> float:
        return math.exp(self.coef_lower)

    @property
    def ci_upper(self) -> float:
        return math.exp(self.coef_upper)

    @property
    def step_hazard_ratio(self) -> float:  # per `spec.unit_step`
        return math.exp(self.coef * self.spec.unit_step)

    @property
    def step_ci_lower(self) -> float:
        return math.exp(self.coef_lower * self.spec.unit_step)

    @property
    def step_ci_upper(self) -> float:
        return math.exp(self.coef_upper * self.spec.unit_step)


@dataclass(frozen=True)
class CoxResult:
    rows: tuple[CoxRow, ...]
    n_subjects: int
    n_events: int
    n_excluded: int  # left out for a missing covariate (complete-case analysis)
    concordance: float
    penalizer: float
    warnings: tuple[str, ...]
    caution: str = CAUTION


def cox_model(
    subjects: Sequence[SubjectTime],
    covariates: Sequence[str],
    *,
    dropout_as_relapse: bool = False,
) -> CoxResult:
    """Cox proportional hazards of time to relapse on `covariates` (names in COVARIATES).
    Subjects missing any covariate are left out and counted. Raises NotEnoughData when the data
    cannot support the model, never a lifelines error."""
    specs = [_spec(name) for name in covariates]
    if not specs:
        raise ValueError("Name at least one covariate for the Cox model.")
    names = [s.name for s in specs]
    complete = [s for s in subjects if all(_present(s.covariates.get(n)) for n in names)]
    for subject in complete:
        _check_duration(subject)
    events = [s.event(dropout_as_relapse=dropout_as_relapse) for s in complete]
    _check_enough(specs, complete, sum(events), len(subjects) - len(complete))
    import pandas as pd

    frame = pd.DataFrame({n: [float(s.covariates[n]) for s in complete] for n in names})
    frame[_DURATION] = [s.duration_days for s in complete]
    frame[_EVENT] = events
    fitter, notes = _fit_cox(frame)
    summary = fitter.summary
    rows = tuple(
        CoxRow(
            spec=spec,
            coef=float(summary.loc[spec.name, "coef"]),
            coef_lower=float(summary.loc[spec.name, "coef lower 95%"]),
            coef_upper=float(summary.loc[spec.name, "coef upper 95%"]),
            p_value=float(summary.loc[spec.name, "p"]),
        )
        for spec in specs
    )
    if not all(math.isfinite(r.coef_lower) and math.isfinite(r.coef_upper) for r in rows):
        raise NotEnoughData("The Cox model gave no usable intervals: choose fewer covariates.")
    return CoxResult(
        rows=rows,
        n_subjects=len(complete),
        n_events=sum(events),
        n_excluded=len(subjects) - len(complete),
        concordance=float(fitter.concordance_index_),
        penalizer=COX_PENALIZER,
        warnings=(*_epv_warning(len(specs), sum(events)), *notes),
    )


def _spec(name: str) -> CovariateSpec:
    if name not in COVARIATES:
        raise ValueError(f"Unknown covariate {name!r}: use one of {', '.join(COVARIATES)}.")
    return COVARIATES[name]


def _present(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _check_enough(
    specs: list[CovariateSpec], complete: list[SubjectTime], events: int, excluded: int
) -> None:
    left_out = f" ({excluded} left out for a missing value)" if excluded else ""
    if len(complete) < MIN_COX_SUBJECTS:
        raise NotEnoughData(
            f"Only {len(complete)} patients have every covariate{left_out}; the Cox model needs "
            f"at least {MIN_COX_SUBJECTS}: widen the filters or choose fewer covariates."
        )
    needed = MIN_EVENTS_PER_COVARIATE * len(specs)
    if events < needed:
        raise NotEnoughData(
            f"Only {events} relapses for {len(specs)} covariates; the Cox model needs at least "
            f"{MIN_EVENTS_PER_COVARIATE} relapses per covariate ({needed}): choose fewer "
            "covariates or widen the filters."
        )
    for spec in specs:
        if len({s.covariates[spec.name] for s in complete}) < 2:
            raise NotEnoughData(
                f"{spec.label} has the same value for every patient: leave it out of the model."
            )


def _epv_warning(covariates: int, events: int) -> list[str]:
    per = events / covariates
    if per >= RECOMMENDED_EVENTS_PER_COVARIATE:
        return []
    return [
        f"Only {per:.1f} relapses per covariate (fewer than "
        f"{RECOMMENDED_EVENTS_PER_COVARIATE}): hazard ratios may be biased and their intervals "
        "too narrow (Peduzzi 1995). Choose fewer covariates for a firmer estimate."
    ]


def _fit_cox(frame: pd.DataFrame) -> tuple[CoxPHFitter, list[str]]:
    from lifelines import CoxPHFitter
    from lifelines.exceptions import (  # type: ignore[import-untyped]
        ConvergenceError,
        ConvergenceWarning,
        StatisticalWarning,
    )

    fitter = CoxPHFitter(alpha=ALPHA, penalizer=COX_PENALIZER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitter.fit(frame, duration_col=_DURATION, event_col=_EVENT)
        except (ConvergenceError, np.linalg.LinAlgError) as error:
            raise NotEnoughData(
                "The Cox model did not converge (two covariates carry the same information, or "
                "one separates relapse from no relapse perfectly): choose fewer covariates or "
                "widen the filters."
            ) from error
    notes = []
    for warning in caught:
        message = str(warning.message).split("\n")[0]
        if issubclass(warning.category, ConvergenceWarning) and "norm(delta)" in message:
            raise NotEnoughData(
                "The Cox model has no unique answer (a covariate separates relapse from no "
                "relapse perfectly, or two covariates are collinear): choose fewer covariates "
                "or widen the filters."
            )
        if issubclass(warning.category, (ConvergenceWarning, StatisticalWarning)):
            notes.append(f"lifelines: {message}")
    return fitter, notes


def plain_english(row: CoxRow) -> str:
    """One sentence a clinician can read, per the covariate's step."""
    spec = row.spec
    hr, low, high = row.step_hazard_ratio, row.step_ci_lower, row.step_ci_upper
    point = _change(hr)
    if point == "no":
        effect = "is associated with essentially no difference in the hazard of relapse"
    else:
        effect = f"is associated with {_article(point)} {point} hazard of relapse"
    if high < 1 or low > 1:  # the interval excludes no difference
        a, b = sorted(abs(round((v - 1) * 100)) for v in (low, high))
        interval = f"95 % CI {a} % to {b} %"
    else:
        interval = (
            f"95 % CI {_change(low)} to {_change(high)}; the data are also consistent with "
            "no difference"
        )
    return f"{spec.step_phrase} {effect} ({interval})."


def _article(words: str) -> str:
    """'an' before numbers read with a vowel sound: 8, 11, 18, 80-89, 800-899."""
    number = words.split(" ")[0]
    return "an" if number.startswith("8") or number in ("11", "18") else "a"


def _change(hazard_ratio: float) -> str:
    percent = round((hazard_ratio - 1) * 100)
    if percent == 0:
        return "no"
    return f"{abs(percent)} % {'higher' if percent > 0 else 'lower'}"


@dataclass(frozen=True)
class CravingSummary:
    n: int
    mean_before: float
    mean_after: float
    mean_difference: float  # after - before: negative means craving fell
    ci_lower: float
    ci_upper: float
    p_value: float | None  # None when every difference is the same (no spread to test)


def craving_before_after(pairs: Sequence[tuple[float, float]]) -> CravingSummary:
    """Paired comparison of craving (before, after) per patient: paired t 95 % interval."""
    if len(pairs) < 2:
        raise NotEnoughData(
            f"Only {len(pairs)} patient(s) have craving before and after: at least 2 are needed."
        )
    before = np.array([float(b) for b, _ in pairs])
    after = np.array([float(a) for _, a in pairs])
    if not (np.isfinite(before).all() and np.isfinite(after).all()):
        raise ValueError("Craving values must be finite numbers.")
    differences = after - before
    mean_difference = float(differences.mean())
    if float(np.ptp(differences)) == 0.0:
        low = high = mean_difference
        p_value: float | None = None
    else:
        from scipy import stats  # type: ignore[import-untyped]

        result = stats.ttest_rel(after, before)
        interval = result.confidence_interval(confidence_level=1 - ALPHA)
        low, high, p_value = float(interval.low), float(interval.high), float(result.pvalue)
    return CravingSummary(
        n=len(pairs),
        mean_before=float(before.mean()),
        mean_after=float(after.mean()),
        mean_difference=mean_difference,
        ci_lower=low,
        ci_upper=high,
        p_value=p_value,
    )


def percent_days_abstinent(abstinent_days: int, observed_days: int) -> float | None:
    """Abstinent days / days observed x 100 (DOMAIN.md section 4). A day without data is not
    observed: leave it out of both counts. None when no day was observed."""
    if abstinent_days < 0 or observed_days < 0 or abstinent_days > observed_days:
        raise ValueError(
            f"Need 0 <= abstinent days <= observed days, not {abstinent_days} of {observed_days}."
        )
    return None if observed_days == 0 else abstinent_days / observed_days * 100

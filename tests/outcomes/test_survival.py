"""Cohort statistics: Kaplan-Meier and Cox equal lifelines fitted directly on the same data,
hand-computed examples, plain-English readings and refusals."""

from __future__ import annotations

import math
import random
import warnings

import pandas as pd  # type: ignore[import-untyped]  # no type information shipped
import pytest
from lifelines import (  # type: ignore[import-untyped]  # no type information shipped
    CoxPHFitter,
    KaplanMeierFitter,
)
from scipy import stats  # type: ignore[import-untyped]  # no type information shipped

from ketaclinic.outcomes.baselines import BASELINES
from ketaclinic.outcomes.survival import (
    CAUTION,
    COVARIATES,
    RELAPSE_HORIZONS_DAYS,
    CoxRow,
    NotEnoughData,
    SubjectTime,
    cox_model,
    craving_before_after,
    kaplan_meier,
    percent_days_abstinent,
    plain_english,
    relapse_at,
)

EXACT = 1e-9
Z = float(stats.norm.ppf(0.975))
ALL = list(COVARIATES)


def cohort(n: int = 60, seed: int = 7) -> list[SubjectTime]:
    """A deterministic synthetic cohort: a higher MEQ-30 lowers the hazard of relapse
    (true hazard ratio exp(-0.03) per % point), follow-up censored between 120 and 420 days,
    one in six drops out."""
    rng = random.Random(seed)
    subjects = []
    for i in range(n):
        meq = rng.uniform(20, 95)
        covariates = {
            "meq30_total": round(meq, 1),
            "complete_mystical": float(meq > 60 and rng.random() < 0.8),
            "dose_mg_per_kg": rng.choice([0.5, 0.6, 0.71, 0.8]),
            "infusions": float(rng.randint(1, 6)),
            "integration_adherence": float(rng.randint(40, 100)),
            "age": float(rng.randint(21, 70)),
            "sex_female": float(i % 3 == 0),
        }
        relapse = rng.expovariate(0.004 * math.exp(-0.03 * (meq - 50)))
        followed = rng.uniform(120, 420)
        subjects.append(
            SubjectTime(
                duration_days=float(round(min(relapse, followed))),
                relapsed=relapse <= followed,
                group="Boston" if i % 2 else "West Hartford",
                dropped_out=relapse > followed and i % 6 == 0,
                covariates=covariates,
            )
        )
    return subjects


def direct_km(subjects, *, dropout_as_relapse=False) -> KaplanMeierFitter:
    return KaplanMeierFitter(alpha=0.05).fit(
        [s.duration_days for s in subjects],
        event_observed=[s.relapsed or (dropout_as_relapse and s.dropped_out) for s in subjects],
    )


def direct_cox(subjects, covariates) -> CoxPHFitter:
    frame = pd.DataFrame({c: [s.covariates[c] for s in subjects] for c in covariates})
    frame["T"] = [s.duration_days for s in subjects]
    frame["E"] = [s.relapsed for s in subjects]
    with warnings.catch_warnings():  # lifelines 0.30 calls pandas in a way pandas 4 deprecates
        warnings.filterwarnings("ignore", message="Starting with pandas version 4.0")
        return CoxPHFitter(alpha=0.05).fit(frame, duration_col="T", event_col="E")


FOUR = [
    SubjectTime(10, relapsed=True, group="g"),
    SubjectTime(20, relapsed=False, group="g", dropped_out=True),
    SubjectTime(30, relapsed=True, group="g"),
    SubjectTime(40, relapsed=False, group="g"),
]


def greenwood_band(survival: float, greenwood_sum: float) -> tuple[float, float]:
    """lifelines' exponential Greenwood (log-log) interval."""
    spread = Z * math.sqrt(greenwood_sum / math.log(survival) ** 2)
    log_minus_log = math.log(-math.log(survival))
    return math.exp(-math.exp(log_minus_log + spread)), math.exp(-math.exp(log_minus_log - spread))


@pytest.mark.parametrize("dropout_as_relapse", [False, True])
def test_kaplan_meier_equals_lifelines_per_group(dropout_as_relapse):
    """Given the 60-patient cohort in two groups, when Kaplan-Meier runs (with and without the
    dropout sensitivity option), then each group's curve equals lifelines fitted directly."""
    subjects = cohort()

    curves = kaplan_meier(subjects, dropout_as_relapse=dropout_as_relapse)

    assert [c.group for c in curves] == ["Boston", "West Hartford"]
    for curve in curves:
        mine = [s for s in subjects if s.group == curve.group]
        fitter = direct_km(mine, dropout_as_relapse=dropout_as_relapse)
        band = fitter.confidence_interval_
        assert [p.time_days for p in curve.points] == list(fitter.survival_function_.index)
        assert [p.survival for p in curve.points] == pytest.approx(
            list(fitter.survival_function_.iloc[:, 0]), rel=EXACT
        )
        assert [p.ci_lower for p in curve.points] == pytest.approx(list(band.iloc[:, 0]), rel=EXACT)
        assert [p.ci_upper for p in curve.points] == pytest.approx(list(band.iloc[:, 1]), rel=EXACT)
        assert [p.at_risk for p in curve.points] == list(fitter.event_table["at_risk"])
        assert curve.n_subjects == 30
        assert curve.n_events == int(fitter.event_table["observed"].sum())
        median = fitter.median_survival_time_
        assert curve.median_days == (None if math.isinf(median) else median)
        assert curve.dropout_as_relapse is dropout_as_relapse


def test_kaplan_meier_dropout_sensitivity_by_hand():
    """Given 4 patients: relapse at day 10; dropout (no relapse) at 20; relapse at 30; still
    abstinent when last seen at 40,
    when Kaplan-Meier runs censoring at the last observed day, then
      S(10) = 3/4 (4 at risk, 1 relapse); day 20 is censored; S(30) = 3/4 x 1/2 = 3/8
      (2 at risk); S(40) = 3/8; median 30 (first time S <= 1/2);
    and when the dropout counts as a relapse, then
      S(10) = 3/4; S(20) = 3/4 x 2/3 = 1/2 (3 at risk); S(30) = 1/2 x 1/2 = 1/4; S(40) = 1/4;
      median 20."""
    (primary,) = kaplan_meier(FOUR)
    (sensitivity,) = kaplan_meier(FOUR, dropout_as_relapse=True)

    assert [p.time_days for p in primary.points] == [0, 10, 20, 30, 40]
    assert [p.survival for p in primary.points] == pytest.approx(
        [1, 3 / 4, 3 / 4, 3 / 8, 3 / 8], rel=EXACT
    )
    assert (primary.n_events, primary.median_days) == (2, 30)
    assert [p.survival for p in sensitivity.points] == pytest.approx(
        [1, 3 / 4, 1 / 2, 1 / 4, 1 / 4], rel=EXACT
    )
    assert (sensitivity.n_events, sensitivity.median_days) == (3, 20)
    assert [(p.at_risk, p.events, p.censored) for p in primary.points] == [
        (4, 0, 0), (4, 1, 0), (3, 0, 1), (2, 1, 0), (1, 0, 1),
    ]  # fmt: skip


def test_kaplan_meier_median_not_reached_is_none():
    """Given survival that never falls to 50 %, when Kaplan-Meier runs, then the median is
    None rather than infinity."""
    subjects = [SubjectTime(d, relapsed=d == 5, group="g") for d in (5, 10, 20, 30)]

    (curve,) = kaplan_meier(subjects)

    assert curve.median_days is None
    assert curve.points[-1].survival == pytest.approx(3 / 4, rel=EXACT)


def test_kaplan_meier_refuses_a_negative_duration():
    """Given a negative duration, when Kaplan-Meier runs, then it raises naming the value."""
    with pytest.raises(ValueError, match="duration_days must be a finite number >= 0"):
        kaplan_meier([SubjectTime(-1, relapsed=True, group="g")])


def test_relapse_at_by_hand():
    """Given the 4 patients (no dropout counted), when relapse is read at days 25, 30, 40
    and 41, then
      day 25: 1 - S = 1/4, at risk 2 (durations 30 and 40), interval from S(10)'s exponential
        Greenwood band with sum d/(n(n-d)) = 1/(4 x 3) = 1/12;
      day 30: 1 - 3/8 = 5/8, at risk 2, Greenwood sum 1/12 + 1/(2 x 1) = 7/12;
      day 40: 5/8, at risk 1;
      day 41: beyond the longest follow-up, so no figure."""
    (curve,) = kaplan_meier(FOUR)
    low_10, high_10 = greenwood_band(3 / 4, 1 / 12)
    low_30, high_30 = greenwood_band(3 / 8, 7 / 12)

    at_25, at_30, at_40, at_41 = (relapse_at(curve, d) for d in (25, 30, 40, 41))

    assert at_25.proportion == pytest.approx(1 / 4, rel=EXACT)
    assert at_25.at_risk == 2
    assert (at_25.ci_lower, at_25.ci_upper) == pytest.approx((1 - high_10, 1 - low_10), rel=EXACT)
    assert at_30.proportion == pytest.approx(5 / 8, rel=EXACT)
    assert at_30.at_risk == 2
    assert (at_30.ci_lower, at_30.ci_upper) == pytest.approx((1 - high_30, 1 - low_30), rel=EXACT)
    assert at_40.proportion == pytest.approx(5 / 8, rel=EXACT)
    assert (at_40.at_risk, at_40.note) == (1, "")
    assert at_41.proportion is None
    assert (at_41.ci_lower, at_41.ci_upper, at_41.at_risk) == (None, None, 0)
    assert at_41.note == "Not enough follow-up: the longest observed time in g is 40 days."


def test_relapse_at_horizons_equal_lifelines():
    """Given the cohort, when relapse is read at 90, 182 and 365 days, then it equals
    1 - lifelines' survival at that time, or no figure past the longest follow-up."""
    subjects = cohort()
    curves = kaplan_meier(subjects)

    for curve in curves:
        fitter = direct_km([s for s in subjects if s.group == curve.group])
        for days in RELAPSE_HORIZONS_DAYS:
            result = relapse_at(curve, days)
            if days > curve.last_observed_days:
                assert result.proportion is None
                continue
            expected = 1 - float(fitter.survival_function_at_times(days).iloc[0])
            assert result.proportion == pytest.approx(expected, rel=EXACT)
            in_force = fitter.confidence_interval_.loc[:days].iloc[-1]
            assert result.ci_lower == pytest.approx(1 - in_force.iloc[1], rel=EXACT)
            assert result.ci_upper == pytest.approx(1 - in_force.iloc[0], rel=EXACT)
            durations = [s.duration_days for s in subjects if s.group == curve.group]
            assert result.at_risk == sum(d >= days for d in durations)


@pytest.mark.parametrize("covariates", [["meq30_total", "age", "sex_female"], ALL])
def test_cox_model_equals_lifelines(covariates):
    """Given the cohort, when the Cox model runs on three and on all seven covariates, then
    hazard ratios, their intervals, p-values and the concordance equal lifelines fitted
    directly (penalizer 0)."""
    subjects = cohort()
    fitter = direct_cox(subjects, covariates)
    summary = fitter.summary

    result = cox_model(subjects, covariates)

    assert [r.spec.name for r in result.rows] == covariates
    for row in result.rows:
        assert row.hazard_ratio == pytest.approx(summary.loc[row.spec.name, "exp(coef)"], rel=EXACT)
        assert row.ci_lower == pytest.approx(
            summary.loc[row.spec.name, "exp(coef) lower 95%"], rel=EXACT
        )
        assert row.ci_upper == pytest.approx(
            summary.loc[row.spec.name, "exp(coef) upper 95%"], rel=EXACT
        )
        assert row.p_value == pytest.approx(summary.loc[row.spec.name, "p"], rel=EXACT)
        step = row.spec.unit_step
        assert row.step_hazard_ratio == pytest.approx(
            math.exp(summary.loc[row.spec.name, "coef"] * step), rel=EXACT
        )
    assert result.concordance == pytest.approx(fitter.concordance_index_, rel=EXACT)
    assert (result.n_subjects, result.n_excluded, result.penalizer) == (60, 0, 0.0)
    assert result.n_events == sum(s.relapsed for s in subjects)
    assert result.caution == CAUTION


def test_cox_model_recovers_the_built_in_relation():
    """Given the cohort built with hazard ratio exp(-0.03) per MEQ-30 % point, when the Cox
    model runs on MEQ-30 alone, then the hazard ratio per 10 points is below 1 with its
    interval excluding 1 and no events-per-variable warning (35+ relapses, one covariate)."""
    result = cox_model(cohort(), ["meq30_total"])

    (row,) = result.rows
    assert row.step_ci_upper < 1
    assert result.warnings == ()


def test_cox_model_warns_below_ten_events_per_covariate():
    """Given the cohort with fewer than 70 relapses, when the Cox model runs on all seven
    covariates, then it fits but warns about events per variable (Peduzzi)."""
    subjects = cohort()
    events = sum(s.relapsed for s in subjects)

    result = cox_model(subjects, ALL)

    assert result.warnings[0] == (
        f"Only {events / 7:.1f} relapses per covariate (fewer than 10): hazard ratios may be "
        "biased and their intervals too narrow (Peduzzi 1995). Choose fewer covariates for a "
        "firmer estimate."
    )


def test_cox_model_leaves_out_subjects_missing_a_covariate():
    """Given 5 cohort patients without an age, when the Cox model runs on age, then they are
    left out, counted, and the rest equals lifelines on the complete cases."""
    subjects = cohort()
    gappy = [
        SubjectTime(s.duration_days, s.relapsed, s.group, covariates={"meq30_total": 50.0})
        if i < 5
        else s
        for i, s in enumerate(subjects)
    ]

    result = cox_model(gappy, ["age"])

    fitter = direct_cox(subjects[5:], ["age"])
    assert (result.n_subjects, result.n_excluded) == (55, 5)
    assert result.rows[0].hazard_ratio == pytest.approx(
        fitter.summary.loc["age", "exp(coef)"], rel=EXACT
    )


def test_cox_model_refuses_fewer_than_ten_patients():
    """Given 9 patients, when the Cox model runs, then NotEnoughData names the count and fix."""
    with pytest.raises(NotEnoughData) as raised:
        cox_model(cohort()[:9], ["age"])

    assert str(raised.value) == (
        "Only 9 patients have every covariate; the Cox model needs at least 10: widen the "
        "filters or choose fewer covariates."
    )


def test_cox_model_refuses_fewer_than_two_relapses_per_covariate():
    """Given 20 patients with 3 relapses, when the Cox model runs on 2 covariates, then
    NotEnoughData says 4 relapses are needed."""
    subjects = [
        SubjectTime(
            10.0 + i, relapsed=i < 3, group="g", covariates={"age": 20.0 + i, "infusions": i % 4}
        )
        for i in range(20)
    ]

    with pytest.raises(NotEnoughData) as raised:
        cox_model(subjects, ["age", "infusions"])

    assert str(raised.value) == (
        "Only 3 relapses for 2 covariates; the Cox model needs at least 2 relapses per "
        "covariate (4): choose fewer covariates or widen the filters."
    )


def test_cox_model_refuses_a_constant_covariate():
    """Given a cohort where every patient is female, when the Cox model runs on sex, then
    NotEnoughData says to leave it out."""
    subjects = [
        SubjectTime(s.duration_days, s.relapsed, s.group, covariates={"sex_female": 1.0})
        for s in cohort()
    ]

    with pytest.raises(NotEnoughData, match=r"^Female sex has the same value for every patient"):
        cox_model(subjects, ["sex_female"])


def test_cox_model_refuses_perfect_separation_instead_of_crashing():
    """Given a covariate that separates relapse from no relapse perfectly, when the Cox model
    runs, then NotEnoughData explains it (lifelines only warned and returned a huge ratio)."""
    subjects = [
        SubjectTime(
            float(i + 1), relapsed=i < 6, group="g", covariates={"complete_mystical": float(i >= 6)}
        )
        for i in range(12)
    ]

    with pytest.raises(NotEnoughData, match=r"^The Cox model has no unique answer"):
        cox_model(subjects, ["complete_mystical"])


def test_cox_model_refuses_collinear_covariates_instead_of_crashing():
    """Given integration adherence equal to MEQ-30 for every patient, when the Cox model runs
    on both, then NotEnoughData replaces lifelines' convergence error."""
    subjects = [
        SubjectTime(
            s.duration_days,
            s.relapsed,
            s.group,
            covariates={"meq30_total": s.covariates["meq30_total"]}
            | {"integration_adherence": s.covariates["meq30_total"]},
        )
        for s in cohort()
    ]

    with pytest.raises(NotEnoughData, match=r"^The Cox model did not converge"):
        cox_model(subjects, ["meq30_total", "integration_adherence"])


def test_cox_model_rejects_an_unknown_covariate():
    """Given a covariate name not in the table, when the Cox model runs, then ValueError lists
    the known names (a programming error, not a data problem)."""
    with pytest.raises(ValueError, match=r"^Unknown covariate 'weight'") as raised:
        cox_model(cohort(), ["weight"])

    assert not isinstance(raised.value, NotEnoughData)


def row_for(name: str, hazard_ratio: float, low: float, high: float) -> CoxRow:
    step = COVARIATES[name].unit_step
    return CoxRow(
        spec=COVARIATES[name],
        coef=math.log(hazard_ratio) / step,
        coef_lower=math.log(low) / step,
        coef_upper=math.log(high) / step,
        p_value=0.01,
    )


@pytest.mark.parametrize(
    ("row", "text"),
    [
        (
            row_for("meq30_total", 0.77, 0.62, 0.95),
            "Each additional 10 points of MEQ-30 total (as % of maximum) is associated with a "
            "23 % lower hazard of relapse (95 % CI 5 % to 38 %).",
        ),
        (
            row_for("dose_mg_per_kg", 1.3, 1.1, 1.6),
            "Each additional 0.1 mg/kg of ketamine is associated with a 30 % higher hazard of "
            "relapse (95 % CI 10 % to 60 %).",
        ),
        (
            row_for("complete_mystical", 0.82, 0.6, 1.1),
            "A complete mystical experience (yes vs no) is associated with an 18 % lower hazard "
            "of relapse (95 % CI 40 % lower to 10 % higher; the data are also consistent with "
            "no difference).",
        ),
        (
            row_for("sex_female", 1.002, 0.7, 1.4),
            "Female sex (female vs male) is associated with essentially no difference in the "
            "hazard of relapse (95 % CI 30 % lower to 40 % higher; the data are also "
            "consistent with no difference).",
        ),
        (
            row_for("integration_adherence", 0.92, 0.85, 0.99),
            "Each additional 10 percentage points of integration adherence is associated with "
            "an 8 % lower hazard of relapse (95 % CI 1 % to 15 %).",
        ),
    ],
)
def test_plain_english_reading(row, text):
    """Given a Cox row, when it is read in plain English, then the sentence is exact: percent
    change per step, interval, and a note when the interval includes no difference."""
    assert plain_english(row) == text


def test_craving_before_after_by_hand():
    """Given craving (before, after) of (5, 3), (6, 2), (7, 7), (4, 4), when compared, then the
    differences are -2, -4, 0, 0: mean -1.5, SD sqrt(11/3), and the 95 % interval is
    -1.5 +- t(0.975, 3) x SD / 2, as scipy's paired t."""
    result = craving_before_after([(5, 3), (6, 2), (7, 7), (4, 4)])

    half = float(stats.t.ppf(0.975, 3)) * math.sqrt(11 / 3) / 2
    assert (result.n, result.mean_before, result.mean_after) == (4, 5.5, 4.0)
    assert result.mean_difference == -1.5
    assert (result.ci_lower, result.ci_upper) == pytest.approx(
        (-1.5 - half, -1.5 + half), rel=EXACT
    )
    expected_p = float(stats.ttest_rel([3, 2, 7, 4], [5, 6, 7, 4]).pvalue)
    assert result.p_value == pytest.approx(expected_p, rel=EXACT)


def test_craving_identical_differences_have_no_spread():
    """Given every patient's craving fell by exactly 2, when compared, then the interval is the
    difference itself and there is no p-value (scipy would divide by zero)."""
    result = craving_before_after([(5, 3), (6, 4), (8, 6)])

    assert (result.mean_difference, result.ci_lower, result.ci_upper) == (-2, -2, -2)
    assert result.p_value is None


def test_craving_refuses_a_single_patient():
    """Given one pair, when compared, then NotEnoughData says at least 2 are needed."""
    with pytest.raises(NotEnoughData) as raised:
        craving_before_after([(5, 3)])

    assert str(raised.value) == (
        "Only 1 patient(s) have craving before and after: at least 2 are needed."
    )


def test_percent_days_abstinent():
    """Given 20 abstinent of 25 observed days (unknown days excluded by the caller), then 80 %;
    no observed day gives None; more abstinent than observed days is refused."""
    assert percent_days_abstinent(20, 25) == 80.0
    assert percent_days_abstinent(0, 0) is None
    with pytest.raises(ValueError, match="abstinent days <= observed days, not 26 of 25"):
        percent_days_abstinent(26, 25)


def test_baselines_carry_domain_figures_and_definitions():
    """Given the literature baselines, then each has DOMAIN.md section 4's figure, a 12-month
    horizon and its definition in the domain's words."""
    assert [(b.key, b.figure, b.low_percent, b.high_percent, b.measures) for b in BASELINES] == [
        ("nida_drug", "40-60 %", 40, 60, "relapse"),
        ("aud_any_drinking", "40-80 %", 40, 80, "any use"),
        ("aud_pretreatment_levels", "about 20 %", 20, None, "relapse"),
        ("miller_hester", "> 75 %", 75, None, "relapse"),
        ("hunt", "80-95 %", 80, 95, "relapse"),
    ]
    assert {b.horizon_months for b in BASELINES} == {12}
    assert [b.definition for b in BASELINES] == [
        "NIDA 40-60 % relapse for drug addiction",
        "treated AUD 40-80 % drink at all in year one, about 20 % return to pre-treatment levels",
        "treated AUD 40-80 % drink at all in year one, about 20 % return to pre-treatment levels",
        "> 75 % relapse within a year across 500+ alcoholism studies (Miller & Hester)",
        "80-95 % at 12 months after cessation (Hunt)",
    ]

"""Outcome charts (inline SVG) and the CSV behind them."""

from __future__ import annotations

import csv
import io
import re

import pytest

from ketaclinic.outcomes.charts import (
    COX_CSV_HEADER,
    PdaSeries,
    cox_csv,
    craving_csv,
    craving_svg,
    km_csv,
    km_svg,
    pda_csv,
    pda_svg,
)
from ketaclinic.outcomes.survival import (
    CAUTION,
    SubjectTime,
    cox_model,
    craving_before_after,
    kaplan_meier,
    plain_english,
)
from tests.outcomes.test_survival import FOUR, cohort


def paths(svg: str) -> list[str]:
    return re.findall(r'<path d="([^"]*)"', svg)


def test_km_svg_draws_a_step_line_and_a_band_per_group():
    """Given the 60-patient cohort in two groups, when the KM chart is drawn, then it has one
    shaded band and one step line per group (4 paths), in the first two Okabe-Ito colours,
    labelled for screen readers, with no style attribute (the CSP forbids them)."""
    svg = str(km_svg(kaplan_meier(cohort()), chart_id="cohort-km"))

    assert len(paths(svg)) == 4
    assert svg.count('fill-opacity="0.15" stroke="none"') == 2
    assert 'stroke="#0072B2" stroke-width="2"><title>Boston</title>' in svg
    assert 'stroke="#D55E00" stroke-width="2" stroke-dasharray="6 3"><title>West Hartford' in svg
    assert 'role="img" aria-labelledby="cohort-km-title cohort-km-desc"' in svg
    assert '<title id="cohort-km-title">Relapse-free survival</title>' in svg
    assert "style=" not in svg


def test_km_svg_hand_example_coordinates_and_description():
    """Given the 4-patient example (S = 1, 3/4, 3/4, 3/8, 3/8 at days 0, 10, 20, 30, 40), when
    drawn on the default 640 x 300 frame (plot x 52..620 for days 0..365, y 34..256 for
    100..0 %), then the step line goes through x(10) = 67.6, y(3/4) = 89.5, x(30) = 98.7,
    y(3/8) = 172.8 and ends at x(40) = 114.2, and the description says it in words."""
    svg = str(km_svg(kaplan_meier(FOUR)))

    band, line = paths(svg)
    assert line == "M52.0 34.0 H67.6 V89.5 H83.1 H98.7 V172.8 H114.2"
    assert band.startswith("M52.0 34.0 L67.6 34.0 L67.6 42.8")
    assert band.endswith(" Z")
    assert (
        '<desc id="km-desc">Kaplan-Meier relapse-free survival with 95 % confidence bands over '
        "365 days for 1 group(s). g: 4 patients, 2 relapses, median 30 days, 38 % relapse-free "
        "at day 40. The CSV download lists every step.</desc>"
    ) in svg
    assert re.findall(r">(\d+)</text>", svg) == ["0", "90", "182", "365"]


def test_km_svg_clips_at_max_days_and_runs_flat_to_the_edge():
    """Given the 4-patient example drawn to 25 days, then the line stops at the right edge
    (x = 620) at S(20) = 3/4 and the x axis reads 0 and 25."""
    svg = str(km_svg(kaplan_meier(FOUR), max_days=25))

    assert paths(svg)[1] == "M52.0 34.0 H279.2 V89.5 H506.4 H620.0"
    assert re.findall(r">(\d+)</text>", svg) == ["0", "25"]


def test_km_svg_sensitivity_is_stated_and_names_are_escaped():
    """Given a group name with markup and the dropout-as-relapse option, when drawn, then the
    name is escaped and the description says dropouts count as relapses."""
    subjects = [
        SubjectTime(d, relapsed=d == 10, group="<b>Boston</b>", dropped_out=d == 20)
        for d in (10, 20, 30)
    ]

    svg = str(km_svg(kaplan_meier(subjects, dropout_as_relapse=True)))

    assert "<b>" not in svg
    assert "&lt;b&gt;Boston&lt;/b&gt;: 3 patients, 2 relapses" in svg
    assert "Dropouts count as relapses." in svg


def test_km_svg_without_patients_says_so():
    """Given no curves, when drawn, then no path is drawn and the chart says no patient
    matches."""
    svg = str(km_svg([]))

    assert paths(svg) == []
    assert "No patients match these filters." in svg
    assert "no patients match these filters" in svg  # in the description too


def test_pda_svg_breaks_the_line_at_months_without_data():
    """Given 12 months with no data in months 3, 9 and 10 for one series and a full second
    series, when drawn, then the first series has 3 line pieces (months 1-2, 4-8, 11-12) and
    9 dots, the second 1 line and 12 dots, and the description names the gaps."""
    months = [f"Month {i}" for i in range(1, 13)]
    gappy = (90.0, 85.0, None, 80.0, 78.0, 75.0, 70.0, 72.0, None, None, 65.0, 60.0)
    full = tuple(float(70 - i) for i in range(12))

    svg = str(pda_svg(months, [PdaSeries("Alcohol", gappy), PdaSeries("Cocaine", full)]))

    assert svg.count('<polyline points="') == 4
    assert svg.count("<circle ") == 21
    assert "<title>Alcohol, Month 1: 90 %</title>" in svg
    assert "Alcohol: Month 1 90 %, Month 2 85 %, Month 3 no data," in svg
    assert 'role="img" aria-labelledby="pda-title pda-desc"' in svg


def test_pda_svg_refuses_values_that_do_not_match_the_months():
    """Given 2 values for 3 months, when drawn, then ValueError names the series."""
    with pytest.raises(ValueError, match=r"^Alcohol: 2 values for 3 months"):
        pda_svg(["a", "b", "c"], [PdaSeries("Alcohol", (1.0, 2.0))])


def test_craving_svg_draws_two_dots_per_row():
    """Given craving summaries for two groups, when drawn, then each row has a hollow before
    dot and a filled after dot (4 circles) and the mean difference with its interval."""
    first = craving_before_after([(5, 3), (6, 2), (7, 7), (4, 4)])
    second = craving_before_after([(8, 4), (6, 5)])

    svg = str(craving_svg([("Boston", first), ("West Hartford", second)]))

    assert svg.count("<circle ") == 4
    assert '<circle cx="314.0" cy="50.0" r="6" fill="#ffffff" stroke="#E69F00"' in svg
    assert '<circle cx="272.0" cy="50.0" r="6" fill="#0072B2">' in svg
    assert ">-1.5 (95 % CI -4.5 to +1.5)</text>" in svg
    assert "Boston: 4 patients, mean 5.5 before and 4.0 after" in svg
    assert 'role="img" aria-labelledby="craving-title craving-desc"' in svg


def test_km_csv_header_and_first_rows():
    """Given the 4-patient example, when exported, then the CSV has the header and one row per
    step with 6-decimal survival and interval (lifelines' exponential Greenwood band)."""
    lines = km_csv(kaplan_meier(FOUR)).splitlines()

    assert lines[:4] == [
        "group,dropout_counts_as_relapse,time_days,at_risk,events,censored,survival,"
        "ci_lower_95,ci_upper_95",
        "g,no,0,4,0,0,1.000000,1.000000,1.000000",
        "g,no,10,4,1,0,0.750000,0.127947,0.960549",
        "g,no,20,3,0,1,0.750000,0.127947,0.960549",
    ]
    assert len(lines) == 6


def test_cox_csv_header_rows_and_caution():
    """Given a Cox model on MEQ-30 and age, when exported, then the header is fixed, each row
    carries the per-step and per-unit numbers and the plain-English reading, and the caution
    follows the table."""
    result = cox_model(cohort(), ["meq30_total", "age"])

    rows = list(csv.reader(io.StringIO(cox_csv(result))))

    meq = result.rows[0]
    assert rows[0] == list(COX_CSV_HEADER)
    assert rows[1] == [
        "meq30_total", "MEQ-30 total (% of maximum)", "10",
        f"{meq.step_hazard_ratio:.6f}", f"{meq.step_ci_lower:.6f}", f"{meq.step_ci_upper:.6f}",
        f"{meq.hazard_ratio:.6f}", f"{meq.ci_lower:.6f}", f"{meq.ci_upper:.6f}",
        f"{meq.p_value:.6f}", "60", str(result.n_events), "0", f"{result.concordance:.6f}",
        plain_english(meq),
    ]  # fmt: skip
    assert rows[2][0] == "age"
    assert rows[3:] == [[], ["Caution", CAUTION]]


def test_pda_and_craving_csv():
    """Given a month without data and one craving summary, when exported, then the empty month
    is an empty cell (not 0) and the craving row has the paired-t numbers."""
    summary = craving_before_after([(5, 3), (6, 2), (7, 7), (4, 4)])

    assert pda_csv(["M1", "M2"], [PdaSeries("All", (90.0, None))]).splitlines() == [
        "series,month,percent_days_abstinent",
        "All,M1,90.000000",
        "All,M2,",
    ]
    assert craving_csv([("All", summary)]).splitlines() == [
        "group,n,mean_before,mean_after,mean_difference,ci_lower_95,ci_upper_95,p_value",
        "All,4,5.500000,4.000000,-1.500000,-4.546960,1.546960,0.215170",
    ]

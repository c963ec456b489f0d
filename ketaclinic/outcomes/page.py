"""What the analytics page and its CSV downloads show, built from `CohortAnalytics`: the
charts as SVG, the tables as rows of display strings, and the numbers behind each chart."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ketaclinic.outcomes import charts
from ketaclinic.outcomes.selectors import CohortAnalytics
from ketaclinic.outcomes.survival import RelapseAt, plain_english


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f} %"


@dataclass(frozen=True)
class RelapseCell:
    figure: str  # "35 % (20 % to 52 %)" or ""
    at_risk: int
    note: str


def _cell(at: RelapseAt) -> RelapseCell:
    if at.proportion is None:
        return RelapseCell("", at.at_risk, at.note)
    return RelapseCell(
        f"{_pct(at.proportion)} ({_pct(at.ci_lower)} to {_pct(at.ci_upper)})", at.at_risk, ""
    )


def context(analytics: CohortAnalytics) -> dict[str, Any]:
    """The template context of the analytics page (besides the form)."""
    cox_rows = []
    if analytics.cox is not None:
        cox_rows = [
            {
                "label": row.spec.label,
                "per": f"{row.spec.unit_step:g}",
                "hazard_ratio": f"{row.step_hazard_ratio:.2f}",
                "interval": f"{row.step_ci_lower:.2f} to {row.step_ci_upper:.2f}",
                "p_value": f"{row.p_value:.3f}",
                "reading": plain_english(row),
            }
            for row in analytics.cox.rows
        ]
    return {
        "analytics": analytics,
        "km_chart": charts.km_svg(analytics.curves),
        "pda_chart": charts.pda_svg(analytics.pda_months, analytics.pda_series),
        "craving_chart": charts.craving_svg(analytics.craving_summaries),
        "relapse_rows": [
            {"label": g.label, "cells": [_cell(at) for at in g.relapse_at]}
            for g in analytics.groups
        ],
        "horizon_months": [_months(d) for d in analytics.horizons_days],
        "cox_rows": cox_rows,
    }


def _months(days: int) -> int:
    return round(days / 30.4375)


def _csv(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def relapse_csv(analytics: CohortAnalytics) -> str:
    """Relapse at 3, 6 and 12 months per group, then the literature baselines."""
    rows: list[tuple[object, ...]] = [
        (g.label, _months(at.days), at.days, _f(at.proportion), _f(at.ci_lower),
         _f(at.ci_upper), at.at_risk, at.note)
        for g in analytics.groups
        for at in g.relapse_at
    ]  # fmt: skip
    rows.append(())
    rows.append(("baseline", "months", "figure", "measures", "definition"))
    rows += [
        (b.label, b.horizon_months, b.figure, b.measures, b.definition) for b in analytics.baselines
    ]
    header = (
        "group", "months", "days", "relapsed", "ci_lower_95", "ci_upper_95", "at_risk", "note",
    )  # fmt: skip
    return _csv(header, rows)


def _f(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def cox_csv(analytics: CohortAnalytics) -> str:
    if analytics.cox is None:
        return _csv(("message",), [(analytics.cox_message,)])
    return charts.cox_csv(analytics.cox)


def craving_csv(analytics: CohortAnalytics) -> str:
    text = charts.craving_csv(analytics.craving_summaries)
    missing = [(row.label, row.message) for row in analytics.craving if row.summary is None]
    if not missing:
        return text
    return text + _csv(("group", "message"), list(missing))


CSV_BUILDERS: Mapping[str, Callable[[CohortAnalytics], str]] = {
    "km": lambda a: charts.km_csv(a.curves),
    "relapse": relapse_csv,
    "pda": lambda a: charts.pda_csv(a.pda_months, a.pda_series),
    "cox": cox_csv,
    "craving": craving_csv,
}
CSV_FILENAMES = {
    "km": "kaplan-meier.csv",
    "relapse": "relapse-at-3-6-12-months.csv",
    "pda": "percent-days-abstinent.csv",
    "cox": "cox-model.csv",
    "craving": "craving-before-after.csv",
}

"""Cohort outcome charts as inline SVG (no JavaScript, no CDN) and the numbers behind them as
CSV (issue 7 item 6: "charts are images with the numbers downloadable as CSV").

Like questionnaires/trajectory.py: presentation attributes only (the Content-Security-Policy
forbids style attributes), every interpolated text escaped, `role="img"` with a <title> and a
<desc> that say in words what the chart shows. Colours are the Okabe-Ito palette (Okabe & Ito
2008), safe for the common colour-vision deficiencies; groups also differ by dash pattern.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ketaclinic.core.svg import Frame
from ketaclinic.outcomes.survival import (
    RELAPSE_HORIZONS_DAYS,
    CoxResult,
    CravingSummary,
    KmCurve,
    KmPoint,
    plain_english,
)

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
AXIS = "#667085"
GRID = "#e4e7ec"
INK = "#1d2939"
BEFORE, AFTER = "#E69F00", "#0072B2"  # craving: orange before, blue after
BAND_OPACITY = "0.15"
LEGEND_ROW = 18


FRAME = Frame(width=640, height=300, left=52, right=20, top=34, bottom=44)
CRAVING_FRAME = replace(FRAME, left=160, right=200)  # room for the row labels


@dataclass(frozen=True)
class PdaSeries:
    label: str
    percents: tuple[float | None, ...]  # one per month label; None: no day observed


def _n(value: float) -> str:
    return f"{value:.1f}"


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _dash(index: int) -> str:
    dash = DASHES[index % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _open(chart_id: str, frame: Frame, height: int, title: str, desc: str) -> str:
    ident = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {height}" '
        f'width="100%" class="outcome-chart" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
        f'<text x="{frame.left}" y="20" font-size="14" font-weight="bold" fill="{INK}">'
        f"{escape(title)}</text>"
    )


def _close(parts: Iterable[str]) -> SafeString:
    return mark_safe("".join(parts) + "</svg>")  # noqa: S308  # every text above is escaped


def _percent_axis(frame: Frame, label: str) -> list[str]:
    """Y from 0 to 100 % with grid lines every 25 %."""
    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = frame.top + frame.plot_height * (1 - tick / 100)
        parts.append(
            f'<line x1="{frame.left}" y1="{_n(y)}" x2="{frame.left + frame.plot_width}" '
            f'y2="{_n(y)}" stroke="{GRID if tick else AXIS}"/>'
            f'<text x="{frame.left - 6}" y="{_n(y + 4)}" text-anchor="end" font-size="11" '
            f'fill="{AXIS}">{tick} %</text>'
        )
    middle = frame.top + frame.plot_height / 2
    parts.append(
        f'<line x1="{frame.left}" y1="{frame.top}" x2="{frame.left}" y2="{frame.plot_bottom}" '
        f'stroke="{AXIS}"/><text x="12" y="{_n(middle)}" font-size="11" fill="{AXIS}" '
        f'text-anchor="middle" transform="rotate(-90 12 {_n(middle)})">{escape(label)}</text>'
    )
    return parts


def _legend(frame: Frame, labels: Sequence[str], top: float) -> list[str]:
    parts = []
    for index, label in enumerate(labels):
        y = top + index * LEGEND_ROW
        parts.append(
            f'<line x1="{frame.left}" y1="{_n(y)}" x2="{frame.left + 24}" y2="{_n(y)}" '
            f'stroke="{_colour(index)}" stroke-width="3"{_dash(index)}/>'
            f'<text x="{frame.left + 30}" y="{_n(y + 4)}" font-size="12" fill="{INK}">'
            f"{escape(label)}</text>"
        )
    return parts


# Kaplan-Meier ---------------------------------------------------------------------------


class _KmScale:
    def __init__(self, frame: Frame, x_max: float) -> None:
        self.frame, self.x_max = frame, x_max

    def x(self, days: float) -> float:
        return self.frame.left + min(days, self.x_max) / self.x_max * self.frame.plot_width

    def y(self, fraction: float) -> float:
        return self.frame.top + self.frame.plot_height * (1 - fraction)


def km_svg(
    curves: Sequence[KmCurve],
    *,
    chart_id: str = "km",
    title: str = "Relapse-free survival",
    max_days: float | None = None,
    frame: Frame = FRAME,
) -> SafeString:
    """Step lines per group with shaded 95 % bands; x in days from 0 to `max_days` (default
    365, or the longest follow-up if longer), y relapse-free from 0 to 100 %."""
    longest = max((c.last_observed_days for c in curves), default=0.0)
    scale = _KmScale(frame, max_days or max(365.0, longest))
    labels = [_km_label(c) for c in curves] + ["Shaded: 95 % confidence band"]
    height = frame.height + LEGEND_ROW * len(labels)
    parts = [_open(chart_id, frame, height, title, _km_desc(curves, scale.x_max))]
    parts += _percent_axis(frame, "Relapse-free")
    parts += _days_axis(scale)
    for index, curve in enumerate(curves):
        visible = _clip(curve.points, scale.x_max)
        parts.append(_band_path(scale, visible, index))
        parts.append(_step_path(scale, visible, index, curve.group))
    parts += _legend(frame, labels[:-1], frame.height)
    parts.append(
        f'<rect x="{frame.left}" y="{frame.height + LEGEND_ROW * len(curves) - 6}" width="24" '
        f'height="12" fill="{AXIS}" fill-opacity="{BAND_OPACITY}"/>'
        f'<text x="{frame.left + 30}" y="{frame.height + LEGEND_ROW * len(curves) + 4}" '
        f'font-size="12" fill="{INK}">{escape(labels[-1])}</text>'
    )
    if not curves:
        parts.append(
            f'<text x="{frame.left + frame.plot_width / 2}" y="{frame.top + 40}" '
            f'text-anchor="middle" font-size="13" fill="{INK}">No patients match these filters.'
            "</text>"
        )
    return _close(parts)


def _km_label(curve: KmCurve) -> str:
    median = "not reached" if curve.median_days is None else f"{curve.median_days:g} days"
    return f"{curve.group}: {curve.n_subjects} patients, {curve.n_events} relapses, median {median}"


def _km_desc(curves: Sequence[KmCurve], x_max: float) -> str:
    if not curves:
        return "Kaplan-Meier relapse-free survival: no patients match these filters."
    ends = "; ".join(
        f"{_km_label(c)}, {_pct(c.points[-1].survival)} relapse-free at day "
        f"{c.last_observed_days:g}"
        for c in curves
    )
    sensitivity = " Dropouts count as relapses." if curves[0].dropout_as_relapse else ""
    return (
        f"Kaplan-Meier relapse-free survival with 95 % confidence bands over {x_max:g} days "
        f"for {len(curves)} group(s).{sensitivity} {ends}. The CSV download lists every step."
    )


def _days_axis(scale: _KmScale) -> list[str]:
    frame = scale.frame
    ticks = [0.0, *(h for h in RELAPSE_HORIZONS_DAYS if h <= scale.x_max)]
    if scale.x_max - ticks[-1] > scale.x_max / 10:  # the end, unless it would crowd a horizon
        ticks.append(scale.x_max)
    parts = [
        f'<text x="{_n(scale.x(t))}" y="{frame.plot_bottom + 16}" text-anchor="middle" '
        f'font-size="11" fill="{AXIS}">{t:g}</text>'
        for t in ticks
    ]
    parts.append(
        f'<text x="{frame.left + frame.plot_width / 2:.1f}" y="{frame.plot_bottom + 32}" '
        f'text-anchor="middle" font-size="11" fill="{AXIS}">'
        "Days since day 0 (first infusion, else quit date)</text>"
    )
    return parts


def _clip(points: Sequence[KmPoint], x_max: float) -> list[KmPoint]:
    """The points up to x_max; a curve followed beyond it runs on flat to the edge."""
    visible = [p for p in points if p.time_days <= x_max]
    if len(visible) < len(points) and visible[-1].time_days < x_max:
        visible.append(replace(visible[-1], time_days=x_max))
    return visible


def _step_path(scale: _KmScale, points: Sequence[KmPoint], index: int, group: str) -> str:
    d = [f"M{_n(scale.x(points[0].time_days))} {_n(scale.y(points[0].survival))}"]
    for before, point in itertools.pairwise(points):
        d.append(f"H{_n(scale.x(point.time_days))}")
        if point.survival != before.survival:
            d.append(f"V{_n(scale.y(point.survival))}")
    return (
        f'<path d="{" ".join(d)}" fill="none" stroke="{_colour(index)}" stroke-width="2"'
        f"{_dash(index)}><title>{escape(group)}</title></path>"
    )


def _band_path(scale: _KmScale, points: Sequence[KmPoint], index: int) -> str:
    """Upper bound forward as steps, lower bound back, closed."""
    upper, lower = [], []
    for i, point in enumerate(points):
        x = scale.x(point.time_days)
        if i:
            upper.append((x, scale.y(points[i - 1].ci_upper)))
            lower.append((x, scale.y(points[i - 1].ci_lower)))
        upper.append((x, scale.y(point.ci_upper)))
        lower.append((x, scale.y(point.ci_lower)))
    rounded = [f"{_n(x)} {_n(y)}" for x, y in upper + lower[::-1]]
    outline = [v for i, v in enumerate(rounded) if i == 0 or v != rounded[i - 1]]
    d = "M" + " L".join(outline) + " Z"
    return f'<path d="{d}" fill="{_colour(index)}" fill-opacity="{BAND_OPACITY}" stroke="none"/>'


# Percent days abstinent -----------------------------------------------------------------


def pda_svg(
    months: Sequence[str],
    series: Sequence[PdaSeries],
    *,
    chart_id: str = "pda",
    title: str = "Percent days abstinent by month",
    frame: Frame = FRAME,
) -> SafeString:
    """One line per series over the month labels; a month without an observed day is a gap."""
    for s in series:
        if len(s.percents) != len(months):
            raise ValueError(f"{s.label}: {len(s.percents)} values for {len(months)} months.")
    height = frame.height + LEGEND_ROW * len(series)
    step = frame.plot_width / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return frame.left + (i * step if len(months) > 1 else frame.plot_width / 2)

    def y(percent: float) -> float:
        return frame.top + frame.plot_height * (1 - percent / 100)

    parts = [_open(chart_id, frame, height, title, _pda_desc(months, series))]
    parts += _percent_axis(frame, "Days abstinent")
    every = max(1, -(-len(months) // 12))  # at most about 12 labels
    parts += [
        f'<text x="{_n(x(i))}" y="{frame.plot_bottom + 16}" text-anchor="middle" font-size="11" '
        f'fill="{AXIS}">{escape(label)}</text>'
        for i, label in enumerate(months)
        if i % every == 0
    ]
    for index, s in enumerate(series):
        for run in _runs(s.percents):
            if len(run) > 1:
                line = " ".join(f"{_n(x(i))},{_n(y(v))}" for i, v in run)
                parts.append(
                    f'<polyline points="{line}" fill="none" stroke="{_colour(index)}" '
                    f'stroke-width="2"{_dash(index)}/>'
                )
        parts += [
            f'<circle cx="{_n(x(i))}" cy="{_n(y(v))}" r="3.5" fill="{_colour(index)}">'
            f"<title>{escape(s.label)}, {escape(months[i])}: {v:.0f} %</title></circle>"
            for i, v in enumerate(s.percents)
            if v is not None
        ]
    parts += _legend(frame, [s.label for s in series], frame.height)
    return _close(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive observed months, so a gap is not drawn as a line through it."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((i, v))
    return [r for r in runs if r]


def _pda_desc(months: Sequence[str], series: Sequence[PdaSeries]) -> str:
    if not months or not series:
        return "Percent days abstinent: no observed days."
    text = "; ".join(
        f"{s.label}: "
        + ", ".join(
            f"{m} {'no data' if v is None else f'{v:.0f} %'}"
            for m, v in zip(months, s.percents, strict=True)
        )
        for s in series
    )
    return f"Percent days abstinent per month (days without data are not counted). {text}."


# Craving before and after ---------------------------------------------------------------


def craving_svg(
    rows: Sequence[tuple[str, CravingSummary]],
    *,
    chart_id: str = "craving",
    title: str = "Craving before and after infusions",
    scale_max: float = 10,
    frame: Frame = CRAVING_FRAME,
) -> SafeString:
    """A paired dot per row: mean craving before (hollow) and after (filled) on 0 to
    `scale_max`, joined by a line, with the mean difference and its 95 % interval at right."""
    row_height = 32
    height = frame.top + row_height * max(len(rows), 1) + 48

    def x(value: float) -> float:
        return frame.left + value / scale_max * frame.plot_width

    parts = [_open(chart_id, frame, height, title, _craving_desc(rows))]
    bottom = frame.top + row_height * max(len(rows), 1)
    for tick in range(0, int(scale_max) + 1, 2):
        parts.append(
            f'<line x1="{_n(x(tick))}" y1="{frame.top}" x2="{_n(x(tick))}" y2="{bottom}" '
            f'stroke="{GRID}"/><text x="{_n(x(tick))}" y="{bottom + 16}" text-anchor="middle" '
            f'font-size="11" fill="{AXIS}">{tick}</text>'
        )
    for index, (label, s) in enumerate(rows):
        y = frame.top + row_height * index + row_height / 2
        parts.append(
            f'<text x="{frame.left - 10}" y="{_n(y + 4)}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(label)} (n={s.n})</text>'
            f'<line x1="{_n(x(s.mean_before))}" y1="{_n(y)}" x2="{_n(x(s.mean_after))}" '
            f'y2="{_n(y)}" stroke="{AXIS}" stroke-width="2"/>'
            f'<circle cx="{_n(x(s.mean_before))}" cy="{_n(y)}" r="6" fill="#ffffff" '
            f'stroke="{BEFORE}" stroke-width="3"><title>{escape(label)}: before '
            f"{s.mean_before:.1f}</title></circle>"
            f'<circle cx="{_n(x(s.mean_after))}" cy="{_n(y)}" r="6" fill="{AFTER}">'
            f"<title>{escape(label)}: after {s.mean_after:.1f}</title></circle>"
            f'<text x="{frame.left + frame.plot_width + 12}" y="{_n(y + 4)}" font-size="12" '
            f'fill="{INK}">{escape(_difference(s))}</text>'
        )
    parts.append(
        f'<text x="{frame.left}" y="{bottom + 36}" font-size="12" fill="{INK}">'
        f"Hollow orange: mean before. Filled blue: mean after (0 to {scale_max:g}).</text>"
    )
    return _close(parts)


def _difference(s: CravingSummary) -> str:
    return f"{s.mean_difference:+.1f} (95 % CI {s.ci_lower:+.1f} to {s.ci_upper:+.1f})"


def _craving_desc(rows: Sequence[tuple[str, CravingSummary]]) -> str:
    if not rows:
        return "Craving before and after infusions: no patient has both."
    text = "; ".join(
        f"{label}: {s.n} patients, mean {s.mean_before:.1f} before and {s.mean_after:.1f} "
        f"after, difference {_difference(s)}"
        for label, s in rows
    )
    return f"Mean craving before and after infusions. {text}."


# CSV ------------------------------------------------------------------------------------


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _f(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


KM_CSV_HEADER = (
    "group", "dropout_counts_as_relapse", "time_days", "at_risk", "events", "censored",
    "survival", "ci_lower_95", "ci_upper_95",
)  # fmt: skip
COX_CSV_HEADER = (
    "covariate", "label", "per", "hazard_ratio", "ci_lower_95", "ci_upper_95",
    "hazard_ratio_per_unit", "ci_lower_95_per_unit", "ci_upper_95_per_unit", "p_value",
    "n_patients", "n_relapses", "n_excluded_missing", "concordance", "reading",
)  # fmt: skip


def km_csv(curves: Sequence[KmCurve]) -> str:
    """Every step of every curve: the numbers behind `km_svg`."""
    return _csv(
        KM_CSV_HEADER,
        (
            (c.group, "yes" if c.dropout_as_relapse else "no", f"{p.time_days:g}", p.at_risk,
             p.events, p.censored, _f(p.survival), _f(p.ci_lower), _f(p.ci_upper))
            for c in curves
            for p in c.points
        ),
    )  # fmt: skip


def cox_csv(result: CoxResult) -> str:
    """One row per covariate (hazard ratios per step and per unit), then the caution."""
    rows: list[Sequence[object]] = [
        (r.spec.name, r.spec.label, f"{r.spec.unit_step:g}", _f(r.step_hazard_ratio),
         _f(r.step_ci_lower), _f(r.step_ci_upper), _f(r.hazard_ratio), _f(r.ci_lower),
         _f(r.ci_upper), _f(r.p_value), result.n_subjects, result.n_events, result.n_excluded,
         _f(result.concordance), plain_english(r))
        for r in result.rows
    ]  # fmt: skip
    rows += [(), ("Caution", result.caution)]
    rows += [("Warning", w) for w in result.warnings]
    return _csv(COX_CSV_HEADER, rows)


def pda_csv(months: Sequence[str], series: Sequence[PdaSeries]) -> str:
    return _csv(
        ("series", "month", "percent_days_abstinent"),
        ((s.label, m, _f(v)) for s in series for m, v in zip(months, s.percents, strict=True)),
    )


def craving_csv(rows: Sequence[tuple[str, CravingSummary]]) -> str:
    return _csv(
        ("group", "n", "mean_before", "mean_after", "mean_difference", "ci_lower_95",
         "ci_upper_95", "p_value"),
        ((label, s.n, _f(s.mean_before), _f(s.mean_after), _f(s.mean_difference),
          _f(s.ci_lower), _f(s.ci_upper), _f(s.p_value)) for label, s in rows),
    )  # fmt: skip

"""Score trajectories: one server-rendered SVG per instrument (no JavaScript, no CDN).

The SVG uses presentation attributes (fill=, stroke=), never style attributes, because the
Content-Security-Policy forbids inline styles. Flags, both from issue 4 item 6:
- response: a score at least 50 % below the patient's first (baseline) score on that
  instrument; applied to sum-scored instruments, where a lower total means fewer
  symptoms, less use or less craving (not MEQ-30, not the C-SSRS screener);
- remission: PHQ-9 total below 5 (the top of DOMAIN.md section 3's "minimal" band is 4).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ketaclinic.core.svg import Frame
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import QuestionnaireResponse

RESPONSE_FRACTION = Decimal("0.5")  # issue 4 item 6: a 50 % drop from baseline
REMISSION_BELOW = {"phq9": Decimal(5)}  # issue 4 item 6: PHQ-9 below 5
FIRST = ("phq9", "gad7", "craving")  # shown first on the chart; the rest by code
# Light fills from the lowest band (green) to the highest (red).
BAND_FILLS = ("#dcfae6", "#fef7c3", "#fef0c7", "#fee4e2", "#fecdca")
LINE = "#1d2939"
AXIS = "#667085"
INFUSION = "#6941c6"
IMPROVED = "#067647"


FRAME = Frame(width=620, height=200, left=40, right=20, top=10, bottom=30)


@dataclass(frozen=True)
class Point:
    on: dt.date
    value: Decimal
    improved: bool = False  # response or remission reached at this point


@dataclass(frozen=True)
class Shade:
    low: Decimal
    high: Decimal
    label: str


@dataclass(frozen=True)
class Trajectory:
    code: str
    title: str
    points: list[Point]
    response: bool | None  # None: the flag does not apply to this instrument
    first_response_on: dt.date | None
    remission: bool | None
    svg: SafeString

    @property
    def baseline(self) -> Point:
        return self.points[0]

    @property
    def latest(self) -> Point:
        return self.points[-1]


def response_reached(*, baseline: Decimal, value: Decimal) -> bool:
    """At least a 50 % drop from a baseline above zero."""
    return baseline > 0 and value <= baseline * RESPONSE_FRACTION


def remission_reached(*, code: str, value: Decimal) -> bool | None:
    below = REMISSION_BELOW.get(code)
    return None if below is None else value < below


def y_max_for(definition: scoring.InstrumentDefinition) -> Decimal:
    """The highest possible total: the top of the chart."""
    if definition.method == "mean":
        return Decimal(definition.items[0].max_points)
    if definition.method == "highest_positive":
        return Decimal(max(item.number for item in definition.items))
    return Decimal(sum(item.max_points for item in definition.items))


def band_shades(bands: Sequence[scoring.Band], y_max: Decimal) -> list[Shade]:
    """Bands as continuous ranges: each reaches up to where the next one starts."""
    shades = []
    for index, band in enumerate(bands):
        high = Decimal(bands[index + 1].min) if index + 1 < len(bands) else y_max
        shades.append(Shade(low=Decimal(band.min), high=high, label=band.label))
    return shades


def _n(value: float) -> str:
    return f"{value:.1f}"


class _Scale:
    def __init__(self, frame: Frame, days: Sequence[dt.date], y_max: Decimal) -> None:
        self.frame, self.y_max = frame, y_max
        self.start = min(days)
        self.span = (max(days) - self.start).days

    def x(self, on: dt.date) -> float:
        f = self.frame
        if self.span == 0:
            return f.left + f.plot_width / 2
        return f.left + (on - self.start).days / self.span * f.plot_width

    def y(self, value: Decimal) -> float:
        f = self.frame
        return f.top + f.plot_height * (1 - float(value / self.y_max))


def trajectory_svg(
    *,
    code: str,
    title: str,
    points: Sequence[Point],
    y_max: Decimal,
    shades: Sequence[Shade] = (),
    infusion_dates: Sequence[dt.date] = (),
    frame: Frame = FRAME,
) -> SafeString:
    """An accessible inline SVG of one instrument's scores over time."""
    scale = _Scale(frame, [p.on for p in points] + list(infusion_dates), y_max)
    base = f"trajectory-{escape(code)}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'class="trajectory" role="img" aria-labelledby="{base}-title {base}-desc">',
        f'<title id="{base}-title">{escape(title)} over time</title>',
        f'<desc id="{base}-desc">{escape(_describe(title, points))}</desc>',
    ]
    parts += _shades(scale, shades)
    parts += _axes(scale, points, shades)
    parts += [
        f'<line x1="{_n(scale.x(on))}" y1="{frame.top}" x2="{_n(scale.x(on))}" '
        f'y2="{frame.top + frame.plot_height}" stroke="{INFUSION}" stroke-dasharray="4 3">'
        f"<title>Infusion {on:%Y-%m-%d}</title></line>"
        for on in sorted(infusion_dates)
    ]
    coords = [(scale.x(p.on), scale.y(p.value)) for p in points]
    if len(coords) > 1:
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    parts += [
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="{IMPROVED if p.improved else LINE}">'
        f"<title>{p.on:%Y-%m-%d}: {_value(p.value)}</title></circle>"
        for p, (x, y) in zip(points, coords, strict=True)
    ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every interpolated text is escaped above


def _shades(scale: _Scale, shades: Sequence[Shade]) -> list[str]:
    f = scale.frame
    rects = []
    for index, shade in enumerate(shades):
        fill = BAND_FILLS[round(index * (len(BAND_FILLS) - 1) / max(len(shades) - 1, 1))]
        top, bottom = scale.y(shade.high), scale.y(shade.low)
        rects.append(
            f'<rect x="{f.left}" y="{_n(top)}" width="{f.plot_width}" '
            f'height="{_n(bottom - top)}" fill="{fill}"><title>{escape(shade.label)}</title></rect>'
        )
    return rects


def _axes(scale: _Scale, points: Sequence[Point], shades: Sequence[Shade]) -> list[str]:
    f = scale.frame
    bottom = f.top + f.plot_height
    parts = [
        f'<line x1="{f.left}" y1="{bottom}" x2="{f.left + f.plot_width}" y2="{bottom}" '
        f'stroke="{AXIS}"/>',
        f'<line x1="{f.left}" y1="{f.top}" x2="{f.left}" y2="{bottom}" stroke="{AXIS}"/>',
    ]
    ticks = sorted({Decimal(0), scale.y_max, *(s.low for s in shades)})
    parts += [
        f'<text x="{f.left - 6}" y="{_n(scale.y(v) + 4)}" text-anchor="end" font-size="11" '
        f'fill="{AXIS}">{_value(v)}</text>'
        for v in ticks
    ]
    days = sorted({points[0].on, points[-1].on})
    anchors = ["start", "end"] if len(days) == 2 else ["middle"]
    parts += [
        f'<text x="{_n(scale.x(on))}" y="{bottom + 18}" text-anchor="{anchor}" font-size="11" '
        f'fill="{AXIS}">{on:%Y-%m-%d}</text>'
        for on, anchor in zip(days, anchors, strict=True)
    ]
    return parts


def _value(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def _describe(title: str, points: Sequence[Point]) -> str:
    first, last = points[0], points[-1]
    scores = ", ".join(_value(p.value) for p in points)
    return (
        f"{title}: {len(points)} score(s) from {first.on:%Y-%m-%d} to {last.on:%Y-%m-%d}: {scores}."
    )


def patient_trajectories(
    *,
    patient: Patient,
    responses: Iterable[QuestionnaireResponse],
    infusion_dates: Sequence[dt.date] = (),
) -> list[Trajectory]:
    """One trajectory per instrument the patient has answered; superseded responses are left
    out (their corrections stand in for them). `responses` come from `response_list`."""
    zone = zoneinfo.ZoneInfo(patient.site.time_zone)
    by_code: dict[str, list[QuestionnaireResponse]] = defaultdict(list)
    for response in responses:
        if not getattr(response, "is_superseded", False):
            by_code[response.instrument.code].append(response)
    order = sorted(by_code, key=lambda c: (FIRST.index(c) if c in FIRST else len(FIRST), c))
    return [
        _trajectory(
            patient,
            sorted(by_code[code], key=lambda r: (r.completed_at, r.pk)),
            zone,
            infusion_dates,
        )
        for code in order
    ]


def _trajectory(
    patient: Patient,
    responses: list[QuestionnaireResponse],
    zone: zoneinfo.ZoneInfo,
    infusion_dates: Sequence[dt.date],
) -> Trajectory:
    definition = responses[-1].instrument.parsed
    baseline = responses[0].total
    # Response applies where a lower total is better: sum-scored instruments.
    applies = definition.method == "sum"
    points = []
    for response in responses:
        responded = applies and response_reached(baseline=baseline, value=response.total)
        remitted = remission_reached(code=definition.code, value=response.total)
        points.append(
            Point(
                on=response.completed_at.astimezone(zone).date(),
                value=response.total,
                improved=bool(responded or remitted),
            )
        )
    y_max = y_max_for(definition)
    shades = band_shades(scoring.bands_for(definition, {"sex": patient.sex}), y_max)
    first_response = next(
        (
            p.on
            for p in points[1:]
            if applies and response_reached(baseline=baseline, value=p.value)
        ),
        None,
    )
    return Trajectory(
        code=definition.code,
        title=definition.title,
        points=points,
        response=response_reached(baseline=baseline, value=points[-1].value) if applies else None,
        first_response_on=first_response,
        remission=remission_reached(code=definition.code, value=points[-1].value),
        svg=trajectory_svg(
            code=definition.code,
            title=definition.title,
            points=points,
            y_max=y_max,
            shades=shades,
            infusion_dates=infusion_dates,
        ),
    )

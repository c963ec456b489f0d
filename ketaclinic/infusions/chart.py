"""The vitals chart of one infusion as inline SVG geometry (no JavaScript chart library).

BP, heart rate and SpO2 share one axis (0-220: mmHg, /min and %). The thresholds of the
alert rules in force during the infusion are dashed lines; start, pauses, restarts, the
end, adverse events and alerts are marked as vertical lines. The template draws it and a
table of the same readings follows it for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from ketaclinic.infusions.models import AlertParameter, VitalsPhase
from ketaclinic.infusions.selectors.pages import Flowsheet
from ketaclinic.infusions.selectors.state import effective_rules

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 30
Y_MAX = 220
SERIES = (("sbp", "Systolic BP"), ("dbp", "Diastolic BP"), ("hr", "Heart rate"), ("spo2", "SpO2"))
CHARTED = {AlertParameter.SBP, AlertParameter.DBP, AlertParameter.HR, AlertParameter.SPO2}


@dataclass
class Series:
    key: str
    label: str
    points: str
    dots: list[tuple[float, float, int]]


@dataclass
class Mark:
    position: float
    label: str
    kind: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    series: list[Series] = field(default_factory=list)
    thresholds: list[Mark] = field(default_factory=list)
    events: list[Mark] = field(default_factory=list)
    y_ticks: list[Mark] = field(default_factory=list)
    x_ticks: list[Mark] = field(default_factory=list)
    empty: bool = True
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM


def _span(fs: Flowsheet) -> tuple[dt.datetime, dt.datetime]:
    infusion = fs.infusion
    moments = [entry.measured_at for entry in fs.vitals]
    moments += [m for m in (infusion.started_at, infusion.ended_at) if m is not None]
    if infusion.started_at and not infusion.ended_at:
        moments.append(fs.now)
    first, last = min(moments), max(moments)
    return first, max(last, first + dt.timedelta(minutes=60))


def vitals_chart(fs: Flowsheet) -> Chart:
    chart = Chart()
    if not fs.vitals:
        return chart
    chart.empty = False
    first, last = _span(fs)
    seconds = (last - first).total_seconds()

    def x(moment: dt.datetime) -> float:
        share = (moment - first).total_seconds() / seconds
        return round(LEFT + share * (chart.plot_right - LEFT), 1)

    def y(value: float) -> float:
        share = min(max(value, 0), Y_MAX) / Y_MAX
        return round(chart.plot_bottom - share * (chart.plot_bottom - TOP), 1)

    for key, label in SERIES:
        dots = [
            (x(e.measured_at), y(getattr(e, key)), getattr(e, key))
            for e in fs.vitals
            if getattr(e, key) is not None
        ]
        points = " ".join(f"{dx},{dy}" for dx, dy, _ in dots)
        chart.series.append(Series(key=key, label=label, points=points, dots=dots))
    moment = fs.infusion.started_at or fs.now
    rules = effective_rules(site=fs.infusion.site, phase=VitalsPhase.INTRA, at=moment)
    seen: set[tuple[str, str]] = set()
    for rule in rules.filter(parameter__in=CHARTED).order_by("parameter", "value"):
        drawn = (rule.parameter, str(rule.value))
        if drawn in seen:
            continue
        seen.add(drawn)
        name = AlertParameter(rule.parameter).label.split(" (")[0]
        chart.thresholds.append(
            Mark(y(float(rule.value)), f"{name} {rule.value.normalize():f}", rule.parameter)
        )
    _events(fs, chart, x)
    chart.y_ticks = [Mark(y(v), str(v), "tick") for v in range(0, Y_MAX + 1, 40)]
    step = max(10, int(seconds // 60 // 6 // 10 * 10) or 10)
    tick = first
    while tick <= last:
        chart.x_ticks.append(Mark(x(tick), f"{timezone.localtime(tick):%H:%M}", "tick"))
        tick += dt.timedelta(minutes=step)
    return chart


def _events(fs: Flowsheet, chart: Chart, x: Callable[[dt.datetime], float]) -> None:
    for event in fs.events:
        chart.events.append(Mark(x(event.occurred_at), event.get_kind_display(), event.kind))
    for adverse in fs.adverse_events:
        chart.events.append(Mark(x(adverse.onset_at), adverse.get_kind_display(), "adverse"))
    for alert in fs.alerts:
        if alert.reading_voided:
            continue  # the reading does not count, nor does its alert mark
        chart.events.append(Mark(x(alert.raised_at), f"Alert: {alert.rule.describe()}", "alert"))

"""The clinician's recovery timeline: infusions, integrations, check-ins, lapses, relapses
and questionnaire scores on one time axis, as server-rendered SVG (like
questionnaires/trajectory.py: presentation attributes only, every text escaped, no script).

Reads a patient already loaded through `recovery_patient_get` (site-scoped and audited).
The number of queries depends on the number of addiction targets, not on the days shown.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.recovery.models import EventKind, RecoveryEvent, TargetOutcome
from ketaclinic.recovery.rules import percent_days_abstinent
from ketaclinic.recovery.selectors import CalendarDay, abstinence_calendar, active_targets
from ketaclinic.therapy.models import IntegrationSession

DAY_FILLS = {
    "abstinent": "#12b76a",
    "used": "#d92d20",
    "conflict": "#f79009",
    "unknown": "#eaecf0",
}
AXIS = "#667085"
INFUSION = "#6941c6"
INTEGRATION = "#1570ef"
RELAPSE = "#912018"
SCORE_LINES = ("#1d2939", "#0e9384", "#c11574", "#b54708", "#3538cd")
WIDTH, LEFT, RIGHT, ROW, GAP, SCORES = 760, 150, 12, 18, 8, 90


@dataclass(frozen=True)
class TargetRow:
    target: AddictionTarget
    days: list[CalendarDay]
    lapses: list[dt.date]
    relapses: list[dt.date]
    outcome: TargetOutcome | None

    @property
    def percent_days_abstinent(self) -> Decimal | None:
        return percent_days_abstinent(self.outcome) if self.outcome else None

    def days_to(self, day: dt.date | None) -> int | None:
        start = self.outcome.start_day if self.outcome else None
        return (day - start).days if day is not None and start is not None else None

    @property
    def days_to_first_lapse(self) -> int | None:
        return self.days_to(self.outcome.first_lapse_day if self.outcome else None)

    @property
    def days_to_relapse(self) -> int | None:
        return self.days_to(self.outcome.relapse_day if self.outcome else None)


@dataclass(frozen=True)
class ScoreSeries:
    code: str
    title: str
    points: list[tuple[dt.date, Decimal, Decimal]]  # day, total, percent of max


@dataclass(frozen=True)
class RecoveryTimeline:
    patient: Patient
    start: dt.date
    end: dt.date
    infusions: list[tuple[dt.date, int]]
    integrations: list[dt.date]
    rows: list[TargetRow]
    scores: list[ScoreSeries]
    events: list[RecoveryEvent]
    svg: SafeString


def timeline_get(*, patient: Patient, start: dt.date, end: dt.date) -> RecoveryTimeline:
    zone = zoneinfo.ZoneInfo(patient.site.time_zone)

    def local(moment: dt.datetime) -> dt.date:
        return moment.astimezone(zone).date()

    infusions = [
        (local(i.started_at), i.session_number)
        for i in Infusion.objects.filter(patient=patient, started_at__isnull=False)
        .exclude(status=InfusionStatus.CANCELLED)
        .order_by("started_at")
        if i.started_at is not None and start <= local(i.started_at) <= end
    ]
    integrations = [
        local(s.held_at)
        for s in IntegrationSession.objects.filter(course__patient=patient, held_at__isnull=False)
        if s.held_at is not None and start <= local(s.held_at) <= end
    ]
    events = list(
        RecoveryEvent.objects.filter(patient=patient, is_current=True, day__gte=start, day__lte=end)
        .select_related("target")
        .prefetch_related("notes")
        .order_by("day", "kind", "pk")
    )
    outcomes = {o.target_id: o for o in TargetOutcome.objects.filter(patient=patient)}
    rows = [
        TargetRow(
            target=t,
            days=abstinence_calendar(target=t, start=start, end=end),
            lapses=[e.day for e in events if e.target_id == t.pk and e.kind == EventKind.LAPSE],
            relapses=[e.day for e in events if e.target_id == t.pk and e.kind == EventKind.RELAPSE],
            outcome=outcomes.get(t.pk),
        )
        for t in active_targets(patient)
    ]
    scores = _scores(patient, start, end, zone)
    svg = timeline_svg(
        start=start,
        end=end,
        infusions=infusions,
        integrations=integrations,
        rows=rows,
        scores=scores,
    )
    return RecoveryTimeline(patient, start, end, infusions, integrations, rows, scores, events, svg)


def _scores(
    patient: Patient, start: dt.date, end: dt.date, zone: zoneinfo.ZoneInfo
) -> list[ScoreSeries]:
    by_code: dict[str, list[tuple[dt.date, Decimal, Decimal]]] = defaultdict(list)
    titles: dict[str, str] = {}
    responses = (
        QuestionnaireResponse.objects.filter(patient=patient, corrections__isnull=True)
        .select_related("instrument")
        .order_by("completed_at", "pk")
    )
    for r in responses:
        day = r.completed_at.astimezone(zone).date()
        if start <= day <= end:
            by_code[r.instrument.code].append((day, r.total, r.total_percent_of_max or Decimal(0)))
            titles[r.instrument.code] = r.instrument.title
    return [ScoreSeries(code, titles[code], points) for code, points in sorted(by_code.items())]


# --- SVG -------------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:.1f}"


class _X:
    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start = start
        self.days = (end - start).days + 1
        self.step = (WIDTH - LEFT - RIGHT) / self.days

    def left(self, day: dt.date) -> float:
        return LEFT + (day - self.start).days * self.step

    def mid(self, day: dt.date) -> float:
        return self.left(day) + self.step / 2


def timeline_svg(
    *,
    start: dt.date,
    end: dt.date,
    infusions: list[tuple[dt.date, int]],
    integrations: list[dt.date],
    rows: list[TargetRow],
    scores: list[ScoreSeries],
) -> SafeString:
    x = _X(start, end)
    lanes = 2 + len(rows)
    top_scores = GAP + lanes * (ROW + GAP)
    height = top_scores + (SCORES + GAP if scores else 0) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        'class="recovery-timeline" role="img" aria-labelledby="rt-title rt-desc">',
        '<title id="rt-title">Recovery timeline</title>',
        f'<desc id="rt-desc">{escape(_describe(start, end, infusions, rows))}</desc>',
    ]
    y = GAP
    parts.append(_label(y, "Infusions"))
    parts += [
        f'<circle cx="{_n(x.mid(d))}" cy="{y + ROW / 2}" r="6" fill="{INFUSION}">'
        f"<title>Infusion {n} on {d:%Y-%m-%d}</title></circle>"
        for d, n in infusions
    ]
    y += ROW + GAP
    parts.append(_label(y, "Integrations"))
    parts += [
        f'<rect x="{_n(x.mid(d) - 5)}" y="{y + 4}" width="10" height="10" fill="{INTEGRATION}">'
        f"<title>Integration session on {d:%Y-%m-%d}</title></rect>"
        for d in integrations
    ]
    for row in rows:
        y += ROW + GAP
        parts.append(_label(y, row.target.display_name))
        parts += _strip(x, y, row)
    if scores:
        parts += _score_panel(x, top_scores, scores)
    bottom = height - 8
    parts += [
        f'<text x="{LEFT}" y="{bottom}" font-size="11" fill="{AXIS}">{start:%Y-%m-%d}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{bottom}" font-size="11" fill="{AXIS}" '
        f'text-anchor="end">{end:%Y-%m-%d}</text>',
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308  # every interpolated text is escaped


def _label(y: float, text: str) -> str:
    return (
        f'<text x="{LEFT - 8}" y="{_n(y + ROW - 5)}" font-size="12" text-anchor="end" '
        f'fill="{AXIS}">{escape(text[:22])}</text>'
    )


def _strip(x: _X, y: float, row: TargetRow) -> list[str]:
    width = _n(max(x.step - (1 if x.step > 3 else 0), 0.5))
    parts = [
        f'<rect x="{_n(x.left(d.day))}" y="{y}" width="{width}" height="{ROW}" '
        f'fill="{DAY_FILLS[d.status]}"><title>{d.day:%Y-%m-%d}: {d.status}'
        f"{_amount(d.quantity) if d.status in ('used', 'conflict') else ''}</title></rect>"
        for d in row.days
    ]
    parts += [
        f'<path d="M{_n(x.mid(d) - 5)},{_n(y - 7)} L{_n(x.mid(d) + 5)},{_n(y - 7)} '
        f'L{_n(x.mid(d))},{_n(y - 1)} Z" fill="{AXIS}"><title>Lapse on {d:%Y-%m-%d}</title></path>'
        for d in row.lapses
    ]
    parts += [
        f'<line x1="{_n(x.mid(d))}" y1="{_n(y - 8)}" x2="{_n(x.mid(d))}" y2="{_n(y + ROW + 4)}" '
        f'stroke="{RELAPSE}" stroke-width="3"><title>Relapse on {d:%Y-%m-%d}</title></line>'
        for d in row.relapses
    ]
    return parts


def _amount(quantity: Decimal | None) -> str:
    return f", {quantity.normalize():f}" if quantity is not None else ", amount unknown"


def _score_panel(x: _X, top: float, scores: list[ScoreSeries]) -> list[str]:
    bottom = top + SCORES
    parts = [
        _label(top + SCORES / 2 - ROW / 2, "Scores (% of max)"),
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="{AXIS}"/>',
        f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}" stroke="{AXIS}"/>',
    ]
    for index, series in enumerate(scores):
        colour = SCORE_LINES[index % len(SCORE_LINES)]
        coords = [
            (x.mid(day), bottom - float(percent) / 100 * SCORES, day, total)
            for day, total, percent in series.points
        ]
        if len(coords) > 1:
            line = " ".join(f"{_n(cx)},{_n(cy)}" for cx, cy, _d, _t in coords)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts += [
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="3" fill="{colour}"><title>'
            f"{escape(series.title)} {day:%Y-%m-%d}: {total.normalize():f}</title></circle>"
            for cx, cy, day, total in coords
        ]
    return parts


def _describe(
    start: dt.date, end: dt.date, infusions: list[tuple[dt.date, int]], rows: list[TargetRow]
) -> str:
    parts = [f"From {start:%Y-%m-%d} to {end:%Y-%m-%d}: {len(infusions)} infusion(s)."]
    for row in rows:
        counts: dict[str, int] = defaultdict(int)
        for d in row.days:
            counts[d.status] += 1
        parts.append(
            f"{row.target.display_name}: {counts['abstinent']} abstinent, {counts['used']} used, "
            f"{counts['conflict']} conflicting, {counts['unknown']} unknown day(s); "
            f"{len(row.lapses)} lapse(s), {len(row.relapses)} relapse(s)."
        )
    return " ".join(parts)

"""The course timeline: one server-rendered inline SVG (issue 5 item 9), no JavaScript.

x is the date at the patient's site. Three lanes of markers (preparation notes, infusions,
integration sessions) and, beneath, craving and PHQ-9 totals over the same dates, each drawn
as a share of its scale's maximum (craving 0-10, PHQ-9 0-27; DOMAIN.md section 3). The SVG
uses presentation attributes only (the Content-Security-Policy forbids inline styles) and
carries <title> and <desc>; the page shows the same events as a table for screen readers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ketaclinic.courses.selectors import CourseOverview
from ketaclinic.questionnaires.models import QuestionnaireResponse

# Instruments plotted, with their scale maximum (DOMAIN.md section 3).
SCORES: dict[str, tuple[str, Decimal, str]] = {
    "craving": ("Craving (0-10)", Decimal(10), "#b54708"),
    "phq9": ("PHQ-9 total (0-27)", Decimal(27), "#1570ef"),
}
# Scores from this long before the planned start are shown as the baseline.
BASELINE_DAYS = 30

WIDTH, LEFT, RIGHT = 720, 110, 20
LANES = {"preparation": 30, "infusion": 65, "integration": 100}
SCORE_TOP, SCORE_BOTTOM, HEIGHT = 130, 230, 260
AXIS, GRID, MUTED = "#667085", "#eaecf0", "#98a2b3"
FILL = {
    "signed": "#067647",
    "draft": "#ffffff",
    "overdue": "#b42318",
    "due": "#fdb022",
    "running": "#fdb022",
    "paused": "#f04438",
    "ended": "#fdb022",
    "discharged": "#12b76a",
    "scheduled": "#ffffff",
    "cancelled": "#d0d5dd",
    "planned": "#ffffff",
}


@dataclass(frozen=True)
class Event:
    on: dt.date
    lane: str  # preparation | infusion | integration | score
    label: str
    state: str  # a key of FILL, or the instrument code for a score
    value: Decimal | None = None


@dataclass(frozen=True)
class Timeline:
    events: list[Event]
    svg: SafeString


def _events(overview: CourseOverview, zone: zoneinfo.ZoneInfo) -> list[Event]:
    def day(moment: dt.datetime) -> dt.date:
        return moment.astimezone(zone).date()

    events = [
        Event(day(p.held_at), "preparation", "Preparation note", p.status)
        for p in overview.preparations
    ]
    for row in overview.infusions:
        infusion = row.infusion
        events.append(
            Event(
                day(infusion.started_at or infusion.scheduled_at),
                "infusion",
                f"Infusion {infusion.session_number}: {infusion.get_status_display().lower()}",
                infusion.status,
            )
        )
        if row.integration is not None:
            session = row.integration
            state = (
                "signed"
                if session.status == "signed"
                else ("overdue" if row.integration_overdue else "due")
            )
            events.append(
                Event(
                    day(session.held_at or session.due_at),
                    "integration",
                    f"Integration after infusion {infusion.session_number}: {state}",
                    state,
                )
            )
    events.extend(
        Event(session.on, "infusion", f"Infusion {session.number}: planned", "planned")
        for session in overview.sessions
        if session.infusion is None and session.on is not None
    )
    return events


def _scores(overview: CourseOverview, zone: zoneinfo.ZoneInfo) -> list[Event]:
    since = overview.course.planned_start - dt.timedelta(days=BASELINE_DAYS)
    responses = (
        QuestionnaireResponse.objects.filter(
            patient_id=overview.course.patient_id,
            instrument__code__in=SCORES,
            completed_at__date__gte=since,
        )
        .with_superseded()
        .select_related("instrument")
        .order_by("completed_at", "id")
    )
    return [
        Event(
            r.completed_at.astimezone(zone).date(),
            "score",
            f"{SCORES[r.instrument.code][0]}: {r.total.normalize():f}",
            r.instrument.code,
            r.total,
        )
        for r in responses
        if not getattr(r, "is_superseded", False)
    ]


def course_timeline(*, overview: CourseOverview) -> Timeline:
    zone = zoneinfo.ZoneInfo(overview.course.patient.site.time_zone)
    events = sorted(_events(overview, zone) + _scores(overview, zone), key=lambda e: (e.on, e.lane))
    today = overview.now.astimezone(zone).date()
    return Timeline(events=events, svg=_svg(overview, events, today))


def _range(
    overview: CourseOverview, events: list[Event], today: dt.date
) -> tuple[dt.date, dt.date]:
    dates = [e.on for e in events] + [overview.course.planned_start]
    dates += [s.on for s in overview.sessions if s.on is not None]
    # Today is shown unless the course ended long ago (it would squash the course to a corner).
    start, end = min(dates), max([*dates, min(today, max(dates) + dt.timedelta(days=14))])
    if (end - start).days < 7:
        end = start + dt.timedelta(days=7)
    return start, end


def _x(on: dt.date, start: dt.date, end: dt.date) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (on - start).days / max((end - start).days, 1)


def _marker(event: Event, x: float) -> str:
    y = LANES[event.lane]
    fill = FILL.get(event.state, "#ffffff")
    title = f"<title>{escape(event.on.isoformat())}: {escape(event.label)}</title>"
    dash = ' stroke-dasharray="3 2"' if event.state == "planned" else ""
    if event.lane == "preparation":
        points = f"{x:.1f},{y - 8} {x + 8:.1f},{y} {x:.1f},{y + 8} {x - 8:.1f},{y}"
        return f'<polygon points="{points}" fill="{fill}" stroke="#53389e">{title}</polygon>'
    if event.lane == "integration":
        return (
            f'<rect x="{x - 7:.1f}" y="{y - 7}" width="14" height="14" fill="{fill}" '
            f'stroke="#344054">{title}</rect>'
        )
    return (
        f'<circle cx="{x:.1f}" cy="{y}" r="8" fill="{fill}" stroke="#344054"{dash}>{title}</circle>'
    )


def _score_lines(events: list[Event], start: dt.date, end: dt.date) -> list[str]:
    parts: list[str] = []
    for code, (_label, maximum, colour) in SCORES.items():
        points = [
            (
                _x(e.on, start, end),
                SCORE_BOTTOM - float(e.value / maximum) * (SCORE_BOTTOM - SCORE_TOP),
                e,
            )
            for e in events
            if e.lane == "score" and e.state == code and e.value is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        parts.extend(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
            f"<title>{escape(e.on.isoformat())}: {escape(e.label)}</title></circle>"
            for x, y, e in points
        )
    return parts


def _axes(start: dt.date, end: dt.date, today: dt.date) -> list[str]:
    parts = [
        f'<text x="8" y="{y + 4}" font-size="12" fill="{AXIS}">{label}</text>'
        for label, y in (
            ("Preparation", LANES["preparation"]),
            ("Infusions", LANES["infusion"]),
            ("Integration", LANES["integration"]),
            ("Scores", (SCORE_TOP + SCORE_BOTTOM) // 2),
        )
    ]
    parts.append(
        f'<text x="8" y="{(SCORE_TOP + SCORE_BOTTOM) // 2 + 16}" font-size="10" '
        f'fill="{MUTED}">% of scale max</text>'
    )
    parts += [
        f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID}"/>'
        for y in (SCORE_TOP, SCORE_BOTTOM)
    ]
    span = max((end - start).days, 1)
    step = max(1, round(span / 6))
    for offset in range(0, span + 1, step):
        on = start + dt.timedelta(days=offset)
        x = _x(on, start, end)
        parts.append(
            f'<line x1="{x:.1f}" y1="15" x2="{x:.1f}" y2="{SCORE_BOTTOM}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{SCORE_BOTTOM + 16}" font-size="11" fill="{AXIS}" '
            f'text-anchor="middle">{on:%b %d}</text>'
        )
    if start <= today <= end:
        x = _x(today, start, end)
        parts.append(
            f'<line x1="{x:.1f}" y1="12" x2="{x:.1f}" y2="{SCORE_BOTTOM}" stroke="#6941c6" '
            'stroke-dasharray="4 3"><title>Today</title></line>'
        )
    return parts


def _svg(overview: CourseOverview, events: list[Event], today: dt.date) -> SafeString:
    start, end = _range(overview, events, today)
    course = overview.course
    counts = {
        lane: sum(e.lane == lane for e in events)
        for lane in ("preparation", "infusion", "integration", "score")
    }
    desc = (
        f"From {start:%Y-%m-%d} to {end:%Y-%m-%d}: {counts['preparation']} preparation note(s), "
        f"{counts['infusion']} infusion(s) done or planned, {counts['integration']} integration "
        f"session(s), {counts['score']} craving or PHQ-9 score(s). The table below lists each."
    )
    ident = f"course-{course.pk}-timeline"
    body = "".join(
        _axes(start, end, today)
        + [_marker(e, _x(e.on, start, end)) for e in events if e.lane != "score"]
        + _score_lines(events, start, end)
    )
    header = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" '
        'class="course-timeline" aria-labelledby="{}-title {}-desc">'
        '<title id="{}-title">Course timeline: {}</title><desc id="{}-desc">{}</desc>',
        WIDTH,
        HEIGHT,
        ident,
        ident,
        ident,
        str(course.protocol_version),
        ident,
        desc,
    )
    return mark_safe(f"{header}{body}</svg>")  # noqa: S308  # every text above is escaped

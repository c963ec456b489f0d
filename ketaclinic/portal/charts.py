"""The patient's own pictures as server-rendered inline SVG (no JavaScript, no CDN).

Like `questionnaires.trajectory`, the SVG uses presentation attributes (fill=, stroke=) and
never style attributes: the Content-Security-Policy forbids inline styles. Every picture
carries a <title> and a <desc> with the numbers in words; the pages add a text table.

The abstinence calendar never draws an unknown day as abstinent (issue 7 item 2): a day
without a record is grey with a question mark, and each status also has its own symbol, so
the calendar reads without colour.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ketaclinic.core.svg import Frame

AXIS = "#667085"
LINE = "#1d2939"
INFUSION = "#6941c6"
THRESHOLD = "#b54708"
BAR = "#6172f3"
BAR_COMPLETE = "#067647"


@dataclass(frozen=True)
class StatusStyle:
    label: str
    fill: str
    ink: str
    symbol: str


# Status names as `recovery.selectors.abstinence_calendar` reports them.
STATUS_STYLES = {
    "abstinent": StatusStyle("Did not use", "#dcfae6", "#054f31", "✓"),
    "used": StatusStyle("Used", "#fecdca", "#7a271a", "✗"),
    "conflict": StatusStyle("Sources disagree", "#fef0c7", "#7a2e0e", "!"),
    "unknown": StatusStyle("No check-in", "#f2f4f7", "#475467", "?"),
}
LEGEND_ORDER = ("abstinent", "used", "unknown", "conflict")
WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")  # US calendars start on Sunday
CELL = 44
HEADER = 22


def _n(value: float) -> str:
    return f"{value:.1f}"


def _svg_open(*, base: str, width: int, height: int, css: str, title: str, desc: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="{css}" role="img" aria-labelledby="{base}-title {base}-desc">'
        f'<title id="{base}-title">{escape(title)}</title>'
        f'<desc id="{base}-desc">{escape(desc)}</desc>'
    )


# How an amount reads after its number ("3 standard drinks"); RecoveryUnit's labels are
# written for a form, not for a sentence.
UNIT_SHORT = {
    "standard_drinks": "standard drinks",
    "grams_ethanol": "g of ethanol",
    "use_episodes": "use episodes",
    "money_usd": "USD",
    "minutes": "minutes",
    "binge_episodes": "binge episodes",
}


def unit_short(unit: str) -> str:
    return UNIT_SHORT.get(unit, unit)


def quantity_text(quantity: Decimal | None) -> str:
    if quantity is None:
        return ""
    return f"{quantity.normalize():f}"  # 10.00 -> "10", 1.50 -> "1.5"


# --- Abstinence calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarCell:
    day: dt.date
    status: str
    quantity: Decimal | None

    @property
    def style(self) -> StatusStyle:
        return STATUS_STYLES.get(self.status, STATUS_STYLES["unknown"])


def month_days(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month `month` falls in."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def calendar_svg(
    *, key: str, title: str, cells: Sequence[CalendarCell], unit: str, today: dt.date
) -> SafeString:
    """One month as a grid of days, Sunday first; days after `today` are left blank."""
    first = cells[0].day
    offset = (first.weekday() + 1) % 7  # Monday is 0 in Python; Sunday starts the row here
    rows = (offset + len(cells) + 6) // 7
    width, height = CELL * 7, HEADER + CELL * rows
    base = f"calendar-{escape(key)}"
    parts = [
        _svg_open(
            base=base,
            width=width,
            height=height,
            css="abstinence-calendar",
            title=title,
            desc=calendar_summary(cells, today=today),
        )
    ]
    parts += [
        f'<text x="{CELL * i + CELL // 2}" y="15" text-anchor="middle" font-size="11" '
        f'fill="{AXIS}">{name}</text>'
        for i, name in enumerate(WEEKDAYS)
    ]
    for index, cell in enumerate(cells):
        column, row = (offset + index) % 7, (offset + index) // 7
        x, y = CELL * column, HEADER + CELL * row
        parts.append(_cell(cell, x, y, unit, future=cell.day > today, today=cell.day == today))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every interpolated text is escaped


def _cell(cell: CalendarCell, x: int, y: int, unit: str, *, future: bool, today: bool) -> str:
    day = cell.day.isoformat()
    if future:
        return (
            f'<g data-day="{day}" data-status="future"><rect x="{x + 2}" y="{y + 2}" '
            f'width="{CELL - 4}" height="{CELL - 4}" rx="6" fill="#ffffff" stroke="#eaecf0"/>'
            f'<text x="{x + CELL // 2}" y="{y + 18}" text-anchor="middle" font-size="12" '
            f'fill="#98a2b3">{cell.day.day}</text></g>'
        )
    style = cell.style
    label = f"{cell.day:%A, %B} {cell.day.day}: {style.label}"
    if cell.status == "used" and cell.quantity is not None:
        label += f" ({quantity_text(cell.quantity)} {unit})"
    stroke = f' stroke="{LINE}" stroke-width="2"' if today else ""
    return (
        f'<g data-day="{day}" data-status="{escape(cell.status)}"><title>{escape(label)}</title>'
        f'<rect x="{x + 2}" y="{y + 2}" width="{CELL - 4}" height="{CELL - 4}" rx="6" '
        f'fill="{style.fill}"{stroke}/>'
        f'<text x="{x + CELL // 2}" y="{y + 18}" text-anchor="middle" font-size="12" '
        f'fill="{style.ink}">{cell.day.day}</text>'
        f'<text x="{x + CELL // 2}" y="{y + 35}" text-anchor="middle" font-size="13" '
        f'fill="{style.ink}" aria-hidden="true">{style.symbol}</text></g>'
    )


def calendar_counts(cells: Sequence[CalendarCell], *, today: dt.date) -> dict[str, int]:
    counts = dict.fromkeys(LEGEND_ORDER, 0)
    for cell in cells:
        if cell.day <= today:
            counts[cell.status if cell.status in counts else "unknown"] += 1
    return counts


def calendar_summary(cells: Sequence[CalendarCell], *, today: dt.date) -> str:
    counts = calendar_counts(cells, today=today)
    first, last = cells[0].day, cells[-1].day
    parts = [
        f"{counts[status]} day{'s' if counts[status] != 1 else ''} "
        f"{STATUS_STYLES[status].label.lower()}"
        for status in LEGEND_ORDER
        if counts[status] or status != "conflict"
    ]
    return f"{first:%B %Y} ({first.day} to {last.day}): " + ", ".join(parts) + "."


# --- Craving trend ----------------------------------------------------------------------------


FRAME = Frame(width=360, height=180, left=30, right=10, top=10, bottom=28)


def craving_svg(
    *,
    key: str,
    title: str,
    points: Sequence[tuple[dt.date, Decimal]],
    start: dt.date,
    end: dt.date,
    infusion_days: Sequence[dt.date] = (),
    frame: Frame = FRAME,
) -> SafeString:
    """Craving 0-10 per day from `start` to `end`; days without a check-in leave a gap."""
    span = max((end - start).days, 1)

    def x(on: dt.date) -> float:
        return frame.left + (on - start).days / span * frame.plot_width

    def y(value: Decimal) -> float:
        return frame.top + frame.plot_height * (1 - float(value) / 10)

    base = f"craving-{escape(key)}"
    bottom = frame.top + frame.plot_height
    parts = [
        _svg_open(
            base=base,
            width=frame.width,
            height=frame.height,
            css="portal-chart",
            title=title,
            desc=craving_summary(points, start=start, end=end),
        ),
        f'<line x1="{frame.left}" y1="{bottom}" x2="{frame.left + frame.plot_width}" '
        f'y2="{bottom}" stroke="{AXIS}"/>',
        f'<line x1="{frame.left}" y1="{frame.top}" x2="{frame.left}" y2="{bottom}" '
        f'stroke="{AXIS}"/>',
    ]
    parts += [
        f'<text x="{frame.left - 5}" y="{_n(y(Decimal(v)) + 4)}" text-anchor="end" '
        f'font-size="11" fill="{AXIS}">{v}</text>'
        for v in (0, 5, 10)
    ]
    parts += [
        f'<text x="{_n(x(on))}" y="{bottom + 18}" text-anchor="{anchor}" font-size="11" '
        f'fill="{AXIS}">{on:%b} {on.day}</text>'
        for on, anchor in ((start, "start"), (end, "end"))
    ]
    parts += [
        f'<line x1="{_n(x(on))}" y1="{frame.top}" x2="{_n(x(on))}" y2="{bottom}" '
        f'stroke="{INFUSION}" stroke-dasharray="4 3"><title>Infusion {on:%B} {on.day}</title>'
        f"</line>"
        for on in sorted(infusion_days)
        if start <= on <= end
    ]
    for run in _runs(sorted(points)):
        if len(run) > 1:
            line = " ".join(f"{_n(x(on))},{_n(y(v))}" for on, v in run)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>'
            )
    parts += [
        f'<circle cx="{_n(x(on))}" cy="{_n(y(v))}" r="3" fill="{LINE}">'
        f"<title>{on:%B} {on.day}: craving {quantity_text(v)}</title></circle>"
        for on, v in sorted(points)
    ]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every interpolated text is escaped


def _runs(points: list[tuple[dt.date, Decimal]]) -> list[list[tuple[dt.date, Decimal]]]:
    """Consecutive days joined by a line; a missed day breaks it (unknown is not a value)."""
    runs: list[list[tuple[dt.date, Decimal]]] = []
    for on, value in points:
        if runs and (on - runs[-1][-1][0]).days == 1:
            runs[-1].append((on, value))
        else:
            runs.append([(on, value)])
    return runs


def craving_summary(
    points: Sequence[tuple[dt.date, Decimal]], *, start: dt.date, end: dt.date
) -> str:
    period = f"{start:%B} {start.day} to {end:%B} {end.day}"
    if not points:
        return f"No craving recorded from {period}."
    ordered = sorted(points)
    last_on, last_value = ordered[-1]
    average = sum((v for _on, v in ordered), Decimal(0)) / len(ordered)
    return (
        f"Craving from {period}: {len(ordered)} day{'s' if len(ordered) != 1 else ''} recorded, "
        f"average {average:.1f} out of 10, latest {quantity_text(last_value)} on "
        f"{last_on:%B} {last_on.day}."
    )


# --- MEQ-30 per infusion ----------------------------------------------------------------------


@dataclass(frozen=True)
class MeqBar:
    label: str  # "Session 2"
    on: dt.date
    percent: Decimal  # total as % of the maximum
    complete: bool  # complete mystical experience


def meq_svg(*, bars: Sequence[MeqBar], complete_at: int = 60, frame: Frame = FRAME) -> SafeString:
    """One bar per infusion: the MEQ-30 total as a percentage of its maximum."""
    slot = frame.plot_width / max(len(bars), 1)
    bottom = frame.top + frame.plot_height

    def y(percent: Decimal | int) -> float:
        return frame.top + frame.plot_height * (1 - float(percent) / 100)

    parts = [
        _svg_open(
            base="meq-history",
            width=frame.width,
            height=frame.height,
            css="portal-chart",
            title="Mystical experience (MEQ-30) after each infusion",
            desc=meq_summary(bars),
        ),
        f'<line x1="{frame.left}" y1="{bottom}" x2="{frame.left + frame.plot_width}" '
        f'y2="{bottom}" stroke="{AXIS}"/>',
    ]
    parts += [
        f'<text x="{frame.left - 5}" y="{_n(y(v) + 4)}" text-anchor="end" font-size="11" '
        f'fill="{AXIS}">{v}%</text>'
        for v in (0, 50, 100)
    ]
    for index, bar in enumerate(bars):
        left = frame.left + slot * index + slot * 0.2
        top = y(bar.percent)
        fill = BAR_COMPLETE if bar.complete else BAR
        parts.append(
            f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(slot * 0.6)}" '
            f'height="{_n(bottom - top)}" fill="{fill}"><title>{escape(bar.label)}, '
            f"{bar.on:%B} {bar.on.day}: {bar.percent:.0f}%</title></rect>"
            f'<text x="{_n(left + slot * 0.3)}" y="{bottom + 16}" text-anchor="middle" '
            f'font-size="11" fill="{AXIS}">{index + 1}</text>'
        )
    parts.append(
        f'<line x1="{frame.left}" y1="{_n(y(complete_at))}" x2="{frame.left + frame.plot_width}" '
        f'y2="{_n(y(complete_at))}" stroke="{THRESHOLD}" stroke-dasharray="5 4">'
        f"<title>{complete_at}%</title></line>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every interpolated text is escaped


def meq_summary(bars: Sequence[MeqBar]) -> str:
    if not bars:
        return "No MEQ-30 answered after an infusion yet."
    listed = "; ".join(
        f"{bar.label} ({bar.on:%B} {bar.on.day}): {bar.percent:.0f}%"
        + (", complete mystical experience" if bar.complete else "")
        for bar in bars
    )
    return f"MEQ-30 total as a percentage of the maximum after each infusion: {listed}."

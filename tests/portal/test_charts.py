"""The SVG pictures on their own: what each cell and point says, and nothing unescaped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ketaclinic.portal import charts

MARCH = [dt.date(2026, 3, day) for day in range(1, 32)]


def _cells(statuses: dict[int, tuple[str, Decimal | None]]) -> list[charts.CalendarCell]:
    return [charts.CalendarCell(day, *statuses.get(day.day, ("unknown", None))) for day in MARCH]


def test_the_month_grid_starts_on_sunday_and_leaves_the_future_blank():
    """March 2026 starts on a Sunday: day 1 is in the first column; days after today are
    drawn without a status."""
    svg = charts.calendar_svg(
        key="7", title="Alcohol: March 2026", cells=_cells({}), unit="standard drinks",
        today=dt.date(2026, 3, 10),
    )  # fmt: skip

    assert '<g data-day="2026-03-01" data-status="unknown"><title>Sunday, March 1: No ' in svg
    assert '<rect x="2" y="24"' in svg
    assert '<g data-day="2026-03-11" data-status="future">' in svg
    assert 'viewBox="0 0 308 242"' in svg  # 5 weeks of 44 px under a 22 px header


def test_each_status_has_its_own_symbol_and_the_text_counts_only_past_days():
    cells = _cells({2: ("abstinent", Decimal(0)), 3: ("used", Decimal("2.50"))})

    svg = charts.calendar_svg(
        key="7", title="Alcohol <March>", cells=cells, unit="standard drinks",
        today=dt.date(2026, 3, 4),
    )  # fmt: skip

    assert "<title>Tuesday, March 3: Used (2.5 standard drinks)</title>" in svg
    assert 'fill="#054f31" aria-hidden="true">✓</text>' in svg
    assert 'fill="#7a271a" aria-hidden="true">✗</text>' in svg
    assert "Alcohol &lt;March&gt;" in svg
    assert (
        '<desc id="calendar-7-desc">March 2026 (1 to 31): 1 day did not use, 1 day used, '
        "2 days no check-in.</desc>"
    ) in svg


def test_craving_lines_break_on_a_missed_day():
    """Days 1-2 are joined; day 4 follows a missed day 3 and stands alone."""
    points = [
        (dt.date(2026, 3, 1), Decimal(4)),
        (dt.date(2026, 3, 2), Decimal(6)),
        (dt.date(2026, 3, 4), Decimal(2)),
    ]

    svg = charts.craving_svg(
        key="7", title="Craving", points=points, start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 11), infusion_days=[dt.date(2026, 3, 3)],
    )  # fmt: skip

    assert svg.count("<polyline") == 1
    assert svg.count("<circle") == 3
    assert "<title>Infusion March 3</title>" in svg
    assert (
        "Craving from March 1 to March 11: 3 days recorded, average 4.0 out of 10, latest 2 "
        "on March 4."
    ) in svg


def test_meq_bars_mark_a_complete_mystical_experience():
    bars = [
        charts.MeqBar("Infusion 1", dt.date(2026, 3, 1), Decimal("72.5"), complete=True),
        charts.MeqBar("Infusion 2", dt.date(2026, 3, 8), Decimal("40"), complete=False),
    ]

    svg = charts.meq_svg(bars=bars)

    assert svg.count('fill="#067647"><title>Infusion 1') == 1
    assert svg.count('fill="#6172f3"><title>Infusion 2') == 1
    assert (
        "Infusion 1 (March 1): 72%, complete mystical experience; Infusion 2 (March 8): 40%."
    ) in svg


def test_amounts_read_without_trailing_zeros():
    assert [charts.quantity_text(Decimal(v)) for v in ("10.00", "1.50", "0.25")] == [
        "10",
        "1.5",
        "0.25",
    ]

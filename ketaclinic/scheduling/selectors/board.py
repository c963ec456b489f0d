"""The chair board's layout: every active chair of the site in the calendar's order, today's
infusions placed by their chair's name, so an empty chair shows as free."""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.accounts.models import Site
from ketaclinic.infusions.selectors.pages import BoardRow
from ketaclinic.scheduling.models import Resource, ResourceKind


@dataclass(frozen=True)
class BoardSlot:
    chair: str
    row: BoardRow | None  # None: nothing in this chair today


def chair_board_layout(*, site: Site, rows: list[BoardRow]) -> list[BoardSlot]:
    """One slot per infusion under its chair, one empty slot per free chair; infusions in a
    chair the calendar does not know (or none) come last, as the board listed them."""
    chairs = list(
        Resource.objects.filter(site=site, kind=ResourceKind.CHAIR, is_active=True)
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
    )
    by_chair: dict[str, list[BoardRow]] = {name.lower(): [] for name in chairs}
    unplaced: list[BoardRow] = []
    for row in rows:
        key = row.infusion.chair.strip().lower()
        by_chair.get(key, unplaced).append(row)
    slots: list[BoardSlot] = []
    for name in chairs:
        placed = by_chair[name.lower()]
        slots += [BoardSlot(name, row) for row in placed] or [BoardSlot(name, None)]
    return slots + [BoardSlot(row.infusion.chair, row) for row in unplaced]

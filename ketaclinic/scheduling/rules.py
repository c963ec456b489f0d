"""The calendar's rules as plain functions: who may carry how many appointments at once,
whether a weekly window covers a span, and how far apart a course's infusions fall.

The booking service and the slot finder both use these, so a slot that is offered is a slot
the service accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ketaclinic.scheduling.models import HoldRole

# How many appointments one holder may carry at the same moment, per role (judgement calls,
# written down here so they are easy to change):
# - a chair or a room seats one patient;
# - a clinician seeing a patient (evaluation, preparation, integration, follow-up) sees one;
# - a nurse may watch two infusion chairs side by side (ketamine infusions are monitored
#   continuously but not one-to-one in most clinics); a third overlapping infusion is refused;
# - the supervising physician must be on site, not at the bedside: supervision is not
#   exclusive (one physician may supervise every chair and still see patients in a room),
#   so it is checked against availability only. `None` means no limit.
CAPACITY: dict[str, int | None] = {
    HoldRole.CHAIR: 1,
    HoldRole.ROOM: 1,
    HoldRole.CLINICIAN: 1,
    HoldRole.NURSE: 2,
    HoldRole.PHYSICIAN: None,
}


class Span(Protocol):
    @property
    def starts_at(self) -> dt.datetime: ...
    @property
    def ends_at(self) -> dt.datetime: ...


class RoleSpan(Span, Protocol):
    @property
    def role(self) -> str: ...


H = TypeVar("H", bound=RoleSpan)
S = TypeVar("S", bound=Span)


def overlaps(span: Span, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    return span.starts_at < ends_at and span.ends_at > starts_at


def _peak(spans: Sequence[Span], starts_at: dt.datetime, ends_at: dt.datetime) -> int:
    """The most of `spans` running at one moment within [starts_at, ends_at)."""
    events: list[tuple[dt.datetime, int]] = []
    for span in spans:
        events.append((max(span.starts_at, starts_at), 1))
        events.append((min(span.ends_at, ends_at), -1))
    events.sort(key=lambda event: (event[0], event[1]))  # an end before a start at one moment
    peak = running = 0
    for _moment, step in events:
        running += step
        peak = max(peak, running)
    return peak


def staff_conflict(
    role: str, holds: Iterable[H], starts_at: dt.datetime, ends_at: dt.datetime
) -> H | None:
    """The hold that stops one staff member taking `role` for the span, or None.

    `holds` are the member's active holds; supervision holds never block anything."""
    if CAPACITY[role] is None:
        return None
    busy = [
        hold
        for hold in holds
        if overlaps(hold, starts_at, ends_at) and CAPACITY[hold.role] is not None
    ]
    exclusive = [hold for hold in busy if hold.role != HoldRole.NURSE]
    if role != HoldRole.NURSE:
        return busy[0] if busy else None
    if exclusive:
        return exclusive[0]
    limit = CAPACITY[HoldRole.NURSE] or 0
    return busy[0] if _peak(busy, starts_at, ends_at) >= limit else None


def resource_conflict(holds: Iterable[S], starts_at: dt.datetime, ends_at: dt.datetime) -> S | None:
    return next((hold for hold in holds if overlaps(hold, starts_at, ends_at)), None)


@dataclass(frozen=True)
class Window:
    opens_at: dt.time
    closes_at: dt.time


def covers(windows: Iterable[Window], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether one weekly window covers the local span (which must fall on one day)."""
    if end.date() != start.date():
        return False
    return any(w.opens_at <= start.time() and end.time() <= w.closes_at for w in windows)


# --- Spacing between a course's infusions ----------------------------------------------------


def spacing_tolerance_days(spacing_days: int) -> int:
    """How many days early or late a session may fall around its protocol spacing: a day for
    a weekly protocol, four for a monthly one (judgement call: the library gives one spacing
    in days, not a range; clinics move a session by a day or two for holidays)."""
    return max(1, spacing_days // 7)


@dataclass(frozen=True)
class SpacingWindow:
    """The days on which the next infusion of a course fits the protocol's spacing."""

    previous_on: dt.date | None  # the previous (not cancelled) infusion's day
    earliest: dt.date | None  # None: no earlier limit (first session)
    target: dt.date | None  # the protocol's day, when it gives a spacing
    latest: dt.date | None  # None: no later limit (offered, not enforced)
    spacing_days: int

    def describe(self) -> str:
        if self.previous_on is None:
            return "First session: no spacing to respect."
        if self.target is None:
            return (
                f"The protocol sets no spacing: any day after the previous infusion "
                f"({self.previous_on:%a %d %b})."
            )
        return (
            f"Every {self.spacing_days} days: due {self.target:%a %d %b} "
            f"(from {self.earliest:%a %d %b} to {self.latest:%a %d %b})."
        )


def spacing_window(*, previous_on: dt.date | None, spacing_days: int) -> SpacingWindow:
    if previous_on is None:
        return SpacingWindow(None, None, None, None, spacing_days)
    if spacing_days == 0:
        return SpacingWindow(previous_on, previous_on + dt.timedelta(days=1), None, None, 0)
    tolerance = dt.timedelta(days=spacing_tolerance_days(spacing_days))
    target = previous_on + dt.timedelta(days=spacing_days)
    earliest = max(previous_on + dt.timedelta(days=1), target - tolerance)
    return SpacingWindow(previous_on, earliest, target, target + tolerance, spacing_days)

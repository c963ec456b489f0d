"""The patient's own recovery pages: the day's check-in form, progress and scores.

Every reader resolves the patient from the login (`account_patient`), so a page can only
ever show the signed-in patient's own record, and writes one read audit row per page.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.portal import charts
from ketaclinic.portal.selectors import active_targets, own_patient_read, patient_today
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.questionnaires.selectors import response_list
from ketaclinic.questionnaires.trajectory import Trajectory, patient_trajectories
from ketaclinic.recovery.models import DailyRecord
from ketaclinic.recovery.selectors import (
    Streak,
    abstinence_calendar,
    checkin_form_state,
    craving_series,
    streaks,
)

CRAVING_DAYS = 90
MEQ_CODE = "meq30"
COMPLETE_MYSTICAL = "complete_mystical_experience"
# Not drawn for the patient: the suicide-risk screener is a safety check for the care team,
# not a progress measure; MEQ-30 has its own chart per infusion below.
NOT_TRAJECTORIES = frozenset({"cssrs_screen", MEQ_CODE})


# --- The check-in form ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinPage:
    patient: Patient
    day: dt.date
    targets: list[AddictionTarget]
    records: dict[int, DailyRecord]  # today's self-reports by target id

    @property
    def editing(self) -> bool:
        return bool(self.records)


def checkin_page_get(*, user: User) -> CheckinPage:
    """Today's check-in for each active target, prefilled with what was sent today."""
    patient = own_patient_read(user=user, page="portal_checkin")
    day = patient_today(patient=patient)
    targets = active_targets(patient=patient)
    records = checkin_form_state(patient=patient, day=day) if targets else {}
    return CheckinPage(patient=patient, day=day, targets=targets, records=dict(records))


# --- Progress: calendars and craving ----------------------------------------------------------


@dataclass(frozen=True)
class TargetProgress:
    target: AddictionTarget
    streak: Streak | None
    cells: list[charts.CalendarCell]
    svg: SafeString
    counts: dict[str, int]
    craving_points: list[tuple[dt.date, Decimal]]
    craving_svg: SafeString

    @property
    def unit(self) -> str:
        return charts.unit_short(self.target.unit)

    @property
    def used_cells(self) -> list[charts.CalendarCell]:
        return [c for c in self.cells if c.status == "used"]


@dataclass(frozen=True)
class ProgressPage:
    patient: Patient
    today: dt.date
    month: dt.date  # the first day of the month shown
    previous_month: dt.date
    next_month: dt.date | None  # None: the month shown is the current one
    targets: list[TargetProgress]
    craving_start: dt.date


def progress_get(*, user: User, month: dt.date | None = None) -> ProgressPage:
    """Streaks and a month's abstinence calendar per target, and the last 90 days' craving."""
    patient = own_patient_read(user=user, page="portal_progress")
    today = patient_today(patient=patient)
    if month is not None and month > today:
        message = "That month has not started yet: choose this month or earlier."
        raise ApplicationError(message, field_errors={"month": [message]})
    first, last = charts.month_days(month or today)
    targets = active_targets(patient=patient)
    by_target = streaks(patient=patient, today=today) if targets else {}
    start = today - dt.timedelta(days=CRAVING_DAYS - 1)
    craving = _craving_by_target(patient, start, today) if targets else {}
    infusion_days = _infusion_days(patient) if targets else []
    progress = [
        _target_progress(
            target,
            by_target.get(target.pk),
            Window(first=first, last=last, today=today, craving_start=start),
            craving.get(target.pk, []),
            infusion_days,
        )
        for target in targets
    ]
    return ProgressPage(
        patient=patient,
        today=today,
        month=first,
        previous_month=(first - dt.timedelta(days=1)).replace(day=1),
        next_month=None if last >= today else last + dt.timedelta(days=1),
        targets=progress,
        craving_start=start,
    )


@dataclass(frozen=True)
class Window:
    first: dt.date  # the month shown
    last: dt.date
    today: dt.date
    craving_start: dt.date


def _target_progress(
    target: AddictionTarget,
    streak: Streak | None,
    window: Window,
    craving: list[tuple[dt.date, Decimal]],
    infusion_days: list[dt.date],
) -> TargetProgress:
    days = abstinence_calendar(target=target, start=window.first, end=window.last)
    cells = [charts.CalendarCell(day=d.day, status=d.status, quantity=d.quantity) for d in days]
    return TargetProgress(
        target=target,
        streak=streak,
        cells=cells,
        svg=charts.calendar_svg(
            key=str(target.pk),
            title=f"{target.display_name}: {window.first:%B %Y}",
            cells=cells,
            unit=charts.unit_short(target.unit),
            today=window.today,
        ),
        counts=charts.calendar_counts(cells, today=window.today),
        craving_points=craving,
        craving_svg=charts.craving_svg(
            key=str(target.pk),
            title=f"{target.display_name}: craving over the last {CRAVING_DAYS} days",
            points=craving,
            start=window.craving_start,
            end=window.today,
            infusion_days=infusion_days,
        ),
    )


def _craving_by_target(
    patient: Patient, start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, Decimal]]]:
    """One query for every target's craving points."""
    by_target: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for point in craving_series(patient=patient, start=start, end=end):
        by_target[point.target_id].append((point.day, Decimal(point.craving)))
    return by_target


def _infusion_days(patient: Patient) -> list[dt.date]:
    zone = zoneinfo.ZoneInfo(patient.site.time_zone)
    started = (
        Infusion.objects.filter(patient=patient, started_at__isnull=False)
        .exclude(status=InfusionStatus.CANCELLED)
        .values_list("started_at", flat=True)
    )
    return [moment.astimezone(zone).date() for moment in started if moment is not None]


# --- Scores: questionnaire trajectories and MEQ-30 per infusion -------------------------------


@dataclass(frozen=True)
class MeqRow:
    number: int  # 1 for the patient's first infusion, across every course
    on: dt.date
    response: QuestionnaireResponse | None

    @property
    def percent(self) -> Decimal | None:
        return None if self.response is None else self.response.total_percent_of_max

    @property
    def complete(self) -> bool:
        return self.response is not None and COMPLETE_MYSTICAL in (self.response.flags or [])


@dataclass(frozen=True)
class ScoresPage:
    patient: Patient
    trajectories: list[Trajectory]
    meq_rows: list[MeqRow]
    meq_svg: SafeString | None


def scores_get(*, user: User) -> ScoresPage:
    """The patient's questionnaire scores over time, and their MEQ-30 after each infusion."""
    patient = own_patient_read(user=user, page="portal_scores")
    infusions = list(
        Infusion.objects.filter(patient=patient, started_at__isnull=False)
        .exclude(status=InfusionStatus.CANCELLED)
        .order_by("started_at", "id")
    )
    zone = zoneinfo.ZoneInfo(patient.site.time_zone)
    infusion_days = [i.started_at.astimezone(zone).date() for i in infusions if i.started_at]
    # Corrections stand in for the responses they supersede (as on the staff chart).
    responses = [
        r for r in response_list(patient=patient) if not getattr(r, "is_superseded", False)
    ]
    shown = [r for r in responses if r.instrument.code not in NOT_TRAJECTORIES]
    rows = meq_rows(infusions=infusions, responses=responses, zone=zone)
    answered = [r for r in rows if r.response is not None]
    bars = [
        charts.MeqBar(
            label=f"Infusion {r.number}",
            on=r.on,
            percent=r.percent or Decimal(0),
            complete=r.complete,
        )
        for r in answered
    ]
    return ScoresPage(
        patient=patient,
        trajectories=patient_trajectories(
            patient=patient, responses=shown, infusion_dates=infusion_days
        ),
        meq_rows=rows,
        meq_svg=charts.meq_svg(bars=bars) if bars else None,
    )


def meq_rows(
    *,
    infusions: Sequence[Infusion],
    responses: Sequence[QuestionnaireResponse],
    zone: zoneinfo.ZoneInfo,
) -> list[MeqRow]:
    """Each started infusion with the first MEQ-30 completed after it began and before the
    next one began (the MEQ-30 asks about that session)."""
    meq = sorted(
        (r for r in responses if r.instrument.code == MEQ_CODE),
        key=lambda r: (r.completed_at, r.pk),
    )
    rows: list[MeqRow] = []
    for index, infusion in enumerate(infusions):
        begun = infusion.started_at
        if begun is None:
            continue
        until = infusions[index + 1].started_at if index + 1 < len(infusions) else None
        answer = next(
            (
                r
                for r in meq
                if r.completed_at >= begun and (until is None or r.completed_at < until)
            ),
            None,
        )
        rows.append(MeqRow(len(rows) + 1, begun.astimezone(zone).date(), answer))
    return rows

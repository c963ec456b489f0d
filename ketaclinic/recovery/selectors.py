"""Reads of recovery data.

Patient-facing selectors take the patient directly: the portal resolved it from the
patient's own login, so there is nothing to scope. Staff-facing selectors take the user and
go through `patients.selectors.patient_get` (site-scoped, audited; foreign ids are the same
404 as missing ones).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import not_in_chart, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.patients.selectors import patient_get
from ketaclinic.recovery import rules as engine
from ketaclinic.recovery.models import (
    DailyRecord,
    RecoveryEvent,
    RecoveryRule,
    RelapseNote,
    Source,
    TargetOutcome,
)
from ketaclinic.recovery.services.rules import recovery_rules_ensure

ABSTINENT, USED, UNKNOWN, CONFLICT = "abstinent", "used", "unknown", "conflict"


# --- Patient-facing ----------------------------------------------------------------------


def active_targets(patient: Patient) -> list[AddictionTarget]:
    return list(AddictionTarget.objects.filter(patient=patient, is_active=True).order_by("pk"))


def checkin_form_state(*, patient: Patient, day: dt.date) -> dict[int, DailyRecord]:
    """Today's self-report records by target id (the check-in form starts from these)."""
    return {
        r.target_id: r
        for r in DailyRecord.objects.filter(
            patient=patient, day=day, source=Source.SELF_REPORT, target__is_active=True
        )
    }


def checked_in_today(patient: Patient, day: dt.date) -> bool:
    """Every active target has a self-report for `day` (False when there is no target)."""
    targets = set(
        AddictionTarget.objects.filter(patient=patient, is_active=True).values_list("pk", flat=True)
    )
    return bool(targets) and targets <= set(checkin_form_state(patient=patient, day=day))


@dataclass(frozen=True)
class Streak:
    abstinent_days_in_a_row: int
    last_use_day: dt.date | None
    days_since_last_use: int | None


def _resolved(records: Iterable[DailyRecord]) -> dict[int, dict[dt.date, engine.DayStatus]]:
    by_day: dict[int, dict[dt.date, list[DailyRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        by_day[r.target_id][r.day].append(r)
    return {
        tid: {day: engine.resolve_day(rows) for day, rows in days.items()}
        for tid, days in by_day.items()
    }


def _records(**filters: object) -> QuerySet[DailyRecord]:
    return DailyRecord.objects.filter(**filters).only(
        "target_id", "day", "source", "used", "quantity"
    )


def streaks(*, patient: Patient, today: dt.date) -> dict[int, Streak]:
    """Per active target: abstinent days in a row ending today (or yesterday, when today is
    not recorded yet; an unknown day breaks the streak), and the last day of use."""
    days = _resolved(_records(patient=patient, target__is_active=True, day__lte=today))
    one = dt.timedelta(days=1)
    result = {}
    for target in active_targets(patient):
        statuses = days.get(target.pk, {})
        day = today if today in statuses else today - one
        run = 0
        while day in statuses and not statuses[day].used:
            run += 1
            day -= one
        used = [d for d, s in statuses.items() if s.used]
        last = max(used) if used else None
        result[target.pk] = Streak(
            abstinent_days_in_a_row=run,
            last_use_day=last,
            days_since_last_use=(today - last).days if last is not None else None,
        )
    return result


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    status: str  # abstinent, used, unknown or conflict (sources disagree)
    quantity: Decimal | None


def _status(s: engine.DayStatus | None) -> str:
    if s is None:
        return UNKNOWN
    if s.conflict:
        return CONFLICT
    return USED if s.used else ABSTINENT


def abstinence_calendar(
    *, target: AddictionTarget, start: dt.date, end: dt.date
) -> list[CalendarDay]:
    """Every day from start to end (inclusive), all sources resolved."""
    days = _resolved(_records(target=target, day__gte=start, day__lte=end)).get(target.pk, {})
    out = []
    day = start
    while day <= end:
        status = days.get(day)
        out.append(CalendarDay(day, _status(status), status.quantity if status else None))
        day += dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class CravingPoint:
    day: dt.date
    target_id: int
    craving: int


def craving_series(
    *,
    patient: Patient,
    target: AddictionTarget | None = None,
    start: dt.date,
    end: dt.date,
) -> list[CravingPoint]:
    """Craving (0-10) from the patient's check-ins and interviews, by day then target."""
    rows = DailyRecord.objects.filter(
        patient=patient, day__gte=start, day__lte=end, craving__isnull=False
    )
    if target is not None:
        rows = rows.filter(target=target)
    seen: dict[tuple[dt.date, int], int] = {}
    # The self-report wins over a later interview's recall for the same day.
    for row in rows.order_by("day", "target_id").only("day", "target_id", "craving", "source"):
        key = (row.day, row.target_id)
        if row.craving is not None and (key not in seen or row.source == Source.SELF_REPORT):
            seen[key] = row.craving
    return [CravingPoint(day, tid, c) for (day, tid), c in sorted(seen.items())]


# --- Staff-facing --------------------------------------------------------------------------


def recovery_patient_get(*, user: User, patient_id: int, target_type: str = "recovery") -> Patient:
    """The patient (site-scoped, read audited) for the recovery pages and endpoints."""
    return patient_get(user=user, patient_id=patient_id, target_type=target_type)


def target_in_chart(*, user: User, patient: Patient, target_id: int) -> AddictionTarget:
    target = AddictionTarget.objects.filter(patient=patient, pk=target_id).first()
    if target is None:
        raise not_in_chart(
            user=user,
            patient=patient,
            model=AddictionTarget,
            record_id=target_id,
            target_type="addiction_target",
            message="No such addiction target in this patient's chart.",
        )
    target.patient = patient
    return target


@dataclass(frozen=True)
class FollowbackDay:
    day: dt.date
    own: DailyRecord | None  # this source's record, edited in place
    others: list[DailyRecord]  # other sources, shown beside, never overwritten
    resolved: str  # abstinent, used, unknown or conflict


def followback_grid(
    *, target: AddictionTarget, source: str, start: dt.date, end: dt.date
) -> list[FollowbackDay]:
    """The follow-back calendar: per day the record of `source` and those of the others.
    Takes a target already read through `target_in_chart`."""
    by_day: dict[dt.date, list[DailyRecord]] = defaultdict(list)
    for r in DailyRecord.objects.filter(target=target, day__gte=start, day__lte=end):
        by_day[r.day].append(r)
    out = []
    day = start
    while day <= end:
        rows = by_day.get(day, [])
        own = next((r for r in rows if r.source == source), None)
        others = [r for r in rows if r.source != source]
        status = engine.resolve_day(rows) if rows else None
        out.append(FollowbackDay(day, own, others, _status(status)))
        day += dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class ChartRow:
    target: AddictionTarget
    outcome: TargetOutcome | None
    streak: Streak

    @property
    def percent_days_abstinent(self) -> Decimal | None:
        return engine.percent_days_abstinent(self.outcome) if self.outcome else None


def chart_rows(*, patient: Patient, today: dt.date) -> list[ChartRow]:
    """The chart section: per active target its outcome and streak (constant queries)."""
    outcomes = {o.target_id: o for o in TargetOutcome.objects.filter(patient=patient)}
    runs = streaks(patient=patient, today=today)
    return [
        ChartRow(target=t, outcome=outcomes.get(t.pk), streak=runs[t.pk])
        for t in active_targets(patient)
    ]


def patient_outcomes(*, patient: Patient) -> list[TargetOutcome]:
    """The outcome rows of a patient already read through `recovery_patient_get`."""
    return list(
        TargetOutcome.objects.filter(patient=patient)
        .select_related("target", "rule")
        .order_by("target_id")
    )


def patient_events(*, patient: Patient, current_only: bool = True) -> list[RecoveryEvent]:
    events = RecoveryEvent.objects.filter(patient=patient).select_related("target", "rule")
    if current_only:
        events = events.filter(is_current=True)
    return list(events.prefetch_related("notes__author").order_by("day", "kind", "pk"))


def event_get(*, user: User, event_id: int) -> RecoveryEvent:
    """A lapse or relapse event through its patient (site-scoped and audited)."""
    event = RecoveryEvent.objects.select_related("target", "rule").filter(pk=event_id).first()
    if event is None:
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type="recovery_event",
            target_id=event_id,
            outcome=Outcome.DENIED,
            detail="no such recovery_event",
        )
        raise NotFoundError("No lapse or relapse with that id at your sites.")
    try:
        event.patient = patient_get(
            user=user, patient_id=event.patient_id, target_type="recovery_event"
        )
    except NotFoundError:
        raise NotFoundError("No lapse or relapse with that id at your sites.") from None
    return event


def event_notes(*, event: RecoveryEvent) -> list[RelapseNote]:
    return list(event.notes.select_related("author").order_by("written_at", "pk"))


def rule_sites(*, user: User) -> list[Site]:
    return list(Site.objects.filter(pk__in=user.site_ids).order_by("name"))


def site_rules(*, user: User, site_id: int | None) -> tuple[Site, list[RecoveryRule]]:
    """Every rule version of one of the admin's sites (default: the first), newest version
    first per target. The example defaults are written on first sight."""
    require_perm(user=user, perm=Perm.RECOVERY_RULE_MANAGE, target_type="recovery_rule")
    sites = Site.objects.filter(pk__in=user.site_ids).order_by("name")
    site = sites.first() if site_id is None else sites.filter(pk=site_id).first()
    if site is None:
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type="recovery_rule",
            target_id=site_id or "",
            outcome=Outcome.DENIED,
            detail="site outside user's sites",
        )
        raise NotFoundError("No site with that id among your sites.")
    recovery_rules_ensure(site=site)
    rules = list(
        RecoveryRule.objects.filter(site=site)
        .select_related("created_by")
        .order_by("target", "-version")
    )
    return site, rules


def daily_records(
    *,
    patient: Patient,
    source: str = "",
    target_id: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[DailyRecord]:
    """A patient's daily records (already read through `recovery_patient_get` or the
    portal's own login), newest day first."""
    rows = DailyRecord.objects.filter(patient=patient)
    if source:
        rows = rows.filter(source=source)
    if target_id is not None:
        rows = rows.filter(target_id=target_id)
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return rows.order_by("-day", "target_id", "source")

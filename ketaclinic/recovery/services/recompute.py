"""Derive lapse and relapse events and the per-target outcome from the daily records.

Called in the same transaction as a patient's check-in or a staff follow-back save, for
every target of a kind when its rule changes, and nightly for everything
(`recompute_all`). Work is done in batches: a fixed number of queries per batch of
targets, whatever the batch size.

Events are never deleted: an event the data (or a new rule) no longer support is marked not
current with `withdrawn_at`; an event the new computation still derives is kept, with any
relapse note on it, and points at the rule in force.

`dropped_out`: the patient has a start day, no record of this target in the 30 days before
today (site time), and no completed treatment course. A patient who completed the course
and then stopped checking in is censored, not a dropout.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from ketaclinic.accounts.models import Site
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.context import request_context_get
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import AddictionTarget
from ketaclinic.recovery import rules as engine
from ketaclinic.recovery.models import (
    DailyRecord,
    EventKind,
    RecoveryEvent,
    RecoveryRule,
    Source,
    TargetBlock,
    TargetOutcome,
    block_of,
)
from ketaclinic.recovery.services._common import local_day, site_today
from ketaclinic.recovery.services.rules import recovery_rules_ensure

DROPOUT_AFTER_DAYS = 30
_OUTCOME_FIELDS = [
    "patient",
    "site",
    "target_kind",
    "rule",
    "start_day",
    "last_observed_day",
    "days_observed",
    "days_abstinent",
    "days_used",
    "heavy_days",
    "first_lapse_day",
    "relapse_day",
    "dropped_out",
    "computed_at",
]


class _Row(NamedTuple):
    source: str
    used: bool
    quantity: Decimal | None


@dataclass(frozen=True)
class Facts:
    """Everything about a batch of targets the computation needs, loaded in a few queries."""

    rules: dict[tuple[int, str], RecoveryRule]
    days: dict[int, dict[dt.date, engine.DayStatus]]
    self_reports: dict[int, list[tuple[dt.date, bool]]]  # (day, used) per target
    first_infusion: dict[int, dt.datetime]
    completed: set[int]
    outcomes: dict[int, TargetOutcome]
    events: dict[int, list[RecoveryEvent]]


def recompute_target(*, target: AddictionTarget) -> TargetOutcome:
    """Recompute one target's events and outcome (inside the caller's transaction)."""
    return recompute_targets(targets=[target])[0]


@transaction.atomic
def recompute_targets(*, targets: Sequence[AddictionTarget]) -> list[TargetOutcome]:
    loaded = list(
        AddictionTarget.objects.select_related("patient__site")
        .filter(pk__in=[t.pk for t in targets])
        .order_by("pk")
    )
    facts = _load(loaded)
    before = {tid: _values(o) for tid, o in facts.outcomes.items()}
    changes = _EventChanges(now=timezone.now())
    outcomes = [_apply(target, facts, changes) for target in loaded]
    changes.save()
    _save_outcomes(outcomes, facts, before)
    _save_blocks(outcomes, facts)
    by_target = {o.target_id: o for o in outcomes}
    return [by_target[t.pk] for t in targets]


def recompute_site_kind(*, site: Site, target_kind: str) -> int:
    """Every target of one kind at one site (after a rule change). Returns how many."""
    ids = AddictionTarget.objects.filter(patient__site=site, target=target_kind).values_list(
        "pk", flat=True
    )
    return _in_batches(list(ids), 500)


def recompute_all(*, batch_size: int = 500) -> int:
    """The nightly job: every target at every active site. Returns how many targets."""
    for site in Site.objects.filter(is_active=True):
        recovery_rules_ensure(site=site)
    ids = AddictionTarget.objects.filter(patient__site__is_active=True).values_list("pk", flat=True)
    return _in_batches(list(ids.order_by("pk")), batch_size)


def _in_batches(ids: list[int], size: int) -> int:
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        recompute_targets(targets=list(AddictionTarget.objects.filter(pk__in=chunk)))
    return len(ids)


def _load(targets: list[AddictionTarget]) -> Facts:
    target_ids = [t.pk for t in targets]
    patient_ids = {t.patient_id for t in targets}
    site_ids = {t.patient.site_id for t in targets}
    rules = _rules(targets, site_ids)
    records: dict[int, dict[dt.date, list[_Row]]] = defaultdict(lambda: defaultdict(list))
    self_reports: dict[int, list[tuple[dt.date, bool]]] = defaultdict(list)
    # Plain tuples, not model instances: a nightly batch reads a year of days per target.
    for target_id, day, source, used, quantity in DailyRecord.objects.filter(
        target_id__in=target_ids
    ).values_list("target_id", "day", "source", "used", "quantity"):
        records[target_id][day].append(_Row(source, used, quantity))
        if source == Source.SELF_REPORT:
            self_reports[target_id].append((day, used))
    days = {
        tid: {day: engine.resolve_day(rows) for day, rows in by_day.items()}
        for tid, by_day in records.items()
    }
    first_infusion = dict(
        Infusion.objects.filter(patient_id__in=patient_ids, started_at__isnull=False)
        .exclude(status=InfusionStatus.CANCELLED)
        .values("patient_id")
        .annotate(first=Min("started_at"))
        .values_list("patient_id", "first")
    )
    completed = set(
        TreatmentCourse.objects.filter(
            patient_id__in=patient_ids, status=CourseStatus.COMPLETED
        ).values_list("patient_id", flat=True)
    )
    events: dict[int, list[RecoveryEvent]] = defaultdict(list)
    for event in RecoveryEvent.objects.filter(target_id__in=target_ids, is_current=True):
        events[event.target_id].append(event)
    outcomes = {o.target_id: o for o in TargetOutcome.objects.filter(target_id__in=target_ids)}
    return Facts(rules, days, self_reports, first_infusion, completed, outcomes, events)


def _rules(
    targets: list[AddictionTarget], site_ids: set[int]
) -> dict[tuple[int, str], RecoveryRule]:
    def active() -> dict[tuple[int, str], RecoveryRule]:
        return {
            (r.site_id, r.target): r
            for r in RecoveryRule.objects.filter(site_id__in=site_ids, is_active=True)
        }

    rules = active()
    missing = {t.patient.site for t in targets if (t.patient.site_id, t.target) not in rules}
    if missing:
        for site in missing:
            recovery_rules_ensure(site=site)
        rules = active()
    return rules


def start_day_of(target: AddictionTarget, first_infusion: dt.datetime | None) -> dt.date | None:
    """Day 0: the patient's first infusion (site-local day), else the target's quit date."""
    if first_infusion is not None:
        return local_day(first_infusion, target.patient.site)
    return target.quit_date


def _apply(target: AddictionTarget, facts: Facts, changes: _EventChanges) -> TargetOutcome:
    patient = target.patient
    rule = facts.rules[(patient.site_id, target.target)]
    spec = engine.RuleSpec.of(rule)
    start = start_day_of(target, facts.first_infusion.get(patient.pk))
    all_days = facts.days.get(target.pk, {})
    days = {d: s for d, s in all_days.items() if start is None or d >= start}
    heavy = engine.heavy_days(spec, sex=patient.sex, unit=target.unit, days=days)
    found = (
        engine.classify(spec, sex=patient.sex, start_day=start, days=days, unit=target.unit)
        if start is not None
        else engine.Classification()
    )
    changes.sync(target, rule, found, facts.events.get(target.pk, []))
    last = max(days) if days else None
    today = site_today(patient.site)
    outcome = facts.outcomes.get(target.pk) or TargetOutcome(target=target)
    outcome.patient = patient
    outcome.site = patient.site
    outcome.target_kind = target.target
    outcome.rule = rule
    outcome.start_day = start
    outcome.last_observed_day = last
    outcome.days_observed = len(days)
    outcome.days_used = sum(1 for s in days.values() if s.used)
    outcome.days_abstinent = outcome.days_observed - outcome.days_used
    outcome.heavy_days = len(heavy)
    outcome.first_lapse_day = found.first_lapse_day
    outcome.relapse_day = found.relapse_day
    outcome.dropped_out = (
        start is not None
        and patient.pk not in facts.completed
        and (last is None or (today - last).days > DROPOUT_AFTER_DAYS)
    )
    outcome.computed_at = changes.now
    return outcome


@dataclass
class _EventChanges:
    """The event writes of a batch, saved in three statements (plus an audit row for each
    target whose events changed)."""

    now: dt.datetime
    updated: list[RecoveryEvent] = field(default_factory=list)
    created: list[RecoveryEvent] = field(default_factory=list)
    audits: list[tuple[AddictionTarget, str]] = field(default_factory=list)

    def sync(
        self,
        target: AddictionTarget,
        rule: RecoveryRule,
        found: engine.Classification,
        current: list[RecoveryEvent],
    ) -> None:
        wanted = {(EventKind.LAPSE.value, d) for d in found.lapse_days}
        if found.relapse_day is not None:
            wanted.add((EventKind.RELAPSE.value, found.relapse_day))
        have = {(e.kind, e.day): e for e in current}
        gone = [e for key, e in have.items() if key not in wanted]
        for event in gone:
            event.is_current = False
            event.withdrawn_at = self.now
        kept = [e for key, e in have.items() if key in wanted and e.rule_id != rule.pk]
        for event in kept:
            event.rule = rule
        new = sorted(wanted - set(have))
        self.updated += gone + kept
        self.created += [
            RecoveryEvent(
                patient_id=target.patient_id,
                target=target,
                kind=kind,
                day=day,
                rule=rule,
                detected_at=self.now,
            )
            for kind, day in new
        ]
        if gone or new:
            parts = [f"{kind} {day} derived" for kind, day in new]
            parts += [f"{e.kind} {e.day} withdrawn" for e in gone]
            self.audits.append((target, "; ".join(parts)[:300]))

    def save(self) -> None:
        if self.updated:
            RecoveryEvent.objects.bulk_update(self.updated, ["is_current", "withdrawn_at", "rule"])
        if self.created:
            RecoveryEvent.objects.bulk_create(self.created)
        if self.audits:
            # One INSERT for the batch (the nightly run may touch thousands of targets).
            context = request_context_get()
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    occurred_at=self.now,
                    actor=None,
                    actor_username="system",
                    roles="",
                    site_id=target.patient.site_id,
                    patient=target.patient,
                    action=Action.UPDATE,
                    target_type="recovery_event",
                    target_id=str(target.pk),
                    outcome=Outcome.SUCCESS,
                    client_ip=context.client_ip,
                    request_id=context.request_id,
                    detail=detail,
                )
                for target, detail in self.audits
            )


def _save_outcomes(
    outcomes: list[TargetOutcome], facts: Facts, before: dict[int, tuple[object, ...]]
) -> None:
    """Insert new rows; rewrite only the rows whose values changed (a CASE per field and row
    is slow), and stamp `computed_at` on the others in one UPDATE."""
    fresh = [o for o in outcomes if o.target_id not in facts.outcomes]
    existing = [o for o in outcomes if o.target_id in facts.outcomes]
    changed = [o for o in existing if _values(o) != before[o.target_id]]
    same = [o.pk for o in existing if _values(o) == before[o.target_id]]
    if changed:
        TargetOutcome.objects.bulk_update(changed, _OUTCOME_FIELDS)
    if same:
        TargetOutcome.objects.filter(pk__in=same).update(computed_at=outcomes[0].computed_at)
    if fresh:
        TargetOutcome.objects.bulk_create(fresh)


BLOCK_INSERT_BATCH = 5000  # rows per INSERT (4 parameters each, PostgreSQL allows 65,535)


def _save_blocks(outcomes: list[TargetOutcome], facts: Facts) -> None:
    """Replace the targets' 30-day blocks: one DELETE and one INSERT per batch of targets
    (a batch of 500 targets with a year of records has about 7,000 blocks)."""
    TargetBlock.objects.filter(target_id__in=[o.target_id for o in outcomes]).delete()
    blocks = [
        block
        for outcome in outcomes
        for block in target_blocks(outcome, facts.self_reports.get(outcome.target_id, []))
    ]
    if blocks:
        TargetBlock.objects.bulk_create(blocks, batch_size=BLOCK_INSERT_BATCH)


def target_blocks(
    outcome: TargetOutcome, self_reports: list[tuple[dt.date, bool]]
) -> list[TargetBlock]:
    """The blocks of one target (unsaved): its self-reported days and days without use per
    30-day block from the outcome's start day (none without a start day). The DailyRecord
    unique constraint makes one self-report a day."""
    if outcome.start_day is None:
        return []
    observed: dict[int, int] = defaultdict(int)
    abstinent: dict[int, int] = defaultdict(int)
    for day, used in self_reports:
        block = block_of(day, outcome.start_day)
        if block is None:
            continue
        observed[block] += 1
        abstinent[block] += 0 if used else 1
    return [
        TargetBlock(
            target_id=outcome.target_id,
            block=block,
            days_observed=observed[block],
            days_abstinent=abstinent[block],
        )
        for block in sorted(observed)
    ]


def _values(outcome: TargetOutcome) -> tuple[object, ...]:
    return tuple(
        getattr(outcome, f"{name}_id" if name in ("patient", "site", "rule") else name)
        for name in _OUTCOME_FIELDS
        if name != "computed_at"
    )

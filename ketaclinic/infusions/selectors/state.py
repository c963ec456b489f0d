"""Derived state of one infusion that services and pages share.

The infusion passed in was loaded through a scoped, audited selector or by a service that
checked access; these readers add no audit row of their own.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import Site
from ketaclinic.infusions.models import (
    AlertAction,
    AlertEvent,
    AlertRule,
    ChecklistEntry,
    ChecklistItem,
    Infusion,
    InfusionEvent,
    InfusionEventKind,
    RecoveryScore,
    VitalsEntry,
    VitalsPhase,
)


def checklist_latest(*, infusion: Infusion) -> dict[str, ChecklistEntry]:
    """The entry that counts for each item: the latest one recorded."""
    latest: dict[str, ChecklistEntry] = {}
    entries = ChecklistEntry.objects.filter(infusion=infusion).select_related("recorded_by")
    for entry in entries.order_by("recorded_at", "id"):
        latest[entry.item] = entry
    return latest


def entry_condition_confirmed(*, infusion: Infusion) -> bool:
    entry = (
        ChecklistEntry.objects.filter(infusion=infusion, item=ChecklistItem.ENTRY_CONDITION)
        .order_by("-recorded_at", "-id")
        .first()
    )
    return entry is not None and entry.confirmed


def phase_at(*, infusion: Infusion, moment: dt.datetime) -> VitalsPhase:
    """Before the start, during the infusion (paused included), or after it ended."""
    if infusion.started_at is None or moment < infusion.started_at:
        return VitalsPhase.PRE
    if infusion.ended_at is not None and moment >= infusion.ended_at:
        return VitalsPhase.POST
    return VitalsPhase.INTRA


def effective_rules(*, site: Site, phase: str, at: dt.datetime) -> QuerySet[AlertRule]:
    """The rules in force at `at` for `site` (site-specific and clinic-wide) in `phase`."""
    return AlertRule.objects.filter(
        Q(site__isnull=True) | Q(site=site),
        Q(effective_to__isnull=True) | Q(effective_to__gt=at),
        phase=phase,
        effective_from__lte=at,
    )


def hold_start_alerts(*, infusion: Infusion) -> list[AlertEvent]:
    """Hold-start alerts of the latest pre-infusion reading that counts (not voided): a new
    reading within the start limits releases the hold (the patient rested and was measured
    again); voiding a mistyped reading makes the one before it the latest again."""
    latest = (
        VitalsEntry.objects.current()
        .filter(infusion=infusion, phase=VitalsPhase.PRE)
        .order_by("-measured_at", "-id")
        .first()
    )
    if latest is None:
        return []
    return list(
        AlertEvent.objects.filter(vitals_entry=latest, action=AlertAction.HOLD_START)
        .select_related("rule")
        .order_by("id")
    )


def has_pre_vitals(*, infusion: Infusion) -> bool:
    return VitalsEntry.objects.current().filter(infusion=infusion, phase=VitalsPhase.PRE).exists()


def has_vitals_after_end(*, infusion: Infusion, until: dt.datetime) -> bool:
    """A reading that counts (not voided) was measured after the infusion ended, no later
    than `until` (the discharge): the patient was monitored before leaving."""
    if infusion.ended_at is None:
        return False
    return (
        VitalsEntry.objects.current()
        .filter(infusion=infusion, measured_at__gt=infusion.ended_at, measured_at__lte=until)
        .exists()
    )


def last_event(*, infusion: Infusion) -> InfusionEvent | None:
    return InfusionEvent.objects.filter(infusion=infusion).order_by("-occurred_at", "-id").first()


def current_rate_ml_per_h(*, infusion: Infusion) -> Decimal | None:
    """The last rate charted, else the plan's rate for its last (longest-running) phase."""
    change = (
        InfusionEvent.objects.filter(infusion=infusion, kind=InfusionEventKind.RATE_CHANGE)
        .order_by("-occurred_at", "-id")
        .first()
    )
    if change is not None:
        return change.new_rate_ml_per_h
    phase = infusion.dose_phases.order_by("-order").first()
    return phase.rate_ml_per_h if phase is not None else None


def max_rate_ml_per_h(*, bag_volume_ml: Decimal | None, min_minutes: int | None) -> Decimal | None:
    """The rate that would run the whole bag in the protocol's minimum infusion time; any
    faster rate would finish sooner than the protocol allows (issue 5 item 6)."""
    if bag_volume_ml is None or not min_minutes:
        return None
    return (bag_volume_ml * 60 / Decimal(min_minutes)).quantize(Decimal("0.1"), ROUND_DOWN)


def latest_recovery(*, infusion: Infusion) -> RecoveryScore | None:
    return RecoveryScore.objects.filter(infusion=infusion).order_by("-scored_at", "-id").first()

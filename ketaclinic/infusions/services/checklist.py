"""Recording the pre-infusion checklist (DOMAIN.md section 2), one append-only row per entry."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import validated
from ketaclinic.infusions.models import ChecklistEntry, ChecklistItem, Infusion, InfusionStatus
from ketaclinic.infusions.selectors.state import has_pre_vitals, hold_start_alerts
from ketaclinic.infusions.services._common import (
    audit,
    entry_time,
    locked,
    refuse,
    require_chart,
    require_status,
)

TARGET = "infusion_checklist"


def _item_problem(
    infusion: Infusion, item: ChecklistItem, confirmed: bool, hours: int | None
) -> tuple[str, str] | None:
    """(field, message) when this item cannot be recorded as confirmed yet."""
    if item != ChecklistItem.ENTRY_CONDITION and hours is not None:
        return (
            "hours_since_last_use",
            "Hours since last use belong to the entry-condition item only.",
        )
    if not confirmed:
        return None
    if item == ChecklistItem.WEIGHT_DOSE and infusion.dose_verified_at is None:
        return "item", (
            "The dose has not been verified by a second clinician yet: compute it and have a "
            "colleague verify it, then tick this item."
        )
    if item == ChecklistItem.BASELINE_VITALS:
        if not has_pre_vitals(infusion=infusion):
            return (
                "item",
                "No baseline vitals are charted: enter a reading first, then tick this item.",
            )
        held = hold_start_alerts(infusion=infusion)
        if held:
            return "item", (
                f"The latest baseline reading is outside the start limits "
                f"({held[0].rule.describe()}): let the patient rest and measure again."
            )
    if item == ChecklistItem.ENTRY_CONDITION:
        version = infusion.course.protocol_version
        minimum = version.entry_min_hours_abstinent
        condition = version.entry_condition or "the protocol's entry condition"
        if minimum is not None and hours is None:
            return "hours_since_last_use", (
                f"Enter the hours since the last alcohol or drug use: this protocol requires "
                f"at least {minimum} hours ({condition})."
            )
        if minimum is not None and hours is not None and hours < minimum:
            return "hours_since_last_use", (
                f"Last use {hours} hours ago is less than the {minimum} hours this protocol "
                f"requires ({condition}): the entry condition is not met. Record it as not "
                "met and do not start."
            )
    return None


@transaction.atomic
def checklist_item_record(
    *,
    actor: User,
    infusion: Infusion,
    item: str,
    confirmed: bool,
    note: str = "",
    hours_since_last_use: int | None = None,
    at: dt.datetime | None = None,
) -> ChecklistEntry:
    """Record one checklist item as done (confirmed) or as a problem (not confirmed, with a
    note). The latest entry per item counts; earlier ones stay on the record."""
    require_chart(actor=actor, infusion=infusion, target_type=TARGET)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.SCHEDULED,), "change the pre-infusion checklist")
    if item not in ChecklistItem.values:
        raise refuse("item", "Unknown checklist item: choose one from the list.")
    checklist_item = ChecklistItem(item)
    if not confirmed and not note.strip():
        raise refuse("note", "Say what the problem is in the note, so the team can act on it.")
    problem = _item_problem(infusion, checklist_item, confirmed, hours_since_last_use)
    if problem is not None:
        raise refuse(*problem)
    now = timezone.now()
    entry = ChecklistEntry(
        infusion=infusion,
        item=checklist_item,
        confirmed=confirmed,
        hours_since_last_use=hours_since_last_use,
        note=note.strip(),
        recorded_by=actor,
        recorded_at=entry_time(infusion, at, field="at", label="Checklist time", now=now),
    )
    validated(entry, exclude=["infusion", "recorded_by"]).save()
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.CREATE,
        target_type=TARGET,
        target_id=entry.pk,
        detail=f"{checklist_item.value}: {'confirmed' if confirmed else 'problem'}",
    )
    return entry

"""The patient's own daily check-in: one self-report record per addiction target and day.

Only the patient's portal login may save it, and only for today in the site's time zone (a
second save the same day updates that day's records). A missed day stays unknown: there is
no back-filling from the portal; staff record a missed day in a follow-back interview.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError, validated
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery.models import DailyRecord, Source, Trigger
from ketaclinic.recovery.services._common import (
    DAILY_RECORD,
    audited_refusal,
    fmt_quantity,
    site_today,
)
from ketaclinic.recovery.services.recompute import recompute_targets

MAX_QUANTITY = Decimal("999999.99")  # DailyRecord.quantity holds 8 digits, 2 after the point


@dataclass(frozen=True)
class CheckinEntry:
    target_id: int
    used: bool
    quantity: Decimal | None
    craving: int | None
    mood: int | None
    triggers: list[str]
    trigger_note: str = ""
    note: str = ""


def _patient_of(actor: User) -> Patient | None:
    account = getattr(actor, "patient_account", None)
    if account is None or not account.is_usable:
        return None
    patient: Patient = account.patient
    return patient


def checkin_save(
    *, actor: User, patient: Patient, day: dt.date, entries: Sequence[CheckinEntry]
) -> list[DailyRecord]:
    """Save today's check-in for some or all of the patient's active targets, all or none;
    then recompute those targets' events and outcomes in the same transaction."""
    own = _patient_of(actor)
    if own is None or own.pk != patient.pk:
        raise audited_refusal(
            PermissionDeniedError(
                "Only the patient can save their own daily check-in from the portal. Staff "
                "record use in a timeline follow-back interview."
            ),
            actor=actor,
            patient=patient,
            target_type=DAILY_RECORD,
            detail="check-in by someone other than the patient",
        )
    today = site_today(patient.site)
    if day != today:
        raise ApplicationError(
            f"A check-in is for today ({today:%A %d %B %Y}) only, not {day:%d %B %Y}: a missed "
            "day stays unknown; tell your care team at your next visit.",
            field_errors={"day": [f"Check in for today, {today:%d %B %Y}."]},
        )
    targets = _targets(patient, entries)
    for entry in entries:
        _check(entry, targets[entry.target_id])
    with transaction.atomic():
        records = [
            _upsert(actor, patient, day, entry, targets[entry.target_id]) for entry in entries
        ]
        recompute_targets(targets=list(targets.values()))
        return records


def _targets(patient: Patient, entries: Sequence[CheckinEntry]) -> dict[int, AddictionTarget]:
    if not entries:
        raise ApplicationError("Nothing to save: answer the check-in for at least one target.")
    ids = [e.target_id for e in entries]
    if len(set(ids)) != len(ids):
        raise ApplicationError("Each addiction target appears once in a check-in.")
    targets = {
        t.pk: t
        for t in AddictionTarget.objects.select_related("patient__site").filter(
            patient=patient, is_active=True, pk__in=ids
        )
    }
    unknown = sorted(set(ids) - set(targets))
    if unknown:
        raise ApplicationError(
            "That addiction target is not one of yours, or it has ended: reload the check-in "
            "page and answer the targets it shows.",
            field_errors={f"target_{i}": ["Not one of your current targets."] for i in unknown},
        )
    return targets


def _check(entry: CheckinEntry, target: AddictionTarget) -> None:
    errors: dict[str, list[str]] = {}
    prefix = f"target_{target.pk}"
    unit = target.get_unit_display().split(" (")[0].lower()
    if entry.used and (entry.quantity is None or entry.quantity <= 0):
        errors[f"{prefix}_quantity"] = [
            f"{target.display_name}: you said you used; enter how much, in {unit} (more than 0)."
        ]
    elif entry.quantity is not None and entry.quantity > MAX_QUANTITY:
        errors[f"{prefix}_quantity"] = [f"{target.display_name}: that amount is too large."]
    if not entry.used and entry.quantity not in (None, Decimal(0)):
        errors[f"{prefix}_quantity"] = [
            f"{target.display_name}: you said you did not use, so the amount is 0. Choose "
            "'yes' if you used."
        ]
    if entry.craving is not None and not 0 <= entry.craving <= 10:
        errors[f"{prefix}_craving"] = ["Craving is 0 (none) to 10 (worst)."]
    if entry.mood is not None and not 1 <= entry.mood <= 5:
        errors[f"{prefix}_mood"] = ["Mood is 1 (very low) to 5 (very good)."]
    unknown = sorted(set(entry.triggers) - set(Trigger.values))
    if unknown:
        errors[f"{prefix}_triggers"] = [
            f"Unknown trigger(s) {', '.join(unknown)}: pick from the list or write it in the note."
        ]
    if len(entry.trigger_note) > 200:
        errors[f"{prefix}_trigger_note"] = ["Keep the other trigger to 200 characters."]
    if errors:
        summary = " ".join(m for messages in errors.values() for m in messages)
        raise ApplicationError(summary, field_errors=errors)


def _upsert(
    actor: User, patient: Patient, day: dt.date, entry: CheckinEntry, target: AddictionTarget
) -> DailyRecord:
    record = (
        DailyRecord.objects.select_for_update()
        .filter(target=target, day=day, source=Source.SELF_REPORT)
        .first()
    )
    before = _summary(record) if record is not None else None
    now = timezone.now()
    if record is None:
        record = DailyRecord(
            patient=patient, target=target, day=day, source=Source.SELF_REPORT, recorded_at=now
        )
    record.used = entry.used
    record.quantity = entry.quantity if entry.used else Decimal(0)
    record.unit = target.unit
    record.craving = entry.craving
    record.mood = entry.mood
    record.triggers = sorted(set(entry.triggers))
    record.trigger_note = entry.trigger_note.strip()
    record.note = entry.note.strip()
    record.recall_lag_days = 0
    record.recorded_by = actor
    record.updated_at = now
    validated(record, exclude=("patient", "target", "recorded_by")).save()
    audit_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        patient=patient,
        target_type=DAILY_RECORD,
        target_id=record.pk,
        detail=(
            f"check-in {day} {target.target}: {_summary(record)}"
            if before is None
            else f"check-in {day} {target.target} edited: {before} -> {_summary(record)}"
        ),
    )
    return record


def _summary(record: DailyRecord) -> str:
    used = f"used {fmt_quantity(record.quantity)} {record.unit}" if record.used else "not used"
    return f"{used}, craving {record.craving}, mood {record.mood}"

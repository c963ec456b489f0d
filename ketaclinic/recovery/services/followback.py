"""Timeline follow-back: staff enter a patient's use per day over a range, from one source.

Each source keeps its own record per target and day: an interview never overwrites the
patient's self-report or a test result, so disagreements stay visible as conflicts. A day
that already has a record from the same source is updated, audited old -> new. The recall
lag is computed from the entry date (today at the site) and the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery.models import TEST_SOURCES, DailyRecord, Source
from ketaclinic.recovery.services._common import DAILY_RECORD, fmt_quantity, site_today
from ketaclinic.recovery.services.checkin import MAX_QUANTITY
from ketaclinic.recovery.services.recompute import recompute_target

STAFF_SOURCES = (Source.INTERVIEW, Source.BREATHALYSER, Source.URINE, Source.ETG)
MAX_DAYS_PER_SAVE = 366
_DENIED = "Only a physician, nurse or therapist records recovery data. Ask one of them."


@dataclass(frozen=True)
class FollowbackEntry:
    """One day. Interview: quantity (0 = abstinent). Test: used = positive, no quantity."""

    day: dt.date
    used: bool
    quantity: Decimal | None = None
    note: str = ""


def followback_save(
    *,
    actor: User,
    patient: Patient,
    target: AddictionTarget,
    source: str,
    entries: Sequence[FollowbackEntry],
) -> list[DailyRecord]:
    """Save many days from one staff source in one go, all or none, then recompute."""
    require_patient_access(user=actor, patient=patient, target_type=DAILY_RECORD)
    require_perm(
        user=actor,
        perm=Perm.RECOVERY_RECORD,
        target_type=DAILY_RECORD,
        target_id=patient.pk,
        patient=patient,
        message=_DENIED,
    )
    if target.patient_id != patient.pk:
        raise NotFoundError("No such addiction target in this patient's chart.")
    _check(patient, source, entries)
    with transaction.atomic():
        existing = {
            r.day: r
            for r in DailyRecord.objects.select_for_update().filter(
                target=target, source=source, day__in=[e.day for e in entries]
            )
        }
        today = site_today(patient.site)
        saved = [
            _write(actor, patient, target, source, entry, existing.get(entry.day), today)
            for entry in sorted(entries, key=lambda e: e.day)
        ]
        recompute_target(target=target)
        return saved


def _check(patient: Patient, source: str, entries: Sequence[FollowbackEntry]) -> None:
    if source not in STAFF_SOURCES:
        message = (
            "Choose the source: interview, breathalyser, urine test or EtG. The daily "
            "self-report is the patient's own, from the portal."
        )
        raise ApplicationError(message, field_errors={"source": [message]})
    if not entries:
        raise ApplicationError("Nothing to save: enter at least one day.")
    if len(entries) > MAX_DAYS_PER_SAVE:
        raise ApplicationError(f"Save at most {MAX_DAYS_PER_SAVE} days at a time.")
    days = [e.day for e in entries]
    if len(set(days)) != len(days):
        raise ApplicationError("Each day appears once in a follow-back save.")
    today = site_today(patient.site)
    errors: dict[str, list[str]] = {}
    for entry in entries:
        key = f"day_{entry.day.isoformat()}"
        if entry.day > today:
            errors[key] = [f"{entry.day}: a day in the future cannot be recalled yet."]
        elif (today - entry.day).days > 32000:
            errors[key] = [f"{entry.day}: check the year."]
        elif source in TEST_SOURCES and entry.quantity is not None:
            errors[key] = [f"{entry.day}: a test result is positive or negative, no amount."]
        elif source == Source.INTERVIEW:
            if entry.quantity is None or entry.quantity < 0 or entry.quantity > MAX_QUANTITY:
                errors[key] = [f"{entry.day}: enter the amount used (0 if none)."]
            elif entry.used != (entry.quantity > 0):
                errors[key] = [f"{entry.day}: an amount above 0 means used; 0 means not used."]
    if errors:
        summary = " ".join(m for messages in errors.values() for m in messages)
        raise ApplicationError(f"Please correct: {summary}", field_errors=errors)


def _write(
    actor: User,
    patient: Patient,
    target: AddictionTarget,
    source: str,
    entry: FollowbackEntry,
    record: DailyRecord | None,
    today: dt.date,
) -> DailyRecord:
    if record is not None and (record.used, record.quantity, record.note) == (
        entry.used,
        entry.quantity,
        entry.note.strip(),
    ):
        return record  # unchanged: keep its recall lag and time
    before = _summary(record) if record is not None else None
    now = timezone.now()
    if record is None:
        record = DailyRecord(
            patient=patient, target=target, day=entry.day, source=source, recorded_at=now
        )
    record.used = entry.used
    record.quantity = entry.quantity
    record.unit = target.unit
    record.note = entry.note.strip()
    record.recall_lag_days = (today - entry.day).days
    record.recorded_by = actor
    record.updated_at = now
    # Checked above and by the database; no per-row constraint queries.
    record.full_clean(exclude=["patient", "target", "recorded_by"], validate_constraints=False)
    record.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        patient=patient,
        target_type=DAILY_RECORD,
        target_id=record.pk,
        detail=(
            f"{source} {entry.day} {target.target}: {_summary(record)}"
            if before is None
            else f"{source} {entry.day} {target.target}: {before} -> {_summary(record)}"
        ),
    )
    return record


def _summary(record: DailyRecord) -> str:
    if record.source in TEST_SOURCES:
        return "positive" if record.used else "negative"
    return f"used {fmt_quantity(record.quantity)}" if record.used else "not used"

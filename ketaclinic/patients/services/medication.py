"""Medications: recorded with the clinician's class flags, stopped with a reason, never deleted.

A dose change is recorded as stopping the old entry and adding the new one, so the list
always shows what the patient took when.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import Medication, Patient, Route
from ketaclinic.patients.services._common import (
    already_closed,
    chart_write,
    not_found,
    required_reason,
    site_today,
    validated,
)

TARGET_TYPE = "medication"


@chart_write(TARGET_TYPE)
def medication_create(
    *,
    actor: User,
    patient: Patient,
    name: str,
    dose_text: str = "",
    route: str = Route.ORAL,
    frequency: str = "",
    start_date: dt.date | None = None,
    is_sedative: bool = False,
    is_opioid: bool = False,
    is_stimulant: bool = False,
    is_maoi: bool = False,
) -> Medication:
    item = validated(
        Medication(
            patient=patient,
            name=name.strip(),
            dose_text=dose_text.strip(),
            route=route,
            frequency=frequency.strip(),
            start_date=start_date,
            is_sedative=is_sedative,
            is_opioid=is_opioid,
            is_stimulant=is_stimulant,
            is_maoi=is_maoi,
            recorded_by=actor,
        )
    )
    item.save()
    flags = ",".join(flag.lower() for flag in item.flags) or "none"
    _audit(actor, Action.CREATE, patient, item, f"flags {flags}")
    return item


@chart_write(TARGET_TYPE)
def medication_stop(
    *,
    actor: User,
    patient: Patient,
    medication_id: int,
    reason: str,
    stop_date: dt.date | None = None,
) -> Medication:
    """Stop a medication on `stop_date` (today if not given); it stays in the list as stopped."""
    item = Medication.objects.select_for_update().filter(patient=patient, pk=medication_id).first()
    if item is None:
        raise not_found(
            "medication", actor=actor, patient=patient, model=Medication, record_id=medication_id
        )
    if not item.is_active:
        raise already_closed("medication", item.stop_date)
    today = site_today(patient)
    stop_date = stop_date or today
    if stop_date > today:
        message = "The stop date is in the future: record the stop on the day it happens."
        raise ApplicationError(message, field_errors={"stop_date": [message]})
    item.stopped_reason = required_reason(
        reason, what="stopping this medication", example="course finished"
    )
    item.is_active = False
    item.stop_date = stop_date
    item.stopped_at = timezone.now()
    item.stopped_by = actor
    validated(item).save()
    _audit(actor, Action.UPDATE, patient, item, "stopped")
    return item


def _audit(actor: User, action: Action, patient: Patient, item: Medication, detail: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        patient=patient,
        target_type=TARGET_TYPE,
        target_id=item.pk,
        detail=detail,
    )

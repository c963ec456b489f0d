"""Weight and height: each weighing is a new dated row; a wrong one is voided with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, require_plausible_time
from ketaclinic.patients.models import BodyMeasurement, Patient
from ketaclinic.patients.services._common import (
    already_closed,
    chart_write,
    not_found,
    required_reason,
    validated,
)

TARGET_TYPE = "body_measurement"
# Clocks on different machines drift; a reading a minute "ahead" is not a typing error.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@chart_write(TARGET_TYPE)
def body_measurement_record(
    *,
    actor: User,
    patient: Patient,
    measured_at: dt.datetime,
    weight_kg: Decimal | None = None,
    height_cm: Decimal | None = None,
) -> BodyMeasurement:
    if weight_kg is None and height_cm is None:
        message = "Enter a weight, a height or both."
        raise ApplicationError(message, field_errors={"weight_kg": [message]})
    if timezone.is_naive(measured_at):
        message = "Give the time with its UTC offset, for example 2026-11-20T09:30:00-05:00."
        raise ApplicationError(message, field_errors={"measured_at": [message]})
    if measured_at > timezone.now() + FUTURE_TOLERANCE:
        message = "The measurement time is in the future: check the date and time."
        raise ApplicationError(message, field_errors={"measured_at": [message]})
    require_plausible_time(measured_at, field="measured_at")
    item = validated(
        BodyMeasurement(
            patient=patient,
            measured_at=measured_at,
            weight_kg=weight_kg,
            height_cm=height_cm,
            recorded_by=actor,
        )
    )
    item.save()
    given = (("weight", weight_kg), ("height", height_cm))
    parts = [name for name, value in given if value is not None]
    _audit(actor, Action.CREATE, patient, item, " and ".join(parts) + " recorded")
    return item


@chart_write(TARGET_TYPE)
def body_measurement_void(
    *, actor: User, patient: Patient, measurement_id: int, reason: str
) -> BodyMeasurement:
    """Void a wrong entry: it stays in the history, struck through, and dosing ignores it."""
    item = (
        BodyMeasurement.objects.select_for_update()
        .filter(patient=patient, pk=measurement_id)
        .first()
    )
    if item is None:
        raise not_found(
            "measurement",
            actor=actor,
            patient=patient,
            model=BodyMeasurement,
            record_id=measurement_id,
        )
    if not item.is_active:
        raise already_closed("measurement", item.voided_at)
    item.voided_reason = required_reason(
        reason, what="voiding this measurement", example="typed 07.5 instead of 75.0"
    )
    item.is_active = False
    item.voided_at = timezone.now()
    item.voided_by = actor
    validated(item).save()
    _audit(actor, Action.UPDATE, patient, item, "voided")
    return item


def _audit(
    actor: User, action: Action, patient: Patient, item: BodyMeasurement, detail: str
) -> None:
    audit_record(
        actor=actor,
        action=action,
        patient=patient,
        target_type=TARGET_TYPE,
        target_id=item.pk,
        detail=detail,
    )

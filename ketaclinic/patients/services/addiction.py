"""Addiction targets: recorded with their recovery unit and optional ICD-10-CM code; ended,
never deleted, because recovery records refer to them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.codes import ICD10CM_SYSTEM, normalise_code
from ketaclinic.patients.models import AddictionTarget, Patient, Target
from ketaclinic.patients.models.addiction import kind_for_target
from ketaclinic.patients.services._common import (
    already_closed,
    chart_write,
    not_found,
    required_reason,
    validated,
)

TARGET_TYPE = "addiction_target"


@chart_write(TARGET_TYPE)
def addiction_target_create(
    *,
    actor: User,
    patient: Patient,
    target: str,
    unit: str,
    kind: str | None = None,
    label: str = "",
    quit_date: dt.date | None = None,
    code: str = "",
) -> AddictionTarget:
    """Record one addiction target. `kind` follows from the target except for 'other'."""
    if target not in Target.values:
        message = f"{target!r} is not an addiction target: choose one from the list, or 'Other'."
        raise ApplicationError(message, field_errors={"target": [message]})
    kind = kind or kind_for_target(target)
    if kind is None:
        message = "Say whether this 'Other' target is a substance or a behaviour."
        raise ApplicationError(message, field_errors={"kind": [message]})
    code = normalise_code(code)
    item = validated(
        AddictionTarget(
            patient=patient,
            kind=kind,
            target=target,
            label=label.strip(),
            unit=unit,
            quit_date=quit_date,
            code=code,
            code_system=ICD10CM_SYSTEM if code else "",
            recorded_by=actor,
        )
    )
    item.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=patient,
        target_type=TARGET_TYPE,
        target_id=item.pk,
        detail=f"{item.target} in {item.unit}" + (f" code {item.code}" if item.code else ""),
    )
    return item


@chart_write(TARGET_TYPE)
def addiction_target_end(
    *, actor: User, patient: Patient, target_id: int, reason: str
) -> AddictionTarget:
    """End a target (for example 'abstinent 12 months, closed at discharge'); kept for history."""
    item = AddictionTarget.objects.select_for_update().filter(patient=patient, pk=target_id).first()
    if item is None:
        raise not_found(
            "addiction target",
            actor=actor,
            patient=patient,
            model=AddictionTarget,
            record_id=target_id,
        )
    if not item.is_active:
        raise already_closed("addiction target", item.ended_at)
    item.ended_reason = required_reason(
        reason, what="ending this target", example="entered twice by mistake"
    )
    item.is_active = False
    item.ended_at = timezone.now()
    item.ended_by = actor
    validated(item).save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        patient=patient,
        target_type=TARGET_TYPE,
        target_id=item.pk,
        detail="ended",
    )
    return item

"""Diagnoses, ketamine-relevant history items and allergies: recorded, then resolved or
retracted with a reason. Nothing is deleted."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.patients.codes import CodeSystem, normalise_code
from ketaclinic.patients.models import (
    Allergy,
    AllergySeverity,
    Diagnosis,
    DiagnosisStatus,
    HistoryItem,
    Patient,
)
from ketaclinic.patients.services._common import (
    already_closed,
    chart_write,
    not_found,
    required_reason,
    site_today,
    validated,
)

_TARGET_TYPES = {Diagnosis: "diagnosis", HistoryItem: "history_item", Allergy: "allergy"}


def _audit(
    actor: User,
    action: Action,
    patient: Patient,
    item: Diagnosis | HistoryItem | Allergy,
    detail: str,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        patient=patient,
        target_type=_TARGET_TYPES[type(item)],
        target_id=item.pk,
        detail=detail,
    )


@chart_write("diagnosis")
def diagnosis_create(
    *,
    actor: User,
    patient: Patient,
    code: str,
    display: str,
    code_system: str = CodeSystem.ICD10CM,
    onset_date: dt.date | None = None,
) -> Diagnosis:
    item = validated(
        Diagnosis(
            patient=patient,
            code=normalise_code(code),
            code_system=code_system,
            display=display.strip(),
            onset_date=onset_date,
            noted_by=actor,
        )
    )
    item.save()
    _audit(actor, Action.CREATE, patient, item, f"{item.get_code_system_display()} {item.code}")
    return item


@chart_write("diagnosis")
def diagnosis_resolve(
    *,
    actor: User,
    patient: Patient,
    diagnosis_id: int,
    reason: str,
    resolved_on: dt.date | None = None,
) -> Diagnosis:
    item = Diagnosis.objects.select_for_update().filter(patient=patient, pk=diagnosis_id).first()
    if item is None:
        raise not_found(
            "diagnosis", actor=actor, patient=patient, model=Diagnosis, record_id=diagnosis_id
        )
    if item.status == DiagnosisStatus.RESOLVED:
        raise already_closed("diagnosis", item.resolved_on)
    item.resolved_reason = required_reason(
        reason, what="resolving this diagnosis", example="in sustained remission"
    )
    item.status = DiagnosisStatus.RESOLVED
    item.resolved_on = resolved_on or site_today(patient)
    item.resolved_by = actor
    validated(item).save()
    _audit(actor, Action.UPDATE, patient, item, "resolved")
    return item


@chart_write("history_item")
def history_item_create(
    *, actor: User, patient: Patient, condition: str, status: str, label: str = "", note: str = ""
) -> HistoryItem:
    item = validated(
        HistoryItem(
            patient=patient,
            condition=condition,
            label=label.strip(),
            status=status,
            note=note.strip(),
            recorded_by=actor,
        )
    )
    item.save()
    _audit(actor, Action.CREATE, patient, item, f"{item.condition} {item.status}")
    return item


@chart_write("history_item")
def history_item_retract(
    *, actor: User, patient: Patient, item_id: int, reason: str
) -> HistoryItem:
    """Withdraw a history item entered in error; it stays visible as retracted."""
    item = HistoryItem.objects.select_for_update().filter(patient=patient, pk=item_id).first()
    if item is None:
        raise not_found(
            "history item", actor=actor, patient=patient, model=HistoryItem, record_id=item_id
        )
    if not item.is_active:
        raise already_closed("history item", item.retracted_at)
    item.retracted_reason = required_reason(
        reason, what="retracting this item", example="entered for the wrong patient"
    )
    _close(item, actor)
    _audit(actor, Action.UPDATE, patient, item, "retracted")
    return item


@chart_write("allergy")
def allergy_create(
    *,
    actor: User,
    patient: Patient,
    substance: str,
    reaction: str = "",
    severity: str = AllergySeverity.UNKNOWN,
) -> Allergy:
    """Record an allergy; an active "no known drug allergies" statement is retracted by it."""
    substance = substance.strip()
    active = Allergy.objects.select_for_update().filter(patient=patient, is_active=True)
    if substance and active.filter(is_nkda=False, substance__iexact=substance).exists():
        message = f"An allergy to {substance} is already recorded for this patient."
        raise ApplicationError(message, field_errors={"substance": [message]})
    item = validated(
        Allergy(
            patient=patient,
            substance=substance,
            reaction=reaction.strip(),
            severity=severity,
            recorded_by=actor,
        )
    )
    for nkda in active.filter(is_nkda=True):
        nkda.retracted_reason = "Superseded: an allergy was recorded."
        _close(nkda, actor)
        _audit(actor, Action.UPDATE, patient, nkda, "nkda superseded by an allergy")
    item.save()
    _audit(actor, Action.CREATE, patient, item, f"allergy severity {item.severity}")
    return item


@chart_write("allergy")
def allergy_record_nkda(*, actor: User, patient: Patient) -> Allergy:
    """State explicitly that the patient has no known drug allergies."""
    active = Allergy.objects.select_for_update().filter(patient=patient, is_active=True)
    if active.filter(is_nkda=True).exists():
        raise ApplicationError(
            "No known drug allergies is already recorded for this patient.",
            code=ErrorCode.CONFLICT,
        )
    recorded = active.filter(is_nkda=False).count()
    if recorded:
        raise ApplicationError(
            f"This patient has {recorded} recorded allerg{'y' if recorded == 1 else 'ies'}: "
            "retract them first if they were entered in error."
        )
    item = validated(Allergy(patient=patient, is_nkda=True, recorded_by=actor))
    item.save()
    _audit(actor, Action.CREATE, patient, item, "nkda")
    return item


@chart_write("allergy")
def allergy_retract(*, actor: User, patient: Patient, allergy_id: int, reason: str) -> Allergy:
    item = Allergy.objects.select_for_update().filter(patient=patient, pk=allergy_id).first()
    if item is None:
        raise not_found(
            "allergy", actor=actor, patient=patient, model=Allergy, record_id=allergy_id
        )
    if not item.is_active:
        raise already_closed("allergy", item.retracted_at)
    item.retracted_reason = required_reason(
        reason, what="retracting this allergy", example="tolerated on challenge test"
    )
    _close(item, actor)
    _audit(actor, Action.UPDATE, patient, item, "retracted")
    return item


def _close(item: HistoryItem | Allergy, actor: User) -> None:
    item.is_active = False
    item.retracted_at = timezone.now()
    item.retracted_by = actor
    validated(item).save()

"""Completing a due item (inside a response's transaction) and cancelling one with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, NotFoundError
from ketaclinic.patients.selectors import patients_visible
from ketaclinic.questionnaires.models import DueQuestionnaire, DueStatus, QuestionnaireResponse
from ketaclinic.questionnaires.services._common import validated
from ketaclinic.questionnaires.services.schedules import (
    SCHEDULER,
    TARGET_TYPE,
    audit_due,
    require_enter,
)

REASON_MAX_LENGTH = 300


def due_item_complete(
    *, actor: User, response: QuestionnaireResponse, due_id: int | None = None
) -> DueQuestionnaire | None:
    """Inside the response's transaction: mark `due_id`, or else the patient's oldest open
    item of the response's instrument that was due by its completion, completed by it."""
    queryset = DueQuestionnaire.objects.select_for_update().filter(
        patient_id=response.patient_id, status=DueStatus.OPEN
    )
    if due_id is not None:
        queryset = queryset.filter(pk=due_id)
    else:
        queryset = queryset.filter(
            instrument__code=response.instrument.code, due_at__lte=response.completed_at
        )
    item = queryset.order_by("due_at", "id").first()
    if item is None:
        return None
    item.status = DueStatus.COMPLETED
    item.completed_response = response
    validated(item).save()
    audit_due(
        actor, response.patient, Action.UPDATE, item.pk, f"completed by response {response.pk}"
    )
    return item


def due_cancel(*, actor: User | None, due_id: int, reason: str) -> DueQuestionnaire:
    """Cancel an open due item, saying why (it stays in the record, marked cancelled)."""
    item = _due_for_change(actor, due_id)
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX_LENGTH:
        message = (
            "Say why this questionnaire is no longer needed, for example 'infusion "
            f"cancelled' (at most {REASON_MAX_LENGTH} characters)."
        )
        raise ApplicationError(message, field_errors={"reason": [message]})
    with transaction.atomic():
        item = (
            DueQuestionnaire.objects.select_for_update()
            .select_related("patient", "instrument")
            .get(pk=item.pk)
        )
        if item.status != DueStatus.OPEN:
            raise ApplicationError(
                f"This {item.instrument.title} is already {item.get_status_display().lower()}: "
                "nothing changed.",
                code=ErrorCode.CONFLICT,
            )
        item.status = DueStatus.CANCELLED
        item.cancelled_at = timezone.now()
        item.cancelled_by = actor
        item.cancel_reason = reason
        validated(item).save()
        audit_due(actor, item.patient, Action.UPDATE, item.pk, "due item cancelled")
    return item


def _due_for_change(actor: User | None, due_id: int) -> DueQuestionnaire:
    """The item, at the actor's sites and with QUESTIONNAIRE_ENTER (denials are audited)."""
    queryset = DueQuestionnaire.objects.select_related("patient")
    if actor is not None:
        queryset = queryset.filter(patient__in=patients_visible(user=actor))
    item = queryset.filter(pk=due_id).first()
    if item is None:
        existing = DueQuestionnaire.objects.select_related("patient").filter(pk=due_id).first()
        audit_record(
            actor=actor,
            actor_username=SCHEDULER,
            action=Action.ACCESS_DENIED,
            patient=existing.patient if existing else None,
            target_type=TARGET_TYPE,
            target_id=due_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if existing else "no such item",
        )
        raise NotFoundError("No due questionnaire with that id at your sites.")
    if actor is not None:
        require_enter(actor, item.patient)
    return item

"""Acknowledging a safety alert: who, when and what they did. Alerts are never closed otherwise."""

from __future__ import annotations

import zoneinfo

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.questionnaires.models import SafetyAlert
from ketaclinic.questionnaires.selectors import safety_alert_scoped
from ketaclinic.questionnaires.services._common import validated

TARGET_TYPE = "safety_alert"
ACTION_MAX_LENGTH = 2000


def safety_alert_acknowledge(*, actor: User, alert_id: int, action_taken: str) -> SafetyAlert:
    """Record who acknowledged the alert, when, and the action they took (required)."""
    # Checked before the transaction, so that the audited refusal is not rolled back.
    alert = safety_alert_scoped(user=actor, alert_id=alert_id)
    require_perm(
        user=actor,
        perm=Perm.SAFETY_ALERT_ACKNOWLEDGE,
        target_type=TARGET_TYPE,
        target_id=alert.pk,
        patient=alert.patient,
        message=(
            "Only a physician, nurse or therapist can acknowledge a safety alert: "
            "tell one of them about this alert now."
        ),
    )
    action_taken = _required_action(action_taken)
    with transaction.atomic():
        alert = (
            SafetyAlert.objects.select_for_update().select_related("patient__site").get(pk=alert.pk)
        )
        if alert.acknowledged_at is not None:
            zone = zoneinfo.ZoneInfo(alert.patient.site.time_zone)
            when = alert.acknowledged_at.astimezone(zone)
            raise ApplicationError(
                f"This alert was already acknowledged by {alert.acknowledged_by} on "
                f"{when:%Y-%m-%d at %H:%M}: nothing changed.",
                code=ErrorCode.CONFLICT,
            )
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor
        alert.action_taken = action_taken
        validated(alert).save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=alert.patient,
            target_type=TARGET_TYPE,
            target_id=alert.pk,
            detail=f"{alert.level} alert acknowledged",
        )
    return alert


def _required_action(action_taken: str) -> str:
    action_taken = action_taken.strip()
    if not action_taken or len(action_taken) > ACTION_MAX_LENGTH:
        message = (
            "Say what you did about this alert before acknowledging it, for example "
            "'Called the patient, assessed risk, safety plan reviewed' "
            f"(at most {ACTION_MAX_LENGTH} characters)."
        )
        raise ApplicationError(message, field_errors={"action_taken": [message]})
    return action_taken

"""Writes of the notifications app: the outbox, the reminder runs, the patient's choices."""

from .outbox import (
    MAX_ATTEMPTS,
    SendResult,
    notification_claim,
    notification_send,
    notifications_requeue_pending,
)
from .preferences import contact_preference_save
from .reminders import (
    appointment_reminders_queue,
    checkin_reminders_queue,
    integration_alerts_queue,
    questionnaire_reminders_queue,
)

__all__ = [
    "MAX_ATTEMPTS",
    "SendResult",
    "appointment_reminders_queue",
    "checkin_reminders_queue",
    "contact_preference_save",
    "integration_alerts_queue",
    "notification_claim",
    "notification_send",
    "notifications_requeue_pending",
    "questionnaire_reminders_queue",
]

"""Celery tasks: the periodic reminder runs (CELERY_BEAT_SCHEDULE) and the send of one message.

Every task is idempotent and acknowledged late: a task that runs twice (a retry, a worker
killed mid-task, two workers) sends nothing twice, because the outbox keys and row locks
decide who sends (services/outbox.py).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from celery import Task, shared_task
from django.db import OperationalError
from django.utils import timezone

from .services import (
    MAX_ATTEMPTS,
    SendResult,
    appointment_reminders_queue,
    checkin_reminders_queue,
    integration_alerts_queue,
    notification_send,
    notifications_requeue_pending,
    questionnaire_reminders_queue,
)

logger = logging.getLogger(__name__)

# How often a send whose database was busy or unreachable is tried again, 2 s apart.
DB_RETRIES = 30

# A database that is briefly busy or unreachable: run the whole (idempotent) task again.
_RUN_AGAIN: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "max_retries": 5,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
}


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def send_notification(self: Task[Any, Any], notification_id: int) -> str:
    """Deliver one outbox message; a delivery failure is retried with a growing delay.

    Run eagerly (the demo, unit tests) there is no broker to hold a delayed retry: the
    message stays pending and the sweeper (`requeue_pending_notifications`) sends it later.
    """
    eager = bool(self.request.is_eager)
    try:
        result = notification_send(notification_id=notification_id)
    except OperationalError as error:  # a busy or unreachable database: nothing was sent
        if eager:
            raise
        raise self.retry(exc=error, countdown=2, max_retries=DB_RETRIES) from error
    if result == SendResult.RETRY and not eager:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return result.value


@shared_task(**_RUN_AGAIN)
def send_appointment_reminders(self: Task[Any, Any]) -> int:
    return appointment_reminders_queue(now=timezone.now())


@shared_task(**_RUN_AGAIN)
def send_checkin_reminders(self: Task[Any, Any]) -> int:
    return checkin_reminders_queue(now=timezone.now())


@shared_task(**_RUN_AGAIN)
def send_questionnaire_reminders(self: Task[Any, Any]) -> int:
    return questionnaire_reminders_queue(now=timezone.now())


@shared_task(**_RUN_AGAIN)
def send_integration_overdue_alerts(self: Task[Any, Any]) -> int:
    return integration_alerts_queue(now=timezone.now())


@shared_task(**_RUN_AGAIN)
def requeue_pending_notifications(self: Task[Any, Any]) -> int:
    return notifications_requeue_pending(now=timezone.now())


@shared_task(**_RUN_AGAIN)
def nightly_recompute_outcomes(self: Task[Any, Any]) -> int:
    """Recompute every patient's recovery outcomes, when the recovery app provides it."""
    try:
        module = importlib.import_module("ketaclinic.recovery.services")
        recompute_all = module.recompute_all
    except (ImportError, AttributeError):
        logger.info("nightly recompute skipped: ketaclinic.recovery.services.recompute_all absent")
        return 0
    return int(recompute_all() or 0)

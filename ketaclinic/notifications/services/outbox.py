"""The outbox: claim a message once, then deliver it once.

Two steps, so that no reminder is ever sent twice:

1. `notification_claim` inserts the row. Its `key` is unique, so when two workers (or a
   retried task) plan the same reminder, the second insert fails and that worker moves on.
   The send is enqueued only after the claim commits (`transaction.on_commit`).
2. `notification_send` locks the pending row (`select_for_update(skip_locked=True)`: a second
   worker skips it instead of waiting), marks it sent, delivers, and commits. SQLite has no
   row locks; there every write transaction takes the database's write lock first
   (`transaction_mode` IMMEDIATE in settings), which serialises the two workers, and the
   second then finds the row no longer pending. A failed delivery rolls the mark back and
   the attempt is recorded in a transaction of its own.

Delivery happens while the row is locked, which is the point: the lock is what stops a
second sender. A worker that dies mid-send leaves the row pending, to be sent again (at
least once beats never for a reminder). The message text stored here never holds clinical
detail (messages.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from enum import StrEnum
from functools import partial

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.patients.models import Patient

from ..messages import Message
from ..models import Channel, Notification, NotificationStatus
from ..selectors import contact_preference_for
from ..sms import SmsError, send_sms

logger = logging.getLogger(__name__)

# Who the audit trail names for what the background jobs do.
JOBS_ACTOR = "ketaclinic-jobs"
TARGET_TYPE = "notification"
# A message that failed this many times is given up (status failed) and stays for review.
MAX_ATTEMPTS = 5
# Pending longer than this without being sent: its send was lost (a broker outage, a worker
# killed before acknowledging), so the sweeper enqueues it again.
REQUEUE_AFTER = dt.timedelta(minutes=5)
DELIVERY_ERRORS = (smtplib.SMTPException, OSError, SmsError)


class SendResult(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    RETRY = "retry"
    FAILED = "failed"
    NOTHING_TO_DO = "nothing_to_do"


@transaction.atomic
def notification_claim(
    *,
    key: str,
    kind: str,
    channel: str,
    site: Site,
    to_address: str,
    message: Message,
    patient: Patient | None = None,
    staff_user: User | None = None,
) -> Notification | None:
    """Insert the outbox row for `key` and enqueue its send after commit; None when another
    worker (or an earlier run) already claimed the key."""
    notification = Notification(
        key=key,
        kind=kind,
        channel=channel,
        site=site,
        patient=patient,
        staff_user=staff_user,
        to_address=to_address,
        subject=message.subject,
        body=message.body_for(channel),
    )
    # Uniqueness is the database's job: checking first would race with the other worker.
    notification.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    audit_record(
        actor=None,
        actor_username=JOBS_ACTOR,
        action=Action.CREATE,
        site=site,
        patient=patient,
        target_type=TARGET_TYPE,
        target_id=notification.pk,
        detail=f"{kind} by {channel} queued",
    )
    transaction.on_commit(partial(_enqueue_send, notification.pk))
    return notification


def _enqueue_send(notification_id: int) -> None:
    from ketaclinic.notifications.tasks import send_notification

    send_notification.delay(notification_id)


def notification_send(*, notification_id: int) -> SendResult:
    """Deliver one pending message exactly once; see the module docstring for how."""
    try:
        return _send_locked(notification_id)
    except _DeliveryFailedError as failed:
        logger.warning("notification %s not delivered: %s", notification_id, failed.reason)
        return _record_failure(notification_id, failed.reason)


class _DeliveryFailedError(Exception):
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.reason = f"{type(error).__name__}: {error}"


@transaction.atomic
def _send_locked(notification_id: int) -> SendResult:
    notification = _lock_pending(notification_id)
    if notification is None:  # sent, given up, or another worker holds it right now
        return SendResult.NOTHING_TO_DO
    reason = _skip_reason(notification)
    if reason:
        _finish(notification, NotificationStatus.SKIPPED, reason)
        return SendResult.SKIPPED
    # Every write comes before the delivery, so that once the message has left, only the
    # commit remains: a write failing after it (a lock, a constraint) would roll the "sent"
    # back and the retry would send it again.
    notification.attempts += 1
    notification.sent_at = timezone.now()
    _finish(notification, NotificationStatus.SENT, "")
    try:
        _deliver(notification)
    except DELIVERY_ERRORS as error:
        raise _DeliveryFailedError(error) from error  # rolls the "sent" back
    return SendResult.SENT


@transaction.atomic
def _record_failure(notification_id: int, reason: str) -> SendResult:
    notification = _lock_pending(notification_id)
    if notification is None:
        return SendResult.NOTHING_TO_DO
    notification.attempts += 1
    given_up = notification.attempts >= MAX_ATTEMPTS
    _finish(
        notification, NotificationStatus.FAILED if given_up else NotificationStatus.PENDING, reason
    )
    return SendResult.FAILED if given_up else SendResult.RETRY


def _lock_pending(notification_id: int) -> Notification | None:
    return (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patient", "staff_user", "site")
        .filter(pk=notification_id, status=NotificationStatus.PENDING)
        .first()
    )


def _skip_reason(notification: Notification) -> str:
    """Why a queued message must not go out after all (things changed since it was queued)."""
    if notification.staff_user is not None:
        return "" if notification.staff_user.is_active else "staff account is inactive"
    patient = notification.patient
    assert patient is not None  # the one-recipient constraint
    if not patient.is_active:
        return "patient is no longer active"
    preference = contact_preference_for(patient=patient)
    if preference.opted_out:
        return "patient opted out of reminders"
    if notification.channel == Channel.EMAIL:
        enabled, address = preference.email_enabled, patient.email
    else:
        enabled, address = preference.sms_enabled, patient.phone
    if not enabled:
        return f"patient turned off {notification.get_channel_display().lower()} reminders"
    if address != notification.to_address:
        return "the address on file changed since the reminder was queued"
    return ""


def _deliver(notification: Notification) -> None:
    if notification.channel == Channel.SMS:
        send_sms(to=notification.to_address, body=notification.body)
    else:
        send_mail(
            notification.subject,
            notification.body,
            None,  # DEFAULT_FROM_EMAIL
            [notification.to_address],
            fail_silently=False,
        )


def _finish(notification: Notification, status: NotificationStatus, note: str) -> None:
    notification.status = status
    notification.last_error = note[:300]
    # A status change of a row full_clean() checked when it was claimed.
    notification.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    outcome = Outcome.FAILURE if status == NotificationStatus.FAILED else Outcome.SUCCESS
    audit_record(
        actor=None,
        actor_username=JOBS_ACTOR,
        action=Action.UPDATE,
        site=notification.site if notification.patient is None else None,
        patient=notification.patient,
        target_type=TARGET_TYPE,
        target_id=notification.pk,
        outcome=outcome,
        detail=f"{notification.kind} by {notification.channel}: {status}"
        + (f" ({note})" if note else ""),
    )


def notifications_requeue_pending(*, now: dt.datetime) -> int:
    """Enqueue again every message left pending for longer than REQUEUE_AFTER."""
    stale = Notification.objects.filter(
        status=NotificationStatus.PENDING,
        created_at__lt=now - REQUEUE_AFTER,
        attempts__lt=MAX_ATTEMPTS,
    ).values_list("pk", flat=True)
    ids = list(stale)
    for notification_id in ids:
        _enqueue_send(notification_id)
    return len(ids)

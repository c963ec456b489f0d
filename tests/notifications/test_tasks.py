"""The Celery tasks, run eagerly: idempotent runs, one send per message, retries, the sweeper."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from types import SimpleNamespace

from django.conf import settings
from django.core import mail
from django.utils import timezone

from ketaclinic.config.celery import app
from ketaclinic.notifications import services, tasks
from ketaclinic.notifications.messages import questionnaire_reminder
from ketaclinic.notifications.models import Notification, NotificationStatus
from ketaclinic.notifications.services import SendResult
from tests.notifications.factories import AppointmentFactory, ContactPreferenceFactory


def _claim(patient, key="questionnaire:test:email"):
    return services.notification_claim(
        key=key,
        kind="questionnaire_due",
        channel="email",
        site=patient.site,
        to_address=patient.email,
        message=questionnaire_reminder(),
        patient=patient,
    )


def test_running_the_reminder_task_twice_sends_each_reminder_once(run, patient):
    """Given an appointment in three hours, when the beat task runs twice (a retry, or a
    second beat), then exactly one notification exists, sent, and one email went out."""
    AppointmentFactory(patient=patient, starts_at=timezone.now() + dt.timedelta(hours=3))

    first = run(tasks.send_appointment_reminders.delay)
    second = run(tasks.send_appointment_reminders.delay)

    assert (first.get(), second.get()) == (1, 0)
    assert list(Notification.objects.values_list("kind", "status")) == [("appointment_24h", "sent")]
    assert len(mail.outbox) == 1


def test_a_second_claim_of_the_same_key_is_refused_and_writes_nothing(patient):
    first = _claim(patient)

    second = _claim(patient)

    assert first is not None
    assert second is None
    assert Notification.objects.count() == 1


def test_sending_the_same_notification_twice_delivers_it_once(patient):
    """Given a queued message, when two sends run for it (a duplicate enqueue or a retry),
    then the first delivers it and the second finds nothing to do."""
    notification = _claim(patient)

    first = tasks.send_notification.delay(notification.pk).get()
    second = tasks.send_notification.delay(notification.pk).get()

    notification.refresh_from_db()
    assert (first, second) == ("sent", "nothing_to_do")
    assert (notification.status, notification.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_a_patient_who_opts_out_before_the_send_is_skipped(patient):
    notification = _claim(patient)
    ContactPreferenceFactory(patient=patient, opted_out=True)

    result = services.notification_send(notification_id=notification.pk)

    notification.refresh_from_db()
    assert result == SendResult.SKIPPED
    assert (notification.status, notification.last_error) == (
        "skipped",
        "patient opted out of reminders",
    )
    assert notification.sent_at is None
    assert mail.outbox == []


def test_a_changed_address_is_not_written_to(patient):
    notification = _claim(patient)
    patient.email = "new.address@example.org"
    patient.save()

    result = services.notification_send(notification_id=notification.pk)

    notification.refresh_from_db()
    assert result == SendResult.SKIPPED
    assert notification.last_error == "the address on file changed since the reminder was queued"
    assert mail.outbox == []


def test_a_mail_server_that_is_down_leaves_the_message_pending_with_the_error(patient, settings):
    """Given the mail server refuses the message, when the send task runs eagerly, then the
    message stays pending (the sweeper tries again) with the attempt and the error noted."""
    settings.EMAIL_BACKEND = "tests.notifications.backends.DownEmailBackend"
    notification = _claim(patient)

    result = tasks.send_notification.delay(notification.pk).get()

    notification.refresh_from_db()
    assert result == "retry"
    assert (notification.status, notification.attempts) == (NotificationStatus.PENDING, 1)
    assert notification.last_error == (
        "SMTPServerDisconnected: Connection unexpectedly closed (test)"
    )
    assert mail.outbox == []


def test_a_message_that_failed_five_times_is_given_up(patient, settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.DownEmailBackend"
    notification = _claim(patient)

    results = [services.notification_send(notification_id=notification.pk) for _ in range(6)]

    notification.refresh_from_db()
    assert results == ["retry"] * 4 + ["failed", "nothing_to_do"]
    assert (notification.status, notification.attempts) == (NotificationStatus.FAILED, 5)
    assert notification.sent_at is None


def test_the_sweeper_sends_what_was_left_pending(patient):
    """Given a message claimed ten minutes ago whose send was lost (its on-commit enqueue
    never ran), when the sweeper runs, then it is sent; a fresh one is left to its own send."""
    lost = _claim(patient, key="lost:email")
    fresh = _claim(patient, key="fresh:email")
    Notification.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )

    requeued = tasks.requeue_pending_notifications.delay().get()

    assert requeued == 1
    assert dict(Notification.objects.values_list("pk", "status")) == {
        lost.pk: "sent",
        fresh.pk: "pending",
    }
    assert len(mail.outbox) == 1


def test_nightly_recompute_returns_zero_when_recovery_has_no_recompute(monkeypatch):
    monkeypatch.setitem(sys.modules, "ketaclinic.recovery.services", None)  # not importable

    assert tasks.nightly_recompute_outcomes.delay().get() == 0


def test_nightly_recompute_calls_the_recovery_recompute(monkeypatch):
    calls: list[str] = []

    def recompute_all() -> int:
        calls.append("all")
        return 42

    module = SimpleNamespace(recompute_all=recompute_all)
    monkeypatch.setitem(sys.modules, "ketaclinic.recovery.services", module)

    assert tasks.nightly_recompute_outcomes.delay().get() == 42
    assert calls == ["all"]


def test_the_beat_schedule_names_registered_tasks_only():
    registered = set(app.tasks)

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled == {
        "ketaclinic.notifications.tasks.send_appointment_reminders",
        "ketaclinic.notifications.tasks.send_checkin_reminders",
        "ketaclinic.notifications.tasks.send_questionnaire_reminders",
        "ketaclinic.notifications.tasks.send_integration_overdue_alerts",
        "ketaclinic.notifications.tasks.requeue_pending_notifications",
        "ketaclinic.notifications.tasks.nightly_recompute_outcomes",
    }
    assert scheduled <= registered


def test_the_broker_comes_from_the_environment(monkeypatch):
    """The settings read the broker from CELERY_BROKER_URL, else KETACLINIC_REDIS_URL, else
    the Redis on this machine."""
    import ketaclinic.config.settings.base as base

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("KETACLINIC_REDIS_URL", "redis://cache.example.org:6380/2")
    try:
        assert importlib.reload(base).CELERY_BROKER_URL == "redis://cache.example.org:6380/2"
        monkeypatch.setenv("CELERY_BROKER_URL", "redis://broker.example.org:6379/1")
        assert importlib.reload(base).CELERY_BROKER_URL == "redis://broker.example.org:6379/1"
        monkeypatch.delenv("CELERY_BROKER_URL")
        monkeypatch.delenv("KETACLINIC_REDIS_URL")
        assert importlib.reload(base).CELERY_BROKER_URL == "redis://127.0.0.1:6379/0"
    finally:
        monkeypatch.undo()
        importlib.reload(base)

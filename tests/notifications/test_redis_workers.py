"""Two real Celery workers on the Redis broker: each reminder is still sent exactly once.

The workers run in threads of this process (`celery.contrib.testing.worker.start_worker`)
against the Redis at 127.0.0.1:6379, database 15, which the test empties before and after.
Rows are committed (`transactional_db`) so the workers' own database connections see them:
on SQLite the test database is in memory with a shared cache, on PostgreSQL a real one.
The test fails, never skips, when Redis is not there: `.ci/run` starts it.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from ketaclinic.config.celery import app
from ketaclinic.notifications import tasks
from ketaclinic.notifications.models import Notification, NotificationStatus
from ketaclinic.notifications.sms import SmsMessage
from tests.factories import PatientFactory
from tests.notifications.factories import AppointmentFactory, ContactPreferenceFactory
from tests.portal.factories import PatientAccountFactory

REDIS_URL = os.environ.get("KETACLINIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TIMEOUT_SECONDS = 90

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({error}). Start it with "
            "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379` (.ci/run does).",
            pytrace=False,
        )
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def celery_on_redis(broker: redis.Redis) -> Iterator[Any]:
    """The project's Celery app, for this test only: not eager, brokered by Redis db 15."""
    # The app reads Django's CELERY_* settings, so the overrides use those names too.
    overrides = {
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_TASK_EAGER_PROPAGATES": False,
        "CELERY_WORKER_HIJACK_ROOT_LOGGER": False,
    }
    saved = {name: app.conf.get(name) for name in overrides}
    app.conf.update(overrides)
    _forget_connections()
    try:
        assert (app.conf.broker_url, app.conf.task_always_eager) == (REDIS_URL, False)
        yield app
    finally:
        app.conf.update(saved)
        _forget_connections()
    assert app.conf.task_always_eager is True


def _forget_connections() -> None:
    """Drop the broker connection and producer pools made for the other URL. Even an eager
    `delay()` takes a producer from the pool, so the earlier tests made one for db 0."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def task_runs() -> Iterator[list[tuple[str, str, Any, str]]]:
    """(worker thread, task, result, state) of every task a worker ran during the test."""
    runs: list[tuple[str, str, Any, str]] = []
    lock = threading.Lock()

    def finished(sender: Any, retval: Any = None, state: str = "", **kwargs: Any) -> None:
        with lock:
            runs.append(
                (threading.current_thread().name, sender.name.rsplit(".", 1)[-1], retval, state)
            )

    task_postrun.connect(finished, weak=False)
    yield runs
    task_postrun.disconnect(finished)


def _state(broker: redis.Redis, runs: list[tuple[str, str, Any, str]]) -> str:
    statuses = list(Notification.objects.values_list("pk", "status", "attempts", "last_error"))
    queued, unacked = broker.llen("celery"), broker.hlen("unacked")
    return (
        f"outbox {statuses}; {queued} queued and {unacked} unacknowledged messages; "
        f"tasks run {runs}"
    )


def _eventually(check: Callable[[], bool], what: str, state: Callable[[], str]) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError:  # SQLite's shared cache: a worker holds the write lock
            pass
        time.sleep(0.2)
    pytest.fail(f"Timed out after {TIMEOUT_SECONDS} s waiting for {what}: {state()}", pytrace=False)


def _idle(broker: redis.Redis) -> bool:
    """No message waiting in the queue and none delivered but unacknowledged."""
    return broker.llen("celery") == 0 and broker.hlen("unacked") == 0


def test_two_workers_on_redis_send_each_reminder_exactly_once(
    celery_on_redis: Any,
    broker: redis.Redis,
    task_runs: list[tuple[str, str, Any, str]],
    boston: Any,
    sms_outbox: list[SmsMessage],
) -> None:
    """Given four patients with an appointment in three hours (one also by text) and two
    whose check-in time has passed, when two workers on Redis each get every reminder run
    twice and every send three times, then each reminder is sent exactly once."""
    soon = timezone.now() + dt.timedelta(hours=3)
    for number in range(4):
        patient = PatientFactory(site=boston, email=f"appt{number}@example.org")
        AppointmentFactory(patient=patient, starts_at=soon)
        if number == 0:
            ContactPreferenceFactory(patient=patient, sms_enabled=True)
    for number in range(2):
        patient = PatientFactory(site=boston, email=f"checkin{number}@example.org")
        PatientAccountFactory(patient=patient)
        ContactPreferenceFactory(patient=patient, checkin_reminder_time=dt.time(0, 0))
    expected = 7  # 4 appointment emails + 1 text + 2 check-in emails

    # Each worker polls the broker in its own loop: kombu's event loop is one per process.
    worker_options = {"perform_ping_check": False, "shutdown_timeout": 30, "use_eventloop": False}
    with (
        start_worker(app, hostname="worker-a@notifications-test", **worker_options),
        start_worker(app, hostname="worker-b@notifications-test", **worker_options),
    ):
        for _ in range(2):
            tasks.send_appointment_reminders.delay()
            tasks.send_checkin_reminders.delay()
        _eventually(
            lambda: Notification.objects.count() == expected,
            "7 claimed reminders",
            lambda: _state(broker, task_runs),
        )
        for notification_id in Notification.objects.values_list("pk", flat=True):
            tasks.send_notification.delay(notification_id)  # racing the on-commit sends
            tasks.send_notification.delay(notification_id)
        _eventually(
            lambda: (
                _idle(broker)
                and not Notification.objects.exclude(status=NotificationStatus.SENT).exists()
            ),
            "every reminder sent and both workers idle",
            lambda: _state(broker, task_runs),
        )

    sent = list(Notification.objects.values_list("channel", "to_address", "attempts", "status"))
    assert len(sent) == expected
    assert {attempts for _c, _to, attempts, _s in sent} == {1}
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        to for channel, to, _a, _s in sent if channel == "email"
    )
    assert len(mail.outbox) == 6
    assert [message.to for message in sms_outbox] == ["(617) 555-0100"]
    # Both workers took part; of the 21 sends (7 after commit, 14 duplicates) 7 delivered.
    # A worker runs tasks in its own thread ("Thread-N (start)"), retries from its timer.
    workers = {thread for thread, *_rest in task_runs if thread.endswith("(start)")}
    assert len(workers) == 2
    sends = [result for _w, name, result, state in task_runs if name == "send_notification"]
    assert sends.count("sent") == expected
    assert sends.count("nothing_to_do") == 2 * expected
    print("task runs:", sorted({(w, n, str(r), st) for w, n, r, st in task_runs}))

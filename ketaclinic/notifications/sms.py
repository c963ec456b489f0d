"""Text messages: one small interface, chosen by the KETACLINIC_SMS_BACKEND setting.

A clinic connects its SMS provider by subclassing `SmsBackend` and naming the class in the
setting. The demo prints messages (`ConsoleSmsBackend`); the tests keep them in memory
(`LocmemSmsBackend`), as Django does for email.
"""

from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from typing import ClassVar, TextIO

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not accept the message; the send is retried later."""


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class SmsBackend:
    """Send one text message, or raise `SmsError`."""

    def send(self, *, to: str, body: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes each message to standard output, like Django's console email backend."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str) -> None:
        self.stream.write(f"SMS to {to}\n{body}\n{'-' * 40}\n")
        self.stream.flush()
        logger.info("SMS written to the console")


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in `LocmemSmsBackend.outbox` (tests); shared by every thread."""

    outbox: ClassVar[list[SmsMessage]] = []
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def send(self, *, to: str, body: str) -> None:
        with self._lock:
            self.outbox.append(SmsMessage(to=to, body=body))

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.outbox.clear()


def get_sms_backend() -> SmsBackend:
    backend_class: type[SmsBackend] = import_string(settings.KETACLINIC_SMS_BACKEND)
    return backend_class()


def send_sms(*, to: str, body: str) -> None:
    get_sms_backend().send(to=to, body=body)

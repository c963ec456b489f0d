"""Fixtures for the reminder tests: a Boston patient with a portal login, the outboxes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.notifications.sms import LocmemSmsBackend, SmsMessage
from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import PatientAccount
from tests.factories import PatientFactory
from tests.portal.factories import PatientAccountFactory


@pytest.fixture(autouse=True)
def sms_outbox() -> Iterator[list[SmsMessage]]:
    """The text messages sent during the test (emptied before and after)."""
    LocmemSmsBackend.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.clear()


@pytest.fixture
def frontdesk(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.FRONT_DESK, boston, username="frontdesk")


@pytest.fixture
def patient(boston: Site) -> Patient:
    """A Boston patient with an email address and a mobile number on file."""
    return PatientFactory(
        site=boston,
        first_name="Annabel",
        last_name="Alderwood",
        mrn="BOS000001",
        email="ann.alderwood@example.org",
        phone="(617) 555-0142",
    )


@pytest.fixture
def account(patient: Patient, frontdesk: User) -> PatientAccount:
    """The patient's active portal login."""
    return PatientAccountFactory(patient=patient, invited_by=frontdesk)


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Call a service or task as a worker would: after-commit sends run before it returns."""

    def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call

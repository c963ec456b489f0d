from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import AddictionTarget, Patient, RecoveryUnit, Sex, Target
from ketaclinic.portal.models import PatientAccount
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.recovery.services._common import site_today
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory
from tests.portal.factories import PatientAccountFactory
from tests.recovery.factories import DailyRecordFactory


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def admin(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="clinic-admin")


@pytest.fixture
def patient(boston: Site) -> Patient:
    return PatientFactory(
        site=boston, first_name="Rowan", last_name="Example", sex=Sex.MALE, mrn="BOS000042"
    )


@pytest.fixture
def alcohol(patient: Patient, nurse: User) -> AddictionTarget:
    return AddictionTargetFactory(patient=patient, recorded_by=nurse)


@pytest.fixture
def nicotine(patient: Patient, nurse: User) -> AddictionTarget:
    return AddictionTargetFactory(
        patient=patient,
        recorded_by=nurse,
        target=Target.NICOTINE,
        unit=RecoveryUnit.USE_EPISODES,
    )


@pytest.fixture
def account(patient: Patient, nurse: User) -> PatientAccount:
    return PatientAccountFactory(
        patient=patient, invited_by=nurse, user__username="rowan@example.org"
    )


@pytest.fixture
def portal_user(account: PatientAccount) -> User:
    return account.user


@pytest.fixture
def today(boston: Site) -> dt.date:
    return site_today(boston)


@pytest.fixture
def record(nurse: User) -> Callable[..., DailyRecord]:
    """record(target, day, used=False, quantity=None, source=self_report)."""

    def make(
        target: AddictionTarget,
        day: dt.date,
        used: bool = False,
        quantity: Decimal | int | None = None,
        source: str = Source.SELF_REPORT,
        **extra: Any,
    ) -> DailyRecord:
        if quantity is None and source in (Source.SELF_REPORT, Source.INTERVIEW):
            quantity = Decimal(1) if used else Decimal(0)
        return DailyRecordFactory(
            target=target,
            day=day,
            used=used,
            quantity=None if quantity is None else Decimal(quantity),
            source=source,
            recorded_by=nurse,
            **extra,
        )

    return make


@pytest.fixture
def therapist_user(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.THERAPIST, boston, username="therapist")

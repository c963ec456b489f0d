from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import AddictionTarget, Patient, RecoveryUnit, Target, TargetKind
from ketaclinic.portal.models import PatientAccount
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory
from tests.portal.factories import PatientAccountFactory

_LINK = re.compile(r"(?:http://testserver)?(/portal/activate/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def frontdesk(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.FRONT_DESK, boston, username="frontdesk")


@pytest.fixture
def therapist(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.THERAPIST, boston, username="therapist")


@pytest.fixture
def wh_frontdesk(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.FRONT_DESK, west_hartford, username="wh-frontdesk")


@pytest.fixture
def patient(boston: Site) -> Patient:
    """A Boston patient who goes by a preferred name."""
    return PatientFactory(
        site=boston,
        first_name="Annabel",
        preferred_name="Ann",
        last_name="Alderwood",
        mrn="BOS000001",
        email="Ann.Alderwood@example.org",
    )


@pytest.fixture
def account_factory(db: None) -> type[PatientAccountFactory]:
    return PatientAccountFactory


@pytest.fixture
def active_account(patient: Patient, frontdesk: User) -> PatientAccount:
    return PatientAccountFactory(patient=patient, invited_by=frontdesk)


@pytest.fixture
def sent_link() -> Callable[[int], str]:
    """The activation path in the n-th email sent (default: the last one)."""

    def link(index: int = -1) -> str:
        match = _LINK.search(str(mail.outbox[index].body))
        assert match is not None, mail.outbox[index].body
        return match.group(1)

    return link


# --- Recovery: a patient with two addiction targets --------------------------------------------


@pytest.fixture
def alcohol(patient: Patient, physician: User) -> AddictionTarget:
    return AddictionTargetFactory(patient=patient, recorded_by=physician)


@pytest.fixture
def gambling(patient: Patient, physician: User, alcohol: AddictionTarget) -> AddictionTarget:
    """Recorded after alcohol, so the pages list it second."""
    return AddictionTargetFactory(
        patient=patient,
        recorded_by=physician,
        target=Target.GAMBLING,
        kind=TargetKind.BEHAVIOURAL,
        unit=RecoveryUnit.MONEY_USD,
    )


@pytest.fixture
def patient_client(active_account: PatientAccount, client_for: Callable[[User], Client]) -> Client:
    return client_for(active_account.user)


@pytest.fixture
def other_account(boston: Site, frontdesk: User) -> PatientAccount:
    """Another Boston patient with a portal login and a target of their own."""
    other = PatientFactory(
        site=boston, first_name="Bo", last_name="Brookline", email="bo.brookline@example.org"
    )
    AddictionTargetFactory(patient=other, target=Target.CANNABIS, unit=RecoveryUnit.USE_EPISODES)
    return PatientAccountFactory(patient=other, invited_by=frontdesk)

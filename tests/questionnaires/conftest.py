from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Patient, Sex
from tests.factories import PatientFactory


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def front_desk(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.FRONT_DESK, boston, username="front-desk")


@pytest.fixture
def clinic_admin(make_user: Callable[..., User], boston: Site, west_hartford: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="clinic-admin")


@pytest.fixture
def patient(boston: Site) -> Patient:
    return PatientFactory(site=boston, first_name="Ada", last_name="Alderwood", sex=Sex.FEMALE)


@pytest.fixture
def wh_patient(west_hartford: Site) -> Patient:
    return PatientFactory(site=west_hartford, last_name="Birchfield")

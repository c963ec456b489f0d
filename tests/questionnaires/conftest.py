from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Patient, Sex
from tests.factories import PatientFactory
from tests.questionnaires.factories import patient_login


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


@pytest.fixture
def patient_user(patient: Patient, nurse: User) -> User:
    """Ada's own login (no roles, no sites)."""
    return patient_login(patient, invited_by=nurse, username="ada")


@pytest.fixture
def other_patient(boston: Site) -> Patient:
    return PatientFactory(site=boston, first_name="Bo", last_name="Brookline")


@pytest.fixture
def other_patient_user(other_patient: Patient, nurse: User) -> User:
    return patient_login(other_patient, invited_by=nurse, username="bo")


@pytest.fixture
def therapist(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.THERAPIST, boston, username="therapist")

"""Fixtures for the course tests: more roles, a ready Boston patient, the protocol library."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Patient
from ketaclinic.protocols.models import ProtocolVersion
from tests.courses.factories import library_version
from tests.factories import PatientFactory
from tests.treatment import ready_patient


@pytest.fixture
def kare(db: None) -> ProtocolVersion:
    return library_version("kare-2022")


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def therapist(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.THERAPIST, boston, username="therapist")


@pytest.fixture
def clinic_admin(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="clinic-admin")


@pytest.fixture
def wh_physician(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.PHYSICIAN, west_hartford, username="wh-physician")


@pytest.fixture
def patient(boston: Site) -> Patient:
    return PatientFactory(site=boston, first_name="Ann", last_name="Alderwood")


@pytest.fixture
def ready(patient: Patient, physician: User, kare: ProtocolVersion) -> Patient:
    """Eligible, signed risk-benefit, valid treatment consent, weighed yesterday."""
    return ready_patient(patient=patient, physician=physician)

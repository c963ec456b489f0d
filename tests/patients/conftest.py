from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Patient
from tests.factories import PatientFactory
from tests.patients import factories


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def therapist(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.THERAPIST, boston, username="therapist")


@pytest.fixture
def wh_nurse(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.NURSE, west_hartford, username="wh-nurse")


@pytest.fixture
def patient(boston: Site) -> Patient:
    """A Boston patient."""
    return PatientFactory(site=boston, last_name="Alderwood", mrn="BOS000001")


@pytest.fixture
def target_factory() -> type[factories.AddictionTargetFactory]:
    return factories.AddictionTargetFactory


@pytest.fixture
def medication_factory() -> type[factories.MedicationFactory]:
    return factories.MedicationFactory


@pytest.fixture
def measurement_factory() -> type[factories.BodyMeasurementFactory]:
    return factories.BodyMeasurementFactory


@pytest.fixture
def allergy_factory() -> type[factories.AllergyFactory]:
    return factories.AllergyFactory


@pytest.fixture
def diagnosis_factory() -> type[factories.DiagnosisFactory]:
    return factories.DiagnosisFactory


@pytest.fixture
def history_factory() -> type[factories.HistoryItemFactory]:
    return factories.HistoryItemFactory

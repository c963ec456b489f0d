from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.examples import ensure_example_rules
from ketaclinic.infusions.models import Infusion
from tests.factories import PatientFactory
from tests.infusions.flow import Flow
from tests.treatment import (
    InfusionFactory,
    SignedPreparationFactory,
    TreatmentCourseFactory,
    protocol_version,
    ready_patient,
)


@pytest.fixture(autouse=True)
def _example_rules(db: None) -> None:
    """The migration installs them; a transactional test's flush removes them."""
    ensure_example_rules()


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def nurse2(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse2")


@pytest.fixture
def course(boston: Site, physician: User) -> TreatmentCourse:
    """An active KARE course of a ready patient with a signed preparation."""
    patient = ready_patient(patient=PatientFactory(site=boston), physician=physician)
    course = TreatmentCourseFactory(
        patient=patient, protocol_version=protocol_version(), supervising_physician=physician
    )
    SignedPreparationFactory(course=course, physician=physician)
    return course


@pytest.fixture
def infusion(course: TreatmentCourse, nurse: User) -> Infusion:
    return InfusionFactory(course=course, created_by=nurse)


@pytest.fixture
def flow(infusion: Infusion, nurse: User, physician: User) -> Flow:
    return Flow(infusion=infusion, nurse=nurse, physician=physician)

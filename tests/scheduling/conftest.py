"""Fixtures for the calendar tests: a Boston clinic with two chairs and two rooms open every
day 08:00-18:00, its staff working the same hours, a patient and an open KARE course."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Resource, ResourceKind
from tests.factories import PatientFactory
from tests.scheduling.factories import chair, works_all_week
from tests.treatment import TreatmentCourseFactory, protocol_version


@pytest.fixture
def chair1(boston: Site) -> Resource:
    return chair(boston, "Chair 1", order=1)


@pytest.fixture
def chair2(boston: Site) -> Resource:
    return chair(boston, "Chair 2", order=2)


@pytest.fixture
def room1(boston: Site) -> Resource:
    return chair(boston, "Room 1", kind=ResourceKind.ROOM, order=1)


@pytest.fixture
def room2(boston: Site) -> Resource:
    return chair(boston, "Room 2", kind=ResourceKind.ROOM, order=2)


@pytest.fixture
def doctor(physician: User, boston: Site) -> User:
    """The Boston physician (first name Casey) working every day 08:00-18:00."""
    physician.first_name, physician.last_name = "Casey", "Example"
    physician.save()
    return works_all_week(physician, boston)


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    user = make_user(Role.NURSE, boston, username="nurse")
    user.first_name, user.last_name = "Nina", "Nurse"
    user.save()
    return works_all_week(user, boston)


@pytest.fixture
def therapist(make_user: Callable[..., User], boston: Site) -> User:
    user = make_user(Role.THERAPIST, boston, username="therapist")
    user.first_name, user.last_name = "Tara", "Therapist"
    user.save()
    return works_all_week(user, boston)


@pytest.fixture
def frontdesk(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.FRONT_DESK, boston, username="frontdesk")


@pytest.fixture
def clinic_admin(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="clinicadmin")


@pytest.fixture
def patient(boston: Site) -> Patient:
    return PatientFactory(site=boston, first_name="Ann", last_name="Alderwood", mrn="BOS-00012")


@pytest.fixture
def other_patient(boston: Site) -> Patient:
    return PatientFactory(site=boston, first_name="Ben", last_name="Birch", mrn="BOS-00013")


@pytest.fixture
def course(patient: Patient, doctor: User, therapist: User) -> TreatmentCourse:
    """An active KARE course (3 sessions, weekly) with Tara as its therapist."""
    return TreatmentCourseFactory(
        patient=patient,
        protocol_version=protocol_version("kare-2022"),
        supervising_physician=doctor,
        therapist=therapist,
    )


@pytest.fixture
def other_course(other_patient: Patient, doctor: User) -> TreatmentCourse:
    return TreatmentCourseFactory(
        patient=other_patient,
        protocol_version=protocol_version("kare-2022"),
        supervising_physician=doctor,
    )

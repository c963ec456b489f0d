"""Fixtures shared by the consent tests only (the suite-wide ones live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.consent.models import ConsentKind, ConsentTemplate, TemplateStatus
from ketaclinic.patients.models import Patient
from tests.consent.factories import ConsentTemplateFactory, PatientConsentFactory


@pytest.fixture
def clinic_admin(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="clinicadmin")


@pytest.fixture
def wh_admin(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, west_hartford, username="wh-admin")


@pytest.fixture
def frontdesk(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.FRONT_DESK, boston, username="frontdesk")


@pytest.fixture
def patient(boston: Site, patient_factory: Any) -> Patient:
    created: Patient = patient_factory(site=boston, first_name="Avery", last_name="Testpatient")
    return created


@pytest.fixture
def template_factory(db: None) -> type[ConsentTemplateFactory]:
    return ConsentTemplateFactory


@pytest.fixture
def consent_factory(db: None) -> type[PatientConsentFactory]:
    return PatientConsentFactory


@pytest.fixture
def shipped_treatment(db: None) -> ConsentTemplate:
    """The example treatment template migration 0002 ships: active, all sites, version 1."""
    return ConsentTemplate.objects.get(kind=ConsentKind.TREATMENT_KETAMINE, version=1)


@pytest.fixture
def shipped_part2(db: None) -> ConsentTemplate:
    return ConsentTemplate.objects.get(
        kind=ConsentKind.PART2_DISCLOSURE, version=1, status=TemplateStatus.ACTIVE
    )

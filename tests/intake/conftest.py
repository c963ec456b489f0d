"""Fixtures shared by the intake tests only (the suite-wide ones live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from tests.intake.factories import InquiryFactory


@pytest.fixture
def frontdesk(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.FRONT_DESK, boston, username="frontdesk")


@pytest.fixture
def wh_frontdesk(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.FRONT_DESK, west_hartford, username="wh-frontdesk")


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    """A role that may not work the inquiry queue."""
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def inquiry_factory() -> type[InquiryFactory]:
    return InquiryFactory


@pytest.fixture
def form_data() -> dict[str, Any]:
    """A complete, valid public form submission (synthetic person)."""
    return {
        "first_name": "Robin",
        "last_name": "Quillfeather",
        "date_of_birth": "1985-04-12",
        "phone": "857-555-0142",
        "email": "robin.q@example.org",
        "preferred_contact": "text",
        "addictions": ["alcohol", "gambling", "other"],
        "addiction_other": "Video games",
        "prior_treatment": "Twelve weeks of outpatient counselling",
        "high_blood_pressure": "no",
        "psychosis_history": "unsure",
        "pregnancy": "no",
        "prior_ketamine_misuse": "yes",
        "crisis": "no",
        "website": "",
    }

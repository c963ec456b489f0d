"""Fixtures for the protocol tests: the seeded library, staff of each role, a course user."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.protocols.models import ProtocolVersion
from ketaclinic.protocols.seed import seed_library
from ketaclinic.protocols.selectors import active_version


@pytest.fixture(autouse=True)
def _library(db: None) -> None:
    """The data migration installs the library; reinstall in case a flush removed it."""
    seed_library()


@pytest.fixture
def clinic_admin(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="clinic-admin")


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def researcher(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.RESEARCHER, boston, username="researcher")


@pytest.fixture
def kare() -> ProtocolVersion:
    return active_version(code="kare-2022")


@pytest.fixture
def das() -> ProtocolVersion:
    return active_version(code="das-2019")

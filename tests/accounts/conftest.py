"""Fixtures shared by the accounts tests only (the suite-wide ones live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role


@pytest.fixture
def clinic_admin(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="clinicadmin")


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client

from ketaclinic.accounts.middleware import LAST_SEEN_KEY
from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.accounts.services import api_token_create
from tests.factories import PatientFactory, SiteFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def _expected_database() -> None:
    """`make test` says which database each run must use, so a misconfigured run cannot pass."""
    expected = os.environ.get("KETACLINIC_EXPECT_DB")
    if expected:
        assert connection.vendor == expected, f"tests ran on {connection.vendor}, not {expected}"


@pytest.fixture
def boston(db: None) -> Site:
    return SiteFactory(name="Boston, MA", slug="boston")


@pytest.fixture
def west_hartford(db: None) -> Site:
    return SiteFactory(name="West Hartford, CT", slug="west-hartford")


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: Role, *sites: Site, username: str | None = None) -> User:
        kwargs = {"username": username} if username else {}
        return UserFactory(roles=[role], sites=list(sites), **kwargs)

    return make


@pytest.fixture
def physician(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.PHYSICIAN, boston, username="physician")


@pytest.fixture
def wh_therapist(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.THERAPIST, west_hartford, username="wh-therapist")


@pytest.fixture
def compliance(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.COMPLIANCE, boston, username="compliance")


@pytest.fixture
def patient_factory() -> type[PatientFactory]:
    return PatientFactory


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        # As the sign-in page does: the idle clock starts at sign-in.
        session = client.session
        session[LAST_SEEN_KEY] = time.time()
        session.save()
        return client

    return make


@pytest.fixture
def api_client_for() -> Callable[[User], Client]:
    """A client that sends a fresh personal access token for `user` on every request."""

    def make(user: User) -> Client:
        _token, secret = api_token_create(actor=user, user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make

from __future__ import annotations

from collections.abc import Callable

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role


@pytest.fixture
def researcher(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.RESEARCHER, boston, username="researcher")


@pytest.fixture
def wh_physician(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.PHYSICIAN, west_hartford, username="wh-physician")

"""Who at a site holds a permission: the register's witnesses and second counters."""

from __future__ import annotations

from collections.abc import Callable

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm, Role
from ketaclinic.accounts.selectors import staff_with_perm


def test_staff_with_perm_lists_active_holders_at_the_site_except_the_actor(
    make_user: Callable[..., User], boston: Site, west_hartford: Site
) -> None:
    """Given a Boston nurse, physician, therapist, a deactivated nurse and a West Hartford
    nurse, then the Boston witnesses other than the asking nurse are the physician only."""
    nurse = make_user(Role.NURSE, boston, username="nurse-a")
    physician = make_user(Role.PHYSICIAN, boston, username="doc-b")
    make_user(Role.THERAPIST, boston, username="ther-c")
    gone = make_user(Role.NURSE, boston, username="nurse-d")
    gone.is_active = False
    gone.save()
    make_user(Role.NURSE, west_hartford, username="wh-nurse-e")

    found = staff_with_perm(site=boston, perm=Perm.INVENTORY_WITNESS, exclude=nurse)

    assert list(found) == [physician]

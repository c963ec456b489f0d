from __future__ import annotations

import pytest

from ketaclinic.core.errors import NotFoundError, PermissionDeniedError
from ketaclinic.protocols.selectors import active_version, require_staff, usable_versions
from tests.factories import UserFactory


def test_active_version_prefetches_phases(django_assert_num_queries):
    with django_assert_num_queries(2):
        version = active_version(code="dakwar-alc-2020")
        kinds = [p.kind for p in version.phases.all()]

    assert (version.number, kinds) == (1, ["bolus", "infusion"])


def test_active_version_of_an_unknown_code_is_404():
    with pytest.raises(NotFoundError, match="The protocol 'nope' does not exist"):
        active_version(code="nope")


def test_usable_versions_leave_out_protocols_without_a_dose_or_a_duration():
    """DAS-2019 has no dose; AZHARI-CANN-2021 no infusion minutes (no pump rate)."""
    assert [str(v) for v in usable_versions()] == [
        "dakwar-alc-2020 v1",
        "dakwar-coc-2019 v1",
        "kare-2022 v1",
        "krupitsky-her-2007 v1",
    ]


def test_a_user_without_a_staff_role_cannot_read_the_library():
    with pytest.raises(PermissionDeniedError, match="for clinic staff"):
        require_staff(user=UserFactory(roles=[], sites=[]))

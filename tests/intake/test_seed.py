"""Demo inquiries: every status, some urgent, the booked ones made patients, all synthetic."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.intake.models import Inquiry, InquiryStatus, InquiryStatusChange
from ketaclinic.intake.seed import seed_inquiries
from ketaclinic.patients.models import Patient


class _Rollback(Exception):
    pass


def test_seed_covers_every_status_urgent_ones_and_two_conversions_per_site(
    make_user, boston, west_hartford
):
    """Given a triage-capable user at each site, the seed walks inquiries through statuses."""
    frontdesk = make_user(Role.FRONT_DESK, boston, username="frontdesk")
    make_user(Role.PHYSICIAN, west_hartford, username="wh-physician")

    created = seed_inquiries(sites=[boston, west_hartford], seed=7, actor=frontdesk)

    assert len(created) == 24
    for site in (boston, west_hartford):
        at_site = Inquiry.objects.filter(site=site)
        assert Counter(at_site.values_list("status", flat=True)) == {
            InquiryStatus.NEW: 4,
            InquiryStatus.CONTACTED: 2,
            InquiryStatus.EVALUATION_BOOKED: 2,
            InquiryStatus.REFERRED_ELSEWHERE: 2,
            InquiryStatus.CLOSED: 2,
        }
        assert at_site.filter(is_urgent=True).count() == 2
        assert at_site.filter(patient__isnull=False, status="evaluation_booked").count() == 2
    assert Patient.objects.count() == 4
    assert set(Patient.objects.values_list("mrn", flat=True)) == {
        "BOS000001",
        "BOS000002",
        "WES000001",
        "WES000002",
    }
    boston_changes = InquiryStatusChange.objects.filter(inquiry__site=boston)
    assert set(boston_changes.values_list("changed_by__username", flat=True)) == {"frontdesk"}
    assert all(i.email.endswith("@example.org") for i in created)
    assert all(" 555-01" in i.phone for i in created)
    assert AuditEvent.objects.filter(action=Action.CREATE, target_type="inquiry_batch").count() == 2


def test_without_triage_staff_a_site_keeps_its_inquiries_new(boston):
    seed_inquiries(sites=[boston], seed=7, count_per_site=6)

    assert set(Inquiry.objects.values_list("status", flat=True)) == {"new"}
    assert not Patient.objects.exists()


def _seed_and_roll_back(seed: int, site, names: list[tuple[str, str]]) -> None:
    with transaction.atomic():
        created = seed_inquiries(sites=[site], seed=seed, count_per_site=4)
        names.extend((i.first_name, i.last_name) for i in created)
        raise _Rollback


def _names(seed: int, site) -> list[tuple[str, str]]:
    """The names a seed produces on an empty database (each run is rolled back)."""
    names: list[tuple[str, str]] = []
    with pytest.raises(_Rollback):
        _seed_and_roll_back(seed, site, names)
    return names


def test_seed_is_deterministic(boston):
    assert _names(11, boston) == _names(11, boston)
    assert _names(11, boston) != _names(12, boston)

"""Counts by two people, discrepancies and their resolution."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.core.errors import ApplicationError
from ketaclinic.inventory import services
from ketaclinic.inventory.models import (
    Balance,
    Count,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    EntryKind,
    LedgerEntry,
)
from tests.inventory.conftest import PASSWORD, receive


def count(actor, second, site, lines, *, password=PASSWORD, kind=CountKind.SHIFT, timing=""):
    return services.count_record(
        actor=actor,
        site=site,
        kind=kind,
        timing=timing,
        second=services.SecondCounter(second, password),
        lines=lines,
        counted_at=timezone.now(),
    )


def line(lot, location, sealed, opened="0"):
    return services.CountLineIn(lot.pk, location.pk, sealed, Decimal(opened))


def test_matching_count_opens_no_discrepancy(nurse, physician, stocked_cart, cart):
    """Given 1000 mg (2 sealed vials) in the cart, when counted as 2 vials, then no discrepancy."""
    result = count(nurse, physician, cart.site, [line(stocked_cart, cart, 2)])
    assert result.lines.get().counted_mg == Decimal("1000.000")
    assert Discrepancy.objects.count() == 0


def test_short_count_opens_a_discrepancy(nurse, physician, stocked_cart, cart):
    """Given 1000 mg, when counted as 1 vial and 480 mg estimated in an opened one, then a
    -20 mg discrepancy opens for compliance."""
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 1, "480")])
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.difference_mg, discrepancy.status) == (
        Decimal("-20.000"),
        DiscrepancyStatus.OPEN,
    )


def _assert_count_refused(call, field):
    with pytest.raises(ApplicationError) as caught:
        call()
    assert field in caught.value.field_errors
    assert (Count.objects.count(), Discrepancy.objects.count()) == (0, 0)


def test_count_by_one_person_is_refused(nurse, stocked_cart, cart):
    _assert_count_refused(
        lambda: count(nurse, nurse, cart.site, [line(stocked_cart, cart, 2)]), "second_counter"
    )


def test_count_with_wrong_second_password_is_refused(nurse, physician, stocked_cart, cart):
    _assert_count_refused(
        lambda: count(nurse, physician, cart.site, [line(stocked_cart, cart, 2)], password="x"),
        "second_counter_password",
    )


def test_count_missing_a_stocked_lot_is_refused(nurse, physician, stocked_cart, cart):
    _assert_count_refused(lambda: count(nurse, physician, cart.site, []), "lines")


def test_inventory_states_open_or_close(compliance, nurse, stocked_cart, cart):
    """Given a biennial inventory without 'open/close of business', then refused."""
    _assert_count_refused(
        lambda: count(
            compliance, nurse, cart.site, [line(stocked_cart, cart, 2)], kind=CountKind.BIENNIAL
        ),
        "timing",
    )
    result = count(
        compliance,
        nurse,
        cart.site,
        [line(stocked_cart, cart, 2)],
        kind=CountKind.BIENNIAL,
        timing="close",
    )
    assert result.get_timing_display() == "Close of business"


def test_resolution_with_reversal(compliance, nurse, physician, safe, lot):
    """Given a receipt typed twice (count shows 1000 mg of a 2000 mg balance), when compliance
    resolves by reversing the duplicate, then the balance is right and the discrepancy closed."""
    receive(compliance, safe, lot)
    duplicate = receive(compliance, safe, lot)
    count(nurse, physician, safe.site, [line(lot, safe, 2)])
    discrepancy = Discrepancy.objects.get()

    resolved = services.discrepancy_resolve(
        actor=compliance,
        discrepancy_id=discrepancy.pk,
        resolution="Invoice INV-1 entered twice.",
        reverse_entry_id=duplicate.pk,
    )

    assert resolved.status == DiscrepancyStatus.RESOLVED
    assert resolved.reversal is not None
    assert resolved.reversal.kind == EntryKind.ADJUSTMENT
    assert resolved.reversal.reason.startswith(f"Discrepancy {discrepancy.pk}: Invoice")
    assert Balance.objects.get(lot=lot, location=safe).quantity_mg == Decimal("1000.000")


def test_resolution_needs_text_and_compliance(compliance, nurse, physician, stocked_cart, cart):
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 1)])
    discrepancy = Discrepancy.objects.get()
    entries = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError):
        services.discrepancy_resolve(
            actor=nurse, discrepancy_id=discrepancy.pk, resolution="fine", reverse_entry_id=None
        )
    with pytest.raises(ApplicationError) as caught:
        services.discrepancy_resolve(
            actor=compliance, discrepancy_id=discrepancy.pk, resolution=" ", reverse_entry_id=None
        )
    assert "resolution" in caught.value.field_errors
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.OPEN
    assert LedgerEntry.objects.count() == entries

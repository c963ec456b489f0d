"""Counts by two people, discrepancies and their resolution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
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
    Registrant,
    ResolutionKind,
)
from ketaclinic.inventory.reports import Period, reconciliation
from ketaclinic.inventory.selectors import balance_from_entries, losses_awaiting_form106
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


def resolve(actor, discrepancy, resolved_as, resolution="Found the cause.", entry_id=None):
    return services.discrepancy_resolve(
        actor=actor,
        discrepancy_id=discrepancy.pk,
        resolved_as=resolved_as,
        resolution=resolution,
        entry_id=entry_id,
    )


def written():
    """What a refusal must leave as it was: entries, balances, filings, resolutions."""
    return (
        list(LedgerEntry.objects.values_list("id", flat=True)),
        list(Balance.objects.values_list("lot_id", "location_id", "quantity_mg")),
        list(
            Discrepancy.objects.values_list(
                "status", "resolved_as", "resolving_entry_id", "recount_id", "resolution"
            )
        ),
        AuditEvent.objects.filter(target_type="discrepancy", action=Action.UPDATE).count(),
    )


def refused(call, field):
    before = written()
    with pytest.raises(ApplicationError) as caught:
        call()
    assert field in caught.value.field_errors, caught.value.field_errors
    assert written() == before
    return caught.value


def reconciliation_row(site, lot, location):
    today = timezone.localdate()
    period = Period(Registrant.objects.get(site=site), today - dt.timedelta(days=1), today)
    report = reconciliation(period)
    for row in report.rows:
        if row[0] == lot.lot_number and row[3] == location.name:
            return dict(zip(report.header, row, strict=True))
    raise AssertionError(f"no row for {lot} at {location}")


def test_short_count_resolved_by_recording_the_loss(
    compliance, nurse, physician, stocked_cart, cart
):
    """Given 1000 mg in the cart, when the count finds 1 vial and 490 mg (10 mg short),
    then a -10 mg discrepancy is open and the reconciliation says the last count does not
    agree (while the ledger is consistent);
    when compliance resolves it as a theft or loss,
    then one theft/loss entry of -10 mg at that lot and location, discovered at the count,
    is linked to the discrepancy, the balance is 990 mg, the loss awaits Form 106 (notice
    by the next business day, Form 106 within 45 days), and the last count agrees."""
    counted = count(nurse, physician, cart.site, [line(stocked_cart, cart, 1, "490")])
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.difference_mg, discrepancy.status) == (
        Decimal("-10.000"),
        DiscrepancyStatus.OPEN,
    )
    before = reconciliation_row(cart.site, stocked_cart, cart)
    assert (before["Closing mg"], before["On hand mg"], before["Ledger consistent"]) == (
        "1000.000",
        "1000.000",
        "yes",
    )
    assert (before["Last count mg"], before["Last count agrees"]) == ("990.000", "NO")

    resolved = resolve(
        compliance, discrepancy, ResolutionKind.THEFT_LOSS, "Opened vial 10 mg short; spilled."
    )

    loss = LedgerEntry.objects.get(kind=EntryKind.THEFT_LOSS)
    assert (resolved.status, resolved.resolved_as, resolved.resolving_entry) == (
        DiscrepancyStatus.RESOLVED,
        ResolutionKind.THEFT_LOSS,
        loss,
    )
    assert (resolved.resolved_by, resolved.recount) == (compliance, None)
    assert (loss.lot, loss.location, loss.quantity_mg, loss.actor) == (
        stocked_cart,
        cart,
        Decimal("-10.000"),
        compliance,
    )
    assert loss.discovered_at == loss.occurred_at == counted.counted_at
    assert loss.note == f"Discrepancy {discrepancy.pk}: Opened vial 10 mg short; spilled."
    assert Discrepancy.objects.get(resolving_entry=loss) == resolved
    assert Balance.objects.get(lot=stocked_cart, location=cart).quantity_mg == Decimal("990.000")
    assert balance_from_entries(lot=stocked_cart, location=cart) == Decimal("990.000")
    assert losses_awaiting_form106(site=cart.site) == [loss]
    discovered = timezone.localtime(counted.counted_at).date()
    assert services.loss_deadlines(loss).form106_by == discovered + dt.timedelta(days=45)
    after = reconciliation_row(cart.site, stocked_cart, cart)
    assert (after["Lost"], after["Closing mg"], after["On hand mg"]) == (
        "-10.000",
        "990.000",
        "990.000",
    )
    assert (after["Ledger consistent"], after["Last count agrees"]) == ("yes", "yes")
    audit = AuditEvent.objects.get(target_type="discrepancy", action=Action.UPDATE)
    assert audit.detail == f"resolved as=theft_loss entry={loss.pk} recount=-"


def test_a_surplus_cannot_be_recorded_as_a_loss(compliance, nurse, physician, stocked_cart, cart):
    """Given a count 20 mg higher than the register, then 'theft or loss' is refused and
    nothing is written."""
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 2, "20")])
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.difference_mg == Decimal("20.000")
    error = refused(
        lambda: resolve(compliance, discrepancy, ResolutionKind.THEFT_LOSS), "resolved_as"
    )
    assert "nothing was lost" in error.message


def test_counting_error_needs_a_recount_that_agrees(
    compliance, nurse, physician, stocked_cart, cart
):
    """Given a count 10 mg short, when compliance calls it a counting error with no recount,
    or after a recount that is also short, then refused and nothing written; after a recount
    of 2 sealed vials (agreeing), it resolves with the recount linked and no entry."""
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 1, "490")])
    discrepancy = Discrepancy.objects.get(line__count__kind=CountKind.SHIFT)
    entries = LedgerEntry.objects.count()
    error = refused(
        lambda: resolve(compliance, discrepancy, ResolutionKind.COUNTING_ERROR), "resolved_as"
    )
    assert error.message.startswith("No recount of lot LOT-A1 at Infusion cart 1")
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 1, "495")])
    error = refused(
        lambda: resolve(compliance, discrepancy, ResolutionKind.COUNTING_ERROR), "resolved_as"
    )
    assert "also differs" in error.message

    recount = count(physician, nurse, cart.site, [line(stocked_cart, cart, 2)])
    resolved = resolve(compliance, discrepancy, ResolutionKind.COUNTING_ERROR, "Miscounted.")

    assert (resolved.status, resolved.resolved_as) == (
        DiscrepancyStatus.RESOLVED,
        ResolutionKind.COUNTING_ERROR,
    )
    assert (resolved.resolving_entry, resolved.recount) == (None, recount.lines.get())
    assert LedgerEntry.objects.count() == entries
    assert Balance.objects.get(lot=stocked_cart, location=cart).quantity_mg == Decimal("1000.000")
    assert reconciliation_row(cart.site, stocked_cart, cart)["Last count agrees"] == "yes"


def test_correction_reverses_the_duplicate_receipt(compliance, nurse, physician, safe, lot):
    """Given a receipt typed twice (count shows 1000 mg of a 2000 mg balance), when compliance
    resolves by correcting the duplicate, then a reversing entry dated at the count is linked,
    the balance is 1000 mg and the last count agrees."""
    receive(compliance, safe, lot)
    duplicate = receive(compliance, safe, lot)
    counted = count(nurse, physician, safe.site, [line(lot, safe, 2)])
    discrepancy = Discrepancy.objects.get()
    assert reconciliation_row(safe.site, lot, safe)["Last count agrees"] == "NO"

    resolved = resolve(
        compliance, discrepancy, ResolutionKind.CORRECTION, "Invoice INV-1 entered twice.",
        entry_id=duplicate.pk,
    )  # fmt: skip

    reversal = resolved.resolving_entry
    assert reversal is not None
    assert (reversal.kind, reversal.reverses, reversal.quantity_mg) == (
        EntryKind.ADJUSTMENT,
        duplicate,
        Decimal("-1000.000"),
    )
    assert reversal.reason == f"Discrepancy {discrepancy.pk}: Invoice INV-1 entered twice."
    assert reversal.occurred_at == counted.counted_at
    assert resolved.resolved_as == ResolutionKind.CORRECTION
    assert Balance.objects.get(lot=lot, location=safe).quantity_mg == Decimal("1000.000")
    assert reconciliation_row(safe.site, lot, safe)["Last count agrees"] == "yes"


def test_surplus_corrected_by_reversing_a_loss_recorded_in_error(
    compliance, nurse, physician, stocked_cart, cart
):
    """Given a 20 mg loss recorded in error, when the count finds the 20 mg (surplus), then
    correcting the loss entry puts them back (balance 1000 mg) and links the reversal."""
    wrong = services.loss_record(
        actor=compliance, site=cart.site, lot_id=stocked_cart.pk, location_id=cart.pk,
        quantity_mg=Decimal("20"), discovered_at=timezone.now() - dt.timedelta(minutes=30),
        note="Thought a vial was chipped",
    )  # fmt: skip
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 2)])
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.difference_mg == Decimal("20.000")

    resolved = resolve(
        compliance, discrepancy, ResolutionKind.CORRECTION, "Vial was intact.", entry_id=wrong.pk
    )

    assert resolved.resolving_entry is not None
    assert resolved.resolving_entry.quantity_mg == Decimal("20.000")
    assert Balance.objects.get(lot=stocked_cart, location=cart).quantity_mg == Decimal("1000.000")


def test_correction_refusals_write_nothing(compliance, nurse, physician, safe, cart, lot):
    """Given a shortage at the safe, then a correction is refused without an entry number,
    for an entry of another location, for an entry made after the count, for an entry whose
    reversal moves the register away from the count, and an entry number with another kind
    of resolution is refused; nothing is written."""
    receipt = receive(compliance, safe, lot)
    elsewhere = receive(compliance, cart, lot)
    count(nurse, physician, safe.site, [line(lot, safe, 1), line(lot, cart, 2)])
    discrepancy = Discrepancy.objects.get(line__location=safe)
    later = services.loss_record(
        actor=compliance, site=safe.site, lot_id=lot.pk, location_id=safe.pk,
        quantity_mg=Decimal("5"), discovered_at=timezone.now(), note="after the count",
    )  # fmt: skip
    correction = ResolutionKind.CORRECTION
    refused(lambda: resolve(compliance, discrepancy, correction), "entry")
    error = refused(
        lambda: resolve(compliance, discrepancy, correction, entry_id=elsewhere.pk), "entry"
    )
    assert error.message.startswith(f"No entry {elsewhere.pk} of lot LOT-A1 at Main safe")
    error = refused(
        lambda: resolve(compliance, discrepancy, correction, entry_id=later.pk), "entry"
    )
    assert "after the count" in error.message
    refused(lambda: resolve(compliance, discrepancy, correction, entry_id=10**9), "entry")
    refused(
        lambda: resolve(compliance, discrepancy, ResolutionKind.THEFT_LOSS, entry_id=receipt.pk),
        "entry",
    )
    # A surplus cannot be explained by reversing an entry that put stock in.
    Discrepancy.objects.filter(pk=discrepancy.pk).update(difference_mg=Decimal("500"))
    discrepancy.refresh_from_db()
    error = refused(
        lambda: resolve(compliance, discrepancy, correction, entry_id=receipt.pk), "entry"
    )
    assert "less than was counted" in error.message


def test_resolution_needs_a_way_text_and_compliance(
    compliance, nurse, physician, stocked_cart, cart
):
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 1)])
    discrepancy = Discrepancy.objects.get()
    before = written()
    with pytest.raises(ApplicationError):
        resolve(nurse, discrepancy, ResolutionKind.THEFT_LOSS)
    assert written()[:3] == before[:3]
    refused(lambda: resolve(compliance, discrepancy, ResolutionKind.THEFT_LOSS, " "), "resolution")
    refused(lambda: resolve(compliance, discrepancy, "lost_it"), "resolved_as")


def test_a_resolved_discrepancy_stays_resolved(compliance, nurse, physician, stocked_cart, cart):
    count(nurse, physician, cart.site, [line(stocked_cart, cart, 1, "490")])
    discrepancy = Discrepancy.objects.get()
    resolve(compliance, discrepancy, ResolutionKind.THEFT_LOSS)
    refused(lambda: resolve(compliance, discrepancy, ResolutionKind.THEFT_LOSS), "resolution")
    assert LedgerEntry.objects.filter(kind=EntryKind.THEFT_LOSS).count() == 1

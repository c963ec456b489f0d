"""Receipts, transfers, destruction, loss, reversals and the immutable ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.inventory import services
from ketaclinic.inventory.models import (
    Balance,
    EntryKind,
    LedgerEntry,
    LossFiling,
    Lot,
    RegisterImmutableError,
)
from ketaclinic.inventory.services.losses import next_business_day
from tests.inventory.conftest import receive

NOW = timezone.now


def balance(lot, location):
    return Balance.objects.get(lot=lot, location=location).quantity_mg


def assert_refused(call, field):
    before = (LedgerEntry.objects.count(), list(Balance.objects.values_list("quantity_mg")))
    with pytest.raises(ApplicationError) as caught:
        call()
    assert field in caught.value.field_errors
    assert (LedgerEntry.objects.count(), list(Balance.objects.values_list("quantity_mg"))) == before


def test_receipt_records_every_dea_field(compliance, safe, product):
    """Given a new lot on the label, when compliance receives 3 vials, then the lot is created
    and the receipt holds supplier, DEA number, invoice, containers and 1500 mg."""
    entry = services.receipt_record(
        actor=compliance,
        site=safe.site,
        lot_in=services.LotIn(product.pk, "NEW-7", dt.date(2099, 6, 30)),
        location_id=safe.pk,
        containers=3,
        supplier=services.Supplier("Example Pharma (demo)", "1 Way", "RX0000000", "INV-9"),
        received_at=NOW() - dt.timedelta(hours=1),
    )
    assert entry.kind == EntryKind.RECEIPT
    assert entry.lot.lot_number == "NEW-7"
    assert (entry.quantity_mg, entry.quantity_ml, entry.containers) == (
        Decimal("1500.000"),
        Decimal("30.000"),
        3,
    )
    assert (entry.supplier_dea_number, entry.invoice_number) == ("RX0000000", "INV-9")
    assert balance(entry.lot, safe) == Decimal("1500.000")


def test_receipt_missing_invoice_is_refused(compliance, safe, product):
    """Given no invoice number, when receiving, then refused naming the field; no lot made."""
    lots = Lot.objects.count()
    assert_refused(
        lambda: services.receipt_record(
            actor=compliance,
            site=safe.site,
            lot_in=services.LotIn(product.pk, "NEW-8", dt.date(2099, 6, 30)),
            location_id=safe.pk,
            containers=1,
            supplier=services.Supplier("Example Pharma (demo)", "1 Way", "RX0000000", " "),
            received_at=NOW(),
        ),
        "invoice_number",
    )
    assert Lot.objects.count() == lots


def test_receipt_by_nurse_is_refused(nurse, safe, lot):
    """Given a nurse (no receive permission), when receiving, then refused."""
    with pytest.raises(ApplicationError):
        receive(nurse, safe, lot)
    assert LedgerEntry.objects.count() == 0


def test_receipt_needs_a_dea_registration(compliance, cart, lot, boston):
    """Given the site's registration is gone, when receiving, then refused."""
    from ketaclinic.inventory.models import Registrant

    assert not Registrant.objects.filter(site=boston).exists()
    assert_refused(lambda: receive(compliance, cart, lot), "__all__")


def test_transfer_moves_stock_in_a_pair(compliance, safe, cart, lot):
    """Given 1000 mg in the safe, when 500 mg go to the cart, then a linked out/in pair."""
    receive(compliance, safe, lot)
    out, into = services.transfer_record(
        actor=compliance,
        lot_id=lot.pk,
        from_location_id=safe.pk,
        to_location_id=cart.pk,
        quantity_mg=Decimal("500"),
        occurred_at=NOW(),
    )
    assert (out.quantity_mg, into.quantity_mg, into.counterpart) == (
        Decimal("-500.000"),
        Decimal("500.000"),
        out,
    )
    assert (balance(lot, safe), balance(lot, cart)) == (Decimal("500.000"), Decimal("500.000"))


def test_transfer_more_than_the_balance_is_refused(compliance, safe, cart, lot):
    receive(compliance, safe, lot)
    assert_refused(
        lambda: services.transfer_record(
            actor=compliance,
            lot_id=lot.pk,
            from_location_id=safe.pk,
            to_location_id=cart.pk,
            quantity_mg=Decimal("1000.001"),
            occurred_at=NOW(),
        ),
        "quantity_mg",
    )


def test_destruction_needs_form41(compliance, safe, lot):
    """Given no Form 41 reference, then refused; with one, 500 mg leave the safe."""
    receive(compliance, safe, lot)

    def destroy(reference):
        return services.destruction_record(
            actor=compliance,
            site=safe.site,
            lot_id=lot.pk,
            location_id=safe.pk,
            quantity_mg=Decimal("500"),
            form41_reference=reference,
            method="Reverse distributor",
            occurred_at=NOW(),
        )

    assert_refused(lambda: destroy(""), "form41_reference")
    entry = destroy("F41-2025-001")
    assert (entry.kind, entry.form41_reference) == (EntryKind.DESTRUCTION, "F41-2025-001")
    assert balance(lot, safe) == Decimal("500.000")


def test_loss_then_form106_filing(compliance, safe, lot):
    """Given a loss discovered on a Friday, then the DEA notice is due Monday and Form 106
    within 45 days; the filing is recorded once."""
    receive(compliance, safe, lot)
    friday = dt.datetime(2025, 2, 28, 15, 0, tzinfo=dt.UTC)
    entry = services.loss_record(
        actor=compliance,
        site=safe.site,
        lot_id=lot.pk,
        location_id=safe.pk,
        quantity_mg=Decimal("50"),
        discovered_at=friday,
        note="Vial broken in transit",
    )
    deadlines = services.loss_deadlines(entry)
    assert deadlines.notify_dea_by == dt.date(2025, 3, 3)
    assert deadlines.form106_by == dt.date(2025, 4, 14)
    filing = services.loss_filing_record(
        actor=compliance, entry_id=entry.pk, form106_reference="106-XYZ", filed_on=dt.date.today()
    )
    assert filing.entry == entry
    with pytest.raises(ApplicationError):
        services.loss_filing_record(
            actor=compliance, entry_id=entry.pk, form106_reference="again", filed_on=dt.date.today()
        )
    assert LossFiling.objects.count() == 1


def test_next_business_day_skips_the_weekend():
    assert next_business_day(dt.date(2025, 3, 1)) == dt.date(2025, 3, 3)
    assert next_business_day(dt.date(2025, 3, 3)) == dt.date(2025, 3, 4)


def test_reversal_restores_the_balance_and_happens_once(compliance, safe, cart, lot):
    """Given a transfer recorded by mistake, when reversed, then both halves are reversed and
    the balances are as before; a second reversal is refused."""
    receive(compliance, safe, lot)
    out, _ = services.transfer_record(
        actor=compliance,
        lot_id=lot.pk,
        from_location_id=safe.pk,
        to_location_id=cart.pk,
        quantity_mg=Decimal("300"),
        occurred_at=NOW(),
    )
    adjustments = services.entry_reverse(
        actor=compliance, entry_id=out.pk, reason="Wrong cart", occurred_at=NOW()
    )
    assert [a.quantity_mg for a in adjustments] == [Decimal("-300.000"), Decimal("300.000")]
    assert (balance(lot, safe), balance(lot, cart)) == (Decimal("1000.000"), Decimal("0.000"))
    assert_refused(
        lambda: services.entry_reverse(
            actor=compliance, entry_id=out.pk, reason="again", occurred_at=NOW()
        ),
        "entry",
    )


def test_reversal_needs_a_reason_and_cannot_reverse_an_adjustment(compliance, safe, lot):
    entry = receive(compliance, safe, lot)
    assert_refused(
        lambda: services.entry_reverse(
            actor=compliance, entry_id=entry.pk, reason=" ", occurred_at=NOW()
        ),
        "reason",
    )
    (adjustment,) = services.entry_reverse(
        actor=compliance, entry_id=entry.pk, reason="Duplicate", occurred_at=NOW()
    )
    assert_refused(
        lambda: services.entry_reverse(
            actor=compliance, entry_id=adjustment.pk, reason="x", occurred_at=NOW()
        ),
        "entry",
    )


def test_reversal_of_a_receipt_already_used_is_refused(
    compliance, nurse, physician, infusion, safe, lot
):
    """Given stock administered from a receipt, reversing the receipt would go negative."""
    from tests.inventory.conftest import PASSWORD

    entry = receive(compliance, safe, lot, containers=1)
    services.infusion_dose_draw(
        actor=nurse,
        infusion=infusion,
        lot_id=lot.pk,
        location_id=safe.pk,
        administered_mg=Decimal("40"),
        wasted_mg=Decimal("0"),
        waste_method="",
        witness=None,
        witness_password="",
        occurred_at=NOW(),
    )
    _ = physician, PASSWORD
    assert_refused(
        lambda: services.entry_reverse(
            actor=compliance, entry_id=entry.pk, reason="Wrong", occurred_at=NOW()
        ),
        "quantity_mg",
    )


def test_reversal_of_an_unknown_entry_is_404(compliance, safe):
    with pytest.raises(NotFoundError):
        services.entry_reverse(actor=compliance, entry_id=999999, reason="x", occurred_at=NOW())


def test_future_times_are_refused(compliance, safe, lot):
    assert_refused(
        lambda: services.destruction_record(
            actor=compliance,
            site=safe.site,
            lot_id=lot.pk,
            location_id=safe.pk,
            quantity_mg=Decimal("1"),
            form41_reference="F41",
            method="",
            occurred_at=NOW() + dt.timedelta(days=1),
        ),
        "occurred_at",
    )


def test_orm_refuses_update_and_delete(compliance, safe, lot):
    """Given an entry, then save, queryset update, delete and bulk delete all raise."""
    entry = receive(compliance, safe, lot)
    entry.note = "changed"
    with pytest.raises(RegisterImmutableError):
        entry.save()
    with pytest.raises(RegisterImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).update(note="changed")
    with pytest.raises(RegisterImmutableError):
        entry.delete()
    with pytest.raises(RegisterImmutableError):
        LedgerEntry.objects.all().delete()


def test_database_refuses_update_even_in_raw_sql(compliance, safe, lot):
    """Given an entry, when raw SQL rewrites it, then the database trigger refuses."""
    entry = receive(compliance, safe, lot)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_ledgerentry SET quantity_mg = 1 WHERE id = %s", [entry.pk])
    LedgerEntry.objects.get(pk=entry.pk)


def test_database_refuses_delete_on_postgresql(compliance, safe, lot):
    """On PostgreSQL the trigger refuses DELETE too; on SQLite (development, demo) the ORM
    refuses it and the row stays because nothing in the application deletes."""
    entry = receive(compliance, safe, lot)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM inventory_ledgerentry WHERE id = %s", [entry.pk])
    else:
        with pytest.raises(RegisterImmutableError):
            LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()

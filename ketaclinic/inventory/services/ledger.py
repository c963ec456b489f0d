"""Posting to the ledger: the one place that writes entries and moves balances.

Every posting locks the (lot, location) balance row (SELECT ... FOR UPDATE: a row lock on
PostgreSQL; SQLite's writer lock serialises writers anyway), refuses a balance that would go
negative, and writes the entry and the new balance in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, require_plausible_time, validated
from ketaclinic.inventory.access import site_date
from ketaclinic.inventory.models import Balance, LedgerEntry, Lot, StorageLocation

MG = Decimal("0.001")
# Times a little ahead of the server clock are accepted (a tablet's clock may run fast).
CLOCK_SKEW = dt.timedelta(minutes=5)


def quantize_mg(value: Decimal) -> Decimal:
    return value.quantize(MG, rounding=ROUND_HALF_UP)


def ml_for(lot: Lot, quantity_mg: Decimal) -> Decimal:
    return quantize_mg(quantity_mg / lot.product.concentration_mg_per_ml)


def require_positive(value: Decimal, *, field: str, label: str) -> Decimal:
    if value.is_nan() or value <= 0:
        message = f"{label} must be more than 0 mg: enter the quantity in milligrams."
        raise ApplicationError(message, field_errors={field: [message]})
    return quantize_mg(value)


def require_past(moment: dt.datetime, *, field: str = "occurred_at") -> dt.datetime:
    if timezone.is_naive(moment):
        message = "The time has no time zone: send it with an offset, e.g. 2025-03-01T09:30-05:00."
        raise ApplicationError(message, field_errors={field: [message]})
    return require_plausible_time(moment, field=field, latest=timezone.now() + CLOCK_SKEW)


def lot_at_site(
    *, site: Site, lot_id: int, location_id: int, field: str = "lot"
) -> tuple[Lot, StorageLocation]:
    """The lot and a location of `site`; a location of another site is refused by name."""
    location = StorageLocation.objects.filter(pk=location_id, site=site, is_active=True).first()
    lot = Lot.objects.select_related("product").filter(pk=lot_id).first()
    if location is None or lot is None:
        message = (
            f"That lot or storage location is not at this site: pick a lot stored at {site.name}."
        )
        raise ApplicationError(message, field_errors={field: [message]})
    return lot, location


def require_unexpired(*, site: Site, lot: Lot, on: dt.datetime, field: str = "lot") -> None:
    if lot.expires_on < site_date(site, on):
        message = (
            f"Lot {lot.lot_number} expired on {lot.expires_on:%Y-%m-%d} and cannot be "
            "administered: pick another lot, and waste or destroy the expired stock."
        )
        raise ApplicationError(message, field_errors={field: [message]})


def balance_lock(*, lot: Lot, location: StorageLocation, create: bool) -> Balance | None:
    """The balance row, locked until the transaction ends; created (locked) when asked."""
    balance = Balance.objects.select_for_update().filter(lot=lot, location=location).first()
    if balance is not None or not create:
        return balance
    try:
        with transaction.atomic():
            return Balance.objects.create(
                lot=lot, location=location, quantity_mg=Decimal(0), updated_at=timezone.now()
            )
    except IntegrityError:  # created meanwhile by a concurrent posting: lock that one
        return Balance.objects.select_for_update().get(lot=lot, location=location)


def insufficient(
    *, field: str, lot: Lot, location: StorageLocation, have: Decimal
) -> ApplicationError:
    message = (
        f"Not enough of lot {lot.lot_number} at {location.name}: the balance is {have} mg. "
        "Enter a smaller quantity or pick another lot; if stock is missing, record a count."
    )
    return ApplicationError(message, field_errors={field: [message]})


def entry_post(*, entry: LedgerEntry, field: str = "quantity_mg") -> LedgerEntry:
    """Validate and insert `entry`, moving its balance; refuse if the balance would go negative.

    Call inside a transaction; `field` names the input a shortfall is reported on.
    """
    entry.quantity_mg = quantize_mg(entry.quantity_mg)
    with transaction.atomic():
        balance = balance_lock(lot=entry.lot, location=entry.location, create=entry.quantity_mg > 0)
        have = balance.quantity_mg if balance is not None else Decimal(0)
        if balance is None or have + entry.quantity_mg < 0:
            raise insufficient(field=field, lot=entry.lot, location=entry.location, have=have)
        entry.quantity_ml = ml_for(entry.lot, entry.quantity_mg)
        entry.recorded_at = timezone.now()
        validated(entry, exclude=("lot", "location", "site", "actor"), validate_constraints=False)
        entry.save()
        balance.quantity_mg = have + entry.quantity_mg
        balance.updated_at = entry.recorded_at
        balance.save(update_fields=["quantity_mg", "updated_at"])
        audit_record(
            actor=entry.actor,
            action=Action.CREATE,
            site=entry.site,
            patient=entry.patient,
            target_type="ledger_entry",
            target_id=entry.pk,
            detail=f"kind={entry.kind} lot={entry.lot_id} location={entry.location_id} "
            f"mg={entry.quantity_mg}",
        )
    return entry


def new_entry(**fields: Any) -> LedgerEntry:
    """An unsaved entry (its mL and recording time are set by `entry_post`)."""
    return LedgerEntry(quantity_ml=0, **fields)

"""Receiving stock from a supplier (21 CFR 1304.22(c); no DEA Form 222 for Schedule III)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, validated
from ketaclinic.inventory.access import require_site, site_date
from ketaclinic.inventory.dea import dea_number_normalised, dea_number_problem
from ketaclinic.inventory.models import EntryKind, LedgerEntry, Lot, Product, Registrant
from ketaclinic.inventory.services.ledger import entry_post, lot_at_site, new_entry, require_past


@dataclass(frozen=True)
class Supplier:
    name: str
    address: str
    dea_number: str
    invoice_number: str


@dataclass(frozen=True)
class LotIn:
    """The lot on the label: found by product and number, created on first receipt."""

    product_id: int
    lot_number: str
    expires_on: dt.date


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, field_errors={field: [message]})


def registrant_require(*, site: Site, on: dt.date) -> Registrant:
    registrant = Registrant.objects.filter(site=site, is_active=True).first()
    if registrant is None:
        raise _refuse("__all__", f"{site.name} has no DEA registration: add it first.")
    if registrant.expires_on < on:
        raise _refuse(
            "__all__",
            f"DEA registration {registrant.dea_number} expired on {registrant.expires_on}: "
            "record the renewed registration before receiving stock.",
        )
    return registrant


def lot_for_receipt(lot_in: LotIn) -> Lot:
    product = Product.objects.filter(pk=lot_in.product_id).first()
    if product is None:
        raise _refuse("product", "Unknown product: pick one from the list.")
    number = lot_in.lot_number.strip()
    if not number:
        raise _refuse("lot_number", "Lot number is missing: copy it from the container label.")
    lot = Lot.objects.filter(product=product, lot_number=number).first()
    if lot is None:
        lot = validated(Lot(product=product, lot_number=number, expires_on=lot_in.expires_on))
        lot.save()
        return lot
    if lot.expires_on != lot_in.expires_on:
        raise _refuse(
            "expires_on",
            f"Lot {number} is on record with expiry {lot.expires_on}: check the label.",
        )
    return lot


def _supplier_fields(supplier: Supplier) -> dict[str, str]:
    fields = {
        "supplier_name": supplier.name.strip(),
        "supplier_address": supplier.address.strip(),
        "supplier_dea_number": dea_number_normalised(supplier.dea_number),
        "invoice_number": supplier.invoice_number.strip(),
    }
    missing = [name for name, value in fields.items() if not value]
    if missing:
        errors = {name: ["Required for the DEA receipt record."] for name in missing}
        labels = ", ".join(name.replace("_", " ") for name in missing)
        raise ApplicationError(
            f"Missing: {labels}. Copy them from the invoice.", field_errors=errors
        )
    problem = dea_number_problem(
        fields["supplier_dea_number"],
        what="Supplier DEA number",
        fix="Copy it from the invoice or the supplier's DEA certificate.",
    )
    if problem:
        raise _refuse("supplier_dea_number", problem)
    return fields


def _refuse_expired(lot_in: LotIn, received_on: dt.date) -> None:
    """Expired stock is not received (it goes back to the supplier or is destroyed)."""
    if lot_in.expires_on < received_on:
        raise _refuse(
            "expires_on",
            f"Lot {lot_in.lot_number.strip()} expired on {lot_in.expires_on:%Y-%m-%d}: expired "
            "stock is not received into the register; record it for return to the supplier "
            "or for destruction (DEA Form 41) instead.",
        )


@transaction.atomic
def receipt_record(
    *,
    actor: User,
    site: Site,
    lot_in: LotIn,
    location_id: int,
    containers: int,
    supplier: Supplier,
    received_at: dt.datetime,
) -> LedgerEntry:
    """Record stock received: every DEA receipt field, the lot created on first receipt."""
    require_site(user=actor, site=site, perm=Perm.INVENTORY_RECEIVE, target_type="ledger_entry")
    require_past(received_at, field="received_at")
    received_on = site_date(site, received_at)
    registrant_require(site=site, on=received_on)
    if containers < 1:
        raise _refuse("containers", "Number of containers must be at least 1.")
    fields = _supplier_fields(supplier)
    _refuse_expired(lot_in, received_on)
    lot = lot_for_receipt(lot_in)
    lot, location = lot_at_site(site=site, lot_id=lot.pk, location_id=location_id, field="location")
    quantity_mg = lot.product.container_mg * containers
    entry = new_entry(
        actor=actor,
        site=site,
        lot=lot,
        location=location,
        kind=EntryKind.RECEIPT,
        quantity_mg=Decimal(quantity_mg),
        containers=containers,
        occurred_at=received_at,
        **fields,
    )
    return entry_post(entry=entry, field="containers")

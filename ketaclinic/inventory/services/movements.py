"""Transfers, returns and destruction (Form 41), theft and loss (Form 106), reversals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.inventory.access import require_site
from ketaclinic.inventory.models import EntryKind, LedgerEntry, StorageLocation
from ketaclinic.inventory.services.ledger import (
    entry_post,
    lot_at_site,
    new_entry,
    require_past,
    require_positive,
)

_TARGET = "ledger_entry"


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, field_errors={field: [message]})


@transaction.atomic
def transfer_record(
    *,
    actor: User,
    lot_id: int,
    from_location_id: int,
    to_location_id: int,
    quantity_mg: Decimal,
    occurred_at: dt.datetime,
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move stock between two locations (of one site, or of two sites the user manages)."""
    source = StorageLocation.objects.select_related("site").filter(pk=from_location_id).first()
    target = StorageLocation.objects.select_related("site").filter(pk=to_location_id).first()
    if source is None or target is None:
        raise _refuse("to_location", "Unknown storage location: pick one from the list.")
    for location in (source, target):
        require_site(
            user=actor, site=location.site, perm=Perm.INVENTORY_MANAGE, target_type=_TARGET
        )
    if source.pk == target.pk:
        raise _refuse("to_location", "Source and destination are the same: pick another location.")
    require_past(occurred_at)
    quantity = require_positive(quantity_mg, field="quantity_mg", label="Quantity")
    lot, _ = lot_at_site(site=source.site, lot_id=lot_id, location_id=source.pk)
    _, _ = lot_at_site(site=target.site, lot_id=lot_id, location_id=target.pk, field="to_location")
    out = entry_post(
        entry=new_entry(
            actor=actor,
            site=source.site,
            lot=lot,
            location=source,
            kind=EntryKind.TRANSFER_OUT,
            quantity_mg=-quantity,
            occurred_at=occurred_at,
        )
    )
    into = entry_post(
        entry=new_entry(
            actor=actor,
            site=target.site,
            lot=lot,
            location=target,
            kind=EntryKind.TRANSFER_IN,
            quantity_mg=quantity,
            occurred_at=occurred_at,
            counterpart=out,
        )
    )
    return out, into


@transaction.atomic
def destruction_record(
    *,
    actor: User,
    site: Site,
    lot_id: int,
    location_id: int,
    quantity_mg: Decimal,
    form41_reference: str,
    method: str,
    occurred_at: dt.datetime,
) -> LedgerEntry:
    """A return to a reverse distributor or a destruction, with its DEA Form 41 reference."""
    require_site(user=actor, site=site, perm=Perm.INVENTORY_MANAGE, target_type=_TARGET)
    require_past(occurred_at)
    if not form41_reference.strip():
        raise _refuse(
            "form41_reference", "DEA Form 41 reference is missing: copy it from the form."
        )
    quantity = require_positive(quantity_mg, field="quantity_mg", label="Quantity")
    lot, location = lot_at_site(site=site, lot_id=lot_id, location_id=location_id)
    entry = new_entry(
        actor=actor,
        site=site,
        lot=lot,
        location=location,
        kind=EntryKind.DESTRUCTION,
        quantity_mg=-quantity,
        occurred_at=occurred_at,
        form41_reference=form41_reference.strip(),
        method=method.strip(),
    )
    return entry_post(entry=entry)


@transaction.atomic
def loss_record(
    *,
    actor: User,
    site: Site,
    lot_id: int,
    location_id: int,
    quantity_mg: Decimal,
    discovered_at: dt.datetime,
    note: str,
) -> LedgerEntry:
    """A theft or significant loss, as discovered. Notify DEA within one business day and
    file Form 106 within 45 days (DOMAIN.md section 5); see `loss_deadlines`."""
    require_site(user=actor, site=site, perm=Perm.INVENTORY_MANAGE, target_type=_TARGET)
    require_past(discovered_at, field="discovered_at")
    quantity = require_positive(quantity_mg, field="quantity_mg", label="Quantity")
    lot, location = lot_at_site(site=site, lot_id=lot_id, location_id=location_id)
    entry = new_entry(
        actor=actor,
        site=site,
        lot=lot,
        location=location,
        kind=EntryKind.THEFT_LOSS,
        quantity_mg=-quantity,
        occurred_at=discovered_at,
        discovered_at=discovered_at,
        note=note.strip()[:300],
    )
    return entry_post(entry=entry)


def _reversal(*, actor: User, entry: LedgerEntry, reason: str, at: dt.datetime) -> LedgerEntry:
    adjustment = new_entry(
        actor=actor,
        site=entry.site,
        lot=entry.lot,
        location=entry.location,
        kind=EntryKind.ADJUSTMENT,
        quantity_mg=-entry.quantity_mg,
        occurred_at=at,
        reverses=entry,
        reason=reason,
    )
    return entry_post(entry=adjustment)


@transaction.atomic
def entry_reverse(
    *, actor: User, entry_id: int, reason: str, occurred_at: dt.datetime
) -> list[LedgerEntry]:
    """Correct an entry by a reversing entry with a reason (both halves of a transfer)."""
    entry = (
        LedgerEntry.objects.select_related("site", "lot__product", "location")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFoundError("No register entry with that id.")
    require_site(user=actor, site=entry.site, perm=Perm.INVENTORY_MANAGE, target_type=_TARGET)
    require_past(occurred_at)
    if not reason.strip():
        raise _refuse("reason", "Reason is missing: say what was wrong with the entry.")
    if entry.kind == EntryKind.ADJUSTMENT:
        raise _refuse("entry", "An adjustment cannot be reversed: record the correct entry.")
    pair = transfer_pair(entry)
    if LedgerEntry.objects.filter(reverses__in=pair).exists():
        raise _refuse("entry", f"Entry {entry.pk} is already reversed.")
    for half in pair:
        require_site(user=actor, site=half.site, perm=Perm.INVENTORY_MANAGE, target_type=_TARGET)
    # Take stock out before putting it back, so no balance dips below zero on the way.
    ordered = sorted(pair, key=lambda half: half.quantity_mg, reverse=True)
    return [
        _reversal(actor=actor, entry=half, reason=reason.strip(), at=occurred_at)
        for half in ordered
    ]


def transfer_pair(entry: LedgerEntry) -> list[LedgerEntry]:
    """The entry, with the other half when it is half of a transfer."""
    if entry.kind == EntryKind.TRANSFER_IN and entry.counterpart is not None:
        return [entry, entry.counterpart]
    if entry.kind == EntryKind.TRANSFER_OUT:
        into = LedgerEntry.objects.filter(counterpart=entry).first()
        return [entry, into] if into is not None else [entry]
    return [entry]

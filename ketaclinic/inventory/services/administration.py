"""Administration from an infusion, and witnessed waste of what remains.

`infusion_dose_draw` is the interface the infusion flowsheet calls inside the transaction that
records the infusion's dose: the administration and the waste are written with it, or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions.models import Infusion
from ketaclinic.inventory.access import require_site
from ketaclinic.inventory.models import (
    EntryKind,
    InventorySettings,
    LedgerEntry,
    Lot,
    StorageLocation,
)
from ketaclinic.inventory.services.ledger import (
    balance_lock,
    entry_post,
    insufficient,
    lot_at_site,
    new_entry,
    quantize_mg,
    require_past,
    require_positive,
    require_unexpired,
)
from ketaclinic.inventory.services.witness import second_person_verify

_TARGET = "ledger_entry"


@dataclass(frozen=True)
class DoseDraw:
    administration: LedgerEntry
    waste: LedgerEntry | None


@dataclass(frozen=True)
class Waste:
    """What was wasted, how, and who witnessed it (password re-entered at that moment)."""

    wasted_mg: Decimal
    method: str
    witness: User | None
    witness_password: str


def waste_witness_required(site: Site) -> bool:
    settings = InventorySettings.objects.filter(site=site).first()
    return settings is None or settings.waste_witness_required


def waste_check(*, actor: User, site: Site, waste: Waste) -> Decimal:
    """The wasted quantity once method and witness are acceptable (0 means nothing wasted)."""
    if waste.wasted_mg.is_nan() or waste.wasted_mg < 0:
        message = "Wasted quantity cannot be negative: enter 0 if nothing was wasted."
        raise ApplicationError(message, field_errors={"wasted_mg": [message]})
    wasted = quantize_mg(waste.wasted_mg)
    if wasted == 0:
        return wasted
    if not waste.method.strip():
        message = "Waste method is missing: say how the remainder was wasted."
        raise ApplicationError(message, field_errors={"waste_method": [message]})
    if waste.witness is not None or waste_witness_required(site):
        second_person_verify(
            actor=actor,
            person=waste.witness,
            password=waste.witness_password,
            site=site,
            perm=Perm.INVENTORY_WITNESS,
            role_label="waste witness",
            field="witness",
        )
    return wasted


def _require_not_drawn(infusion: Infusion) -> None:
    drawn = LedgerEntry.objects.filter(
        kind=EntryKind.ADMINISTRATION, infusion=infusion, reversed_by__isnull=True
    ).first()
    if drawn is not None:
        message = (
            f"This infusion's administration is already in the register (entry {drawn.pk}): "
            "reverse that entry first if it was wrong."
        )
        raise ApplicationError(message, field_errors={"administered_mg": [message]})


def _require_stock(*, lot: Lot, location: StorageLocation, total: Decimal) -> None:
    balance = balance_lock(lot=lot, location=location, create=False)
    have = balance.quantity_mg if balance is not None else Decimal(0)
    if have < total:
        raise insufficient(field="administered_mg", lot=lot, location=location, have=have)


def infusion_dose_draw(
    *,
    actor: User,
    infusion: Infusion,
    lot_id: int,
    location_id: int,
    administered_mg: Decimal,
    wasted_mg: Decimal,
    waste_method: str,
    witness: User | None,
    witness_password: str,
    occurred_at: dt.datetime,
) -> DoseDraw:
    """Record the infusion's administration (and the witnessed waste of the remainder) in the
    caller's transaction; refused as a whole, writing nothing, if any part is not acceptable."""
    site = infusion.site
    require_site(user=actor, site=site, perm=Perm.INVENTORY_ADMINISTER, target_type=_TARGET)
    with transaction.atomic():
        require_past(occurred_at)
        lot, location = lot_at_site(site=site, lot_id=lot_id, location_id=location_id)
        require_unexpired(site=site, lot=lot, on=occurred_at)
        administered = require_positive(
            administered_mg, field="administered_mg", label="Administered quantity"
        )
        waste = Waste(wasted_mg, waste_method, witness, witness_password)
        wasted = waste_check(actor=actor, site=site, waste=waste)
        _require_not_drawn(infusion)
        _require_stock(lot=lot, location=location, total=administered + wasted)
        shared = {"actor": actor, "site": site, "lot": lot, "location": location}
        administration = entry_post(
            entry=new_entry(
                **shared,
                kind=EntryKind.ADMINISTRATION,
                quantity_mg=-administered,
                occurred_at=occurred_at,
                infusion=infusion,
                patient=infusion.patient,
            ),
            field="administered_mg",
        )
        waste_entry = None
        if wasted > 0:
            waste_entry = entry_post(
                entry=new_entry(
                    **shared,
                    kind=EntryKind.WASTE,
                    quantity_mg=-wasted,
                    occurred_at=occurred_at,
                    infusion=infusion,
                    patient=infusion.patient,
                    method=waste.method.strip(),
                    witness=waste.witness,
                ),
                field="wasted_mg",
            )
    return DoseDraw(administration=administration, waste=waste_entry)


@transaction.atomic
def waste_record(
    *,
    actor: User,
    site: Site,
    lot_id: int,
    location_id: int,
    waste: Waste,
    occurred_at: dt.datetime,
) -> LedgerEntry:
    """Waste outside an infusion (e.g. the rest of an opened vial), witnessed like any waste."""
    require_site(user=actor, site=site, perm=Perm.INVENTORY_ADMINISTER, target_type=_TARGET)
    require_past(occurred_at)
    lot, location = lot_at_site(site=site, lot_id=lot_id, location_id=location_id)
    wasted = waste_check(actor=actor, site=site, waste=waste)
    if wasted == 0:
        message = "Wasted quantity must be more than 0 mg."
        raise ApplicationError(message, field_errors={"wasted_mg": [message]})
    entry = new_entry(
        actor=actor,
        site=site,
        lot=lot,
        location=location,
        kind=EntryKind.WASTE,
        quantity_mg=-wasted,
        occurred_at=occurred_at,
        method=waste.method.strip(),
        witness=waste.witness,
    )
    return entry_post(entry=entry, field="wasted_mg")

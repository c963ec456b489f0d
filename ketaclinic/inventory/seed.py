"""Demo register (synthetic, demo only): per site a DEA registration, a product, a safe and a
cart, a year of monthly receipts moved to the cart, one open and one resolved discrepancy.

Administrations come from the infusion demo data (the register requires the infusion).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.inventory.dea import dea_check_digit
from ketaclinic.inventory.models import (
    Balance,
    Count,
    CountKind,
    CountLine,
    Discrepancy,
    DiscrepancyStatus,
    EntryKind,
    LocationKind,
    Lot,
    Product,
    Registrant,
    ResolutionKind,
    StorageLocation,
)
from ketaclinic.inventory.services.ledger import entry_post, new_entry

# Synthetic DEA numbers: well-formed (two letters, seven digits, a valid check digit, see
# ketaclinic/inventory/dea.py) so the register accepts them, and obviously fake: all zeros for
# the supplier, "FX" and a counting number for the demo sites. They verify nothing and stand
# for no registrant.
SUPPLIER = {
    "supplier_name": "Example Pharma Supply (demo)",
    "supplier_address": "1 Example Way, Sampletown, XX 00000 (fictional)",
    "supplier_dea_number": "RX0000000",
}


def demo_dea_number(index: int) -> str:
    """'FX0000012' for the first demo site, 'FX0000024' for the second (check digit added)."""
    six = f"{index + 1:06d}"
    return f"FX{six}{dea_check_digit(six)}"


RESOLUTION = "Opened vial mis-estimated; recount matched the register."


def demo_product() -> Product:
    product, _ = Product.objects.get_or_create(
        ndc="00000-0000-01",
        defaults={
            "name": "Ketamine HCl 50 mg/mL, 10 mL vial (demo)",
            "concentration_mg_per_ml": Decimal("50"),
            "container_volume_ml": Decimal("10"),
        },
    )
    return product


def _staff(site: Site, perm: Perm) -> list[User]:
    users = User.objects.filter(sites=site, is_active=True).order_by("username")
    return [user for user in users if user.has_role_perm(perm)]


@transaction.atomic
def seed_inventory(*, sites: list[Site], seed: int) -> int:
    """Create the demo register of each site that has none yet; returns entries created."""
    rng = random.Random(seed)  # noqa: S311  # demo quantities, not secrets
    product = demo_product()
    created = 0
    for index, site in enumerate(sites):
        keepers = _staff(site, Perm.INVENTORY_MANAGE) or _staff(site, Perm.INVENTORY_COUNT)
        counters = _staff(site, Perm.INVENTORY_COUNT)
        if Registrant.objects.filter(site=site).exists() or not keepers or len(counters) < 2:
            continue
        Registrant.objects.create(
            site=site,
            name=f"{site.name} ketamine clinic (demo)",
            dea_number=demo_dea_number(index),
            expires_on=timezone.localdate() + dt.timedelta(days=400),
        )
        safe = StorageLocation.objects.create(site=site, name="Main safe", kind=LocationKind.SAFE)
        cart = StorageLocation.objects.create(
            site=site, name="Infusion cart", kind=LocationKind.CART
        )
        created += _year_of_receipts(site, product, safe, cart, keepers[0], rng)
        _discrepancies(site, cart, counters, keepers[0])
    return created


def _year_of_receipts(
    site: Site, product: Product, safe: StorageLocation, cart: StorageLocation, actor: User,
    rng: random.Random,
) -> int:  # fmt: skip
    now = timezone.now()
    count = 0
    for month in range(12, 0, -1):
        received = now - dt.timedelta(days=30 * month, hours=rng.randint(0, 6))
        lot, _ = Lot.objects.get_or_create(
            product=product,
            lot_number=f"DEMO-{site.slug[:2].upper()}-{(12 - month) // 3 + 1:02d}",
            defaults={"expires_on": received.date() + dt.timedelta(days=730)},
        )
        vials = rng.randint(3, 5)
        shared = {"actor": actor, "site": site, "lot": lot}
        entry_post(entry=new_entry(
            **shared, location=safe, kind=EntryKind.RECEIPT, containers=vials,
            quantity_mg=product.container_mg * vials, occurred_at=received,
            invoice_number=f"DEMO-INV-{site.pk}-{13 - month:02d}", **SUPPLIER,
        ))  # fmt: skip
        moved = product.container_mg * (vials - 1)
        out = entry_post(entry=new_entry(
            **shared, location=safe, kind=EntryKind.TRANSFER_OUT, quantity_mg=-moved,
            occurred_at=received + dt.timedelta(hours=1),
        ))  # fmt: skip
        entry_post(entry=new_entry(
            **shared, location=cart, kind=EntryKind.TRANSFER_IN, quantity_mg=moved,
            occurred_at=received + dt.timedelta(hours=1), counterpart=out,
        ))  # fmt: skip
        count += 3
    return count


def _discrepancies(site: Site, cart: StorageLocation, counters: list[User], keeper: User) -> None:
    """An older resolved discrepancy and a recent open one, on the cart's newest lot."""
    balance = cart.balances.select_related("lot").order_by("-lot__expires_on").first()
    if balance is None:
        return
    now = timezone.now()
    for days_ago, difference, resolved in ((20, Decimal("10"), True), (1, Decimal("-5"), False)):
        at = now - dt.timedelta(days=days_ago)
        count = Count.objects.create(
            site=site, kind=CountKind.DAILY, counted_by=counters[0], second_counter=counters[1],
            counted_at=at, recorded_at=at,
        )  # fmt: skip
        sealed, opened = balance.containers()
        line = CountLine.objects.create(
            count=count, lot=balance.lot, location=cart, sealed_containers=sealed,
            opened_mg=max(opened + difference, Decimal(0)),
            counted_mg=balance.quantity_mg + difference, expected_mg=balance.quantity_mg,
        )  # fmt: skip
        recount = (
            _recount(site, balance, cart, counters, at + dt.timedelta(hours=2))
            if resolved
            else None
        )
        Discrepancy.objects.create(
            site=site, line=line, difference_mg=difference, opened_at=at,
            status=DiscrepancyStatus.RESOLVED if resolved else DiscrepancyStatus.OPEN,
            resolution=RESOLUTION if resolved else "",
            resolved_as=ResolutionKind.COUNTING_ERROR if resolved else "",
            recount=recount,
            resolved_by=keeper if resolved else None,
            resolved_at=at + dt.timedelta(hours=3) if resolved else None,
        )  # fmt: skip


def _recount(
    site: Site, balance: Balance, cart: StorageLocation, counters: list[User], at: dt.datetime
) -> CountLine:
    """A recount by the other counter first, agreeing with the register."""
    count = Count.objects.create(
        site=site, kind=CountKind.SHIFT, counted_by=counters[1], second_counter=counters[0],
        counted_at=at, recorded_at=at,
    )  # fmt: skip
    sealed, opened = balance.containers()
    return CountLine.objects.create(
        count=count, lot=balance.lot, location=cart, sealed_containers=sealed, opened_mg=opened,
        counted_mg=balance.quantity_mg, expected_mg=balance.quantity_mg,
    )  # fmt: skip

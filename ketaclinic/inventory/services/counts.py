"""Counts by two people; a difference from the balance opens a discrepancy for compliance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.inventory.access import require_site
from ketaclinic.inventory.models import (
    INVENTORY_KINDS,
    Balance,
    Count,
    CountKind,
    CountLine,
    CountTiming,
    Discrepancy,
    DiscrepancyStatus,
    LedgerEntry,
    Lot,
)
from ketaclinic.inventory.services.ledger import lot_at_site, quantize_mg, require_past
from ketaclinic.inventory.services.movements import entry_reverse
from ketaclinic.inventory.services.witness import second_person_verify


@dataclass(frozen=True)
class CountLineIn:
    lot_id: int
    location_id: int
    sealed_containers: int
    opened_mg: Decimal


@dataclass(frozen=True)
class SecondCounter:
    user: User | None
    password: str


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, field_errors={field: [message]})


def _lines_check(site: Site, lines: Sequence[CountLineIn]) -> dict[tuple[int, int], Balance | None]:
    """Lock every balance of the site; each stocked lot must be counted, none twice."""
    balances = {
        (b.lot_id, b.location_id): b
        for b in Balance.objects.select_for_update().filter(location__site=site)
    }
    keys = [(line.lot_id, line.location_id) for line in lines]
    if len(set(keys)) != len(keys):
        raise _refuse("lines", "A lot is counted twice at the same location: count it once.")
    missing = [key for key, b in balances.items() if b.quantity_mg > 0 and key not in keys]
    if missing:
        raise _refuse(
            "lines",
            f"{len(missing)} stocked lot(s) were not counted: count every lot at every location.",
        )
    for line in lines:
        if line.sealed_containers < 0 or line.opened_mg.is_nan() or line.opened_mg < 0:
            raise _refuse("lines", "Counted quantities cannot be negative.")
        lot_at_site(site=site, lot_id=line.lot_id, location_id=line.location_id, field="lines")
    return {key: balances.get(key) for key in keys}


@transaction.atomic
def count_record(
    *,
    actor: User,
    site: Site,
    kind: CountKind,
    timing: str,
    second: SecondCounter,
    lines: Sequence[CountLineIn],
    counted_at: dt.datetime,
) -> Count:
    """Record a count or inventory; every line that differs from the balance opens a
    discrepancy. Opened containers may be estimated (`opened_mg`)."""
    require_site(user=actor, site=site, perm=Perm.INVENTORY_COUNT, target_type="inventory_count")
    require_past(counted_at, field="counted_at")
    if kind in INVENTORY_KINDS and timing not in CountTiming.values:
        raise _refuse(
            "timing", "Say whether this inventory was taken at opening or close of business."
        )
    second_counter = second_person_verify(
        actor=actor,
        person=second.user,
        password=second.password,
        site=site,
        perm=Perm.INVENTORY_COUNT,
        role_label="second counter",
        field="second_counter",
    )
    balances = _lines_check(site, lines)
    now = timezone.now()
    count = Count.objects.create(
        site=site,
        kind=kind,
        timing=timing,
        counted_by=actor,
        second_counter=second_counter,
        counted_at=counted_at,
        recorded_at=now,
    )
    opened = sum(_line_create(count, line, balances, now) for line in lines)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        site=site,
        target_type="inventory_count",
        target_id=count.pk,
        detail=f"kind={kind} lines={len(lines)} discrepancies={opened}",
    )
    return count


def _line_create(
    count: Count,
    line: CountLineIn,
    balances: dict[tuple[int, int], Balance | None],
    now: dt.datetime,
) -> int:
    lot = Lot.objects.select_related("product").get(pk=line.lot_id)
    balance = balances[(line.lot_id, line.location_id)]
    expected = balance.quantity_mg if balance is not None else Decimal(0)
    counted = quantize_mg(lot.product.container_mg * line.sealed_containers + line.opened_mg)
    row = CountLine.objects.create(
        count=count,
        lot=lot,
        location_id=line.location_id,
        sealed_containers=line.sealed_containers,
        opened_mg=quantize_mg(line.opened_mg),
        counted_mg=counted,
        expected_mg=expected,
    )
    if counted == expected:
        return 0
    Discrepancy.objects.create(
        site=count.site, line=row, difference_mg=counted - expected, opened_at=now
    )
    return 1


@transaction.atomic
def discrepancy_resolve(
    *, actor: User, discrepancy_id: int, resolution: str, reverse_entry_id: int | None
) -> Discrepancy:
    """Close a discrepancy with what was found; optionally reverse the entry that was wrong."""
    discrepancy = (
        Discrepancy.objects.select_for_update()
        .select_related("site")
        .filter(pk=discrepancy_id)
        .first()
    )
    if discrepancy is None:
        raise NotFoundError("No discrepancy with that id.")
    site = discrepancy.site
    require_site(user=actor, site=site, perm=Perm.INVENTORY_MANAGE, target_type="discrepancy")
    if discrepancy.status != DiscrepancyStatus.OPEN:
        raise _refuse("resolution", "This discrepancy is already resolved.")
    if not resolution.strip():
        raise _refuse("resolution", "Resolution is missing: say what was found and what was done.")
    now = timezone.now()
    if reverse_entry_id is not None:
        if not LedgerEntry.objects.filter(pk=reverse_entry_id, site=site).exists():
            raise _refuse("reverse_entry", "No entry with that number in this site's register.")
        reason = f"Discrepancy {discrepancy.pk}: {resolution.strip()}"[:300]
        reversal = entry_reverse(
            actor=actor, entry_id=reverse_entry_id, reason=reason, occurred_at=now
        )
        discrepancy.reversal = reversal[0]
    discrepancy.status = DiscrepancyStatus.RESOLVED
    discrepancy.resolution = resolution.strip()
    discrepancy.resolved_by = actor
    discrepancy.resolved_at = now
    discrepancy.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        site=site,
        target_type="discrepancy",
        target_id=discrepancy.pk,
        detail=f"resolved reversal={discrepancy.reversal_id or '-'}",
    )
    return discrepancy

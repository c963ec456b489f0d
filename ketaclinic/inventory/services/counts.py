"""Counts by two people; a difference from the balance opens a discrepancy that compliance
resolves with the register entry that explains it."""

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
    ResolutionKind,
)
from ketaclinic.inventory.selectors import discrepancy_recount
from ketaclinic.inventory.services.ledger import lot_at_site, quantize_mg, require_past
from ketaclinic.inventory.services.movements import entry_reverse, loss_record, transfer_pair
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


@dataclass(frozen=True)
class _Found:
    """What compliance says happened, checked: the entry it writes, or the recount."""

    entry: LedgerEntry | None = None
    recount: CountLine | None = None


@transaction.atomic
def discrepancy_resolve(
    *,
    actor: User,
    discrepancy_id: int,
    resolved_as: str,
    resolution: str,
    entry_id: int | None = None,
) -> Discrepancy:
    """Close a discrepancy, in one transaction with the register entry that explains it.

    - counting error: no entry; a later count by two people of the same lot at the same
      location must agree with the register (else the shortage could be waved away);
    - theft or loss (a shortage only): a theft/loss entry for the missing mg at the lot and
      location, discovered at the count (the DEA notice and Form 106 deadlines run from it);
    - correction: the reversal of the named wrong entry (at this lot and location, from
      before the count, and moving the register towards the count).

    Entries are dated at the count, so the register at that time explains what was counted.
    A surplus is never added to stock without a named entry to correct (DOMAIN.md section 5:
    corrections are reversing entries); unexplained, it stays open for investigation.
    """
    discrepancy = (
        Discrepancy.objects.select_for_update()
        .select_related("site", "line__count", "line__lot", "line__location")
        .filter(pk=discrepancy_id)
        .first()
    )
    if discrepancy is None:
        raise NotFoundError("No discrepancy with that id.")
    site = discrepancy.site
    require_site(user=actor, site=site, perm=Perm.INVENTORY_MANAGE, target_type="discrepancy")
    if discrepancy.status != DiscrepancyStatus.OPEN:
        raise _refuse("resolution", "This discrepancy is already resolved.")
    if resolved_as not in ResolutionKind.values:
        raise _refuse(
            "resolved_as", "Say how the discrepancy was resolved: pick one of the three ways."
        )
    if not resolution.strip():
        raise _refuse("resolution", "Resolution is missing: say what was found and what was done.")
    if entry_id is not None and resolved_as != ResolutionKind.CORRECTION:
        raise _refuse(
            "entry",
            "An entry number is only for correcting a wrong entry: clear it, or pick "
            "'a wrong entry'.",
        )
    text = resolution.strip()
    note = f"Discrepancy {discrepancy.pk}: {text}"[:300]
    if resolved_as == ResolutionKind.COUNTING_ERROR:
        found = _Found(recount=_recount_agreeing(discrepancy))
    elif resolved_as == ResolutionKind.THEFT_LOSS:
        found = _Found(entry=_loss_for(actor, discrepancy, note))
    else:
        found = _Found(entry=_correction_for(actor, discrepancy, entry_id, note))
    discrepancy.status = DiscrepancyStatus.RESOLVED
    discrepancy.resolved_as = resolved_as
    discrepancy.resolving_entry = found.entry
    discrepancy.recount = found.recount
    discrepancy.resolution = text
    discrepancy.resolved_by = actor
    discrepancy.resolved_at = timezone.now()
    discrepancy.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        site=site,
        target_type="discrepancy",
        target_id=discrepancy.pk,
        detail=f"resolved as={resolved_as} entry={discrepancy.resolving_entry_id or '-'} "
        f"recount={discrepancy.recount_id or '-'}",
    )
    return discrepancy


def _where(discrepancy: Discrepancy) -> str:
    line = discrepancy.line
    return f"lot {line.lot.lot_number} at {line.location.name}"


def _recount_agreeing(discrepancy: Discrepancy) -> CountLine:
    recount = discrepancy_recount(discrepancy=discrepancy)
    if recount is None:
        raise _refuse(
            "resolved_as",
            f"No recount of {_where(discrepancy)} since this count: count it again with a "
            "second person; a counting error is accepted when the recount agrees.",
        )
    if recount.counted_mg != recount.expected_mg:
        raise _refuse(
            "resolved_as",
            f"The latest recount of {_where(discrepancy)} also differs from the register "
            f"({recount.counted_mg} mg counted, {recount.expected_mg} mg in the register): "
            "this is not a counting error; record a loss or correct the wrong entry.",
        )
    return recount


def _loss_for(actor: User, discrepancy: Discrepancy, note: str) -> LedgerEntry:
    if discrepancy.difference_mg > 0:
        raise _refuse(
            "resolved_as",
            "The count found more than the register, so nothing was lost: correct the entry "
            "that was wrong, or leave the discrepancy open while you investigate.",
        )
    line = discrepancy.line
    return loss_record(
        actor=actor,
        site=discrepancy.site,
        lot_id=line.lot_id,
        location_id=line.location_id,
        quantity_mg=-discrepancy.difference_mg,
        discovered_at=line.count.counted_at,
        note=note,
    )


def _correction_for(
    actor: User, discrepancy: Discrepancy, entry_id: int | None, note: str
) -> LedgerEntry:
    if entry_id is None:
        raise _refuse("entry", "Entry number is missing: give the number of the wrong entry.")
    line = discrepancy.line
    entry = LedgerEntry.objects.filter(pk=entry_id, site=discrepancy.site).first()
    halves = transfer_pair(entry) if entry is not None else []
    here = (line.lot_id, line.location_id)
    half = next((h for h in halves if (h.lot_id, h.location_id) == here), None)
    if entry is None or half is None:
        raise _refuse(
            "entry",
            f"No entry {entry_id} of {_where(discrepancy)} in this site's register: give the "
            "number of an entry of that lot at that location.",
        )
    if half.occurred_at > line.count.counted_at:
        raise _refuse(
            "entry",
            f"Entry {entry_id} was made after the count, so it cannot explain it: give an "
            "entry from before the count.",
        )
    if (half.quantity_mg > 0) != (discrepancy.difference_mg < 0):
        direction = "more" if discrepancy.difference_mg < 0 else "less"
        raise _refuse(
            "entry",
            f"Reversing entry {entry_id} would leave the register with {direction} than was "
            "counted, not closer to it: give the entry that was wrong.",
        )
    reversals = entry_reverse(
        actor=actor, entry_id=entry.pk, reason=note, occurred_at=line.count.counted_at
    )
    return next(r for r in reversals if r.reverses_id == half.pk)

"""Reading the register: balances, entries, lots to administer, discrepancies.

Pages and the API load the site through `register_site_get` (permission + site, 404 and
audited otherwise) before calling these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.infusions.models import Infusion
from ketaclinic.inventory.models import (
    ZERO,
    Balance,
    Count,
    CountLine,
    Discrepancy,
    DiscrepancyStatus,
    EntryKind,
    LedgerEntry,
    LossFiling,
    Lot,
    Registrant,
    StorageLocation,
)


@dataclass(frozen=True)
class LotStock:
    """A lot the flowsheet may draw from: unexpired, in stock at one of the site's locations."""

    lot_id: int
    lot_number: str
    expires_on: dt.date
    product_name: str
    concentration_mg_per_ml: Decimal
    location_id: int
    location_name: str
    balance_mg: Decimal

    @property
    def label(self) -> str:
        return (
            f"{self.lot_number} · {self.product_name} · {self.location_name} · "
            f"{self.balance_mg.normalize():f} mg (exp {self.expires_on:%Y-%m-%d})"
        )


def site_balances(*, site: Site) -> QuerySet[Balance]:
    return (
        Balance.objects.filter(location__site=site)
        .select_related("lot__product", "location")
        .order_by("location__kind", "location__name", "lot__expires_on", "lot__lot_number")
    )


def lots_for_administration(*, site: Site, on: dt.date) -> list[LotStock]:
    """Unexpired lots with a positive balance at the site's active locations, soonest expiry
    first (so the oldest stock is used first)."""
    rows = site_balances(site=site).filter(
        quantity_mg__gt=0, lot__expires_on__gte=on, location__is_active=True
    )
    return [
        LotStock(
            lot_id=row.lot_id,
            lot_number=row.lot.lot_number,
            expires_on=row.lot.expires_on,
            product_name=row.lot.product.name,
            concentration_mg_per_ml=row.lot.product.concentration_mg_per_ml,
            location_id=row.location_id,
            location_name=row.location.name,
            balance_mg=row.quantity_mg,
        )
        for row in sorted(rows, key=lambda r: (r.lot.expires_on, r.location.kind, r.lot_id))
    ]


MG = Decimal("0.001")


def mg_total(value: Decimal | float | None) -> Decimal:
    """A database SUM of milligrams, exact to the register's 3 decimal places.

    SQLite sums DECIMAL columns as floating point (500 - 499.999 - 0.001 comes back as
    -1.1e-13), so every Sum of quantities goes through here before it is compared or shown.
    """
    if value is None:
        return ZERO.quantize(MG)
    return Decimal(str(value)).quantize(MG, rounding=ROUND_HALF_UP)


def balance_from_entries(*, lot: Lot, location: StorageLocation) -> Decimal:
    """The balance recomputed from the ledger alone (must equal the Balance row)."""
    total = LedgerEntry.objects.filter(lot=lot, location=location).aggregate(
        total=Sum("quantity_mg")
    )["total"]
    return mg_total(total)


def balances_disagreeing(*, site: Site | None = None) -> list[tuple[int, int, Decimal, Decimal]]:
    """(lot, location, balance row, sum of entries) for every pair where the two differ."""
    sums = LedgerEntry.objects.values("lot_id", "location_id").annotate(total=Sum("quantity_mg"))
    rows = Balance.objects.all()
    if site is not None:
        sums, rows = sums.filter(site=site), rows.filter(location__site=site)
    totals = {(s["lot_id"], s["location_id"]): mg_total(s["total"]) for s in sums}
    found = {(b.lot_id, b.location_id): b.quantity_mg for b in rows}
    return [
        (lot, loc, found.get((lot, loc), ZERO), totals.get((lot, loc), ZERO))
        for lot, loc in sorted(set(totals) | set(found))
        if found.get((lot, loc), ZERO) != totals.get((lot, loc), ZERO)
    ]


def site_entries(
    *,
    user: User,
    site: Site,
    kind: str | None = None,
    lot_id: int | None = None,
    location_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[LedgerEntry]:
    """The site's entries, newest first, filtered; the caller pages and audits what it shows."""
    entries = LedgerEntry.objects.filter(site=site).select_related(
        "lot__product", "location", "actor", "witness", "patient", "reversed_by"
    )
    filters = {"kind": kind, "lot_id": lot_id, "location_id": location_id}
    entries = entries.filter(**{k: v for k, v in filters.items() if v is not None})
    if start is not None:
        entries = entries.filter(occurred_at__gte=start)
    if end is not None:
        entries = entries.filter(occurred_at__lt=end)
    return entries.order_by("-occurred_at", "-id")


def entries_shown_audit(*, user: User, site: Site, entries: list[LedgerEntry]) -> None:
    """One read row for the page, plus one per patient whose administration is shown."""
    audit_record(
        actor=user,
        action=Action.READ,
        site=site,
        target_type="ledger_entries",
        detail=f"entries={len(entries)}",
    )
    patients = {entry.patient_id: entry.patient for entry in entries if entry.patient is not None}
    audit_record_patient_reads(
        actor=user,
        patients=[p for p in patients.values() if p is not None],
        target_type="ledger_entry",
    )


def site_discrepancies(*, site: Site, status: str | None = None) -> QuerySet[Discrepancy]:
    rows = Discrepancy.objects.filter(site=site).select_related(
        "line__lot__product",
        "line__location",
        "line__count__counted_by",
        "resolved_by",
        "resolving_entry",
        "recount__count",
    )
    return rows.filter(status=status) if status else rows


def discrepancy_recount(*, discrepancy: Discrepancy) -> CountLine | None:
    """The latest count of the discrepancy's lot at its location taken after its count."""
    line = discrepancy.line
    counted_at = line.count.counted_at
    return (
        CountLine.objects.filter(
            count__site_id=discrepancy.site_id, lot_id=line.lot_id, location_id=line.location_id
        )
        .filter(
            Q(count__counted_at__gt=counted_at)
            | Q(count__counted_at=counted_at, count_id__gt=line.count_id)
        )
        .select_related("count")
        .order_by("-count__counted_at", "-count_id")
        .first()
    )


def entries_before_count(*, discrepancy: Discrepancy, limit: int = 20) -> list[LedgerEntry]:
    """The latest entries of the discrepancy's lot at its location up to its count: the ones
    a correction may name."""
    line = discrepancy.line
    entries = LedgerEntry.objects.filter(
        site_id=discrepancy.site_id,
        lot_id=line.lot_id,
        location_id=line.location_id,
        occurred_at__lte=line.count.counted_at,
    ).select_related("actor", "patient", "reversed_by")
    return list(entries.order_by("-occurred_at", "-id")[:limit])


def open_discrepancy_count(*, site: Site) -> int:
    return Discrepancy.objects.filter(site=site, status=DiscrepancyStatus.OPEN).count()


def losses_awaiting_form106(*, site: Site) -> list[LedgerEntry]:
    filed = LossFiling.objects.values("entry_id")
    return list(
        LedgerEntry.objects.filter(site=site, kind=EntryKind.THEFT_LOSS)
        .exclude(pk__in=filed)
        .select_related("site", "lot", "location")
    )


def site_locations(*, site: Site) -> QuerySet[StorageLocation]:
    return StorageLocation.objects.filter(site=site, is_active=True)


def stocked(*, site: Site) -> QuerySet[Balance]:
    """Every lot with stock at the site (expired ones too: they can be wasted or destroyed)."""
    return site_balances(site=site).filter(quantity_mg__gt=0)


def infusions_awaiting_draw(*, site: Site) -> QuerySet[Infusion]:
    """Started, not cancelled infusions of the site with no administration in the register."""
    drawn = LedgerEntry.objects.filter(
        kind=EntryKind.ADMINISTRATION, site=site, reversed_by__isnull=True
    ).values("infusion_id")
    return (
        Infusion.objects.filter(site=site, started_at__isnull=False)
        .exclude(status="cancelled")
        .exclude(pk__in=drawn)
        .select_related("patient")
        .order_by("-started_at")
    )


def site_infusion(*, site: Site, infusion_id: str | int) -> Infusion:
    infusion = (
        Infusion.objects.select_related("site", "patient")
        .filter(pk=int(infusion_id), site=site)
        .first()
    )
    if infusion is None:
        raise NotFoundError("No infusion with that id at this site.")
    return infusion


def registrant(*, site: Site) -> Registrant | None:
    return Registrant.objects.filter(site=site, is_active=True).first()


def site_counts(*, site: Site) -> QuerySet[Count]:
    return Count.objects.filter(site=site).select_related("counted_by", "second_counter")


@dataclass(frozen=True)
class CountLineView:
    """One line of a count as its result page shows it: counted, register and difference."""

    line: CountLine
    difference_mg: Decimal

    @property
    def differs(self) -> bool:
        return self.difference_mg != 0

    @property
    def difference_label(self) -> str:
        """'0.000', '+5.000 (over)' or '-10.000 (short)': words, not only a colour."""
        if not self.differs:
            return f"{self.difference_mg:.3f}"
        word = "over" if self.difference_mg > 0 else "short"
        return f"{self.difference_mg:+.3f} ({word})"


def count_line_views(*, count: Count) -> list[CountLineView]:
    lines = count.lines.select_related("lot__product", "location")
    return [
        CountLineView(line=line, difference_mg=line.counted_mg - line.expected_mg) for line in lines
    ]

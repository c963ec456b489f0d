"""Register reports per DEA registrant and date range (DOMAIN.md section 5).

Each report is a title, a header and rows of text, rendered as an HTML table, CSV or PDF.
"""

from __future__ import annotations

import datetime as dt
import operator
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from typing import Any

from django.db.models import Max, Q, QuerySet, Sum

from ketaclinic.inventory.models import (
    ZERO,
    Balance,
    CountLine,
    Discrepancy,
    EntryKind,
    LedgerEntry,
    Lot,
    Registrant,
    StorageLocation,
)
from ketaclinic.inventory.selectors import mg_total
from ketaclinic.patients.models import Patient


@dataclass(frozen=True)
class Period:
    registrant: Registrant
    start: dt.date
    end: dt.date  # inclusive

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = zoneinfo.ZoneInfo(self.registrant.site.time_zone)
        start = dt.datetime.combine(self.start, dt.time(), zone)
        return start, dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)

    def local(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return ""
        zone = zoneinfo.ZoneInfo(self.registrant.site.time_zone)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    @property
    def label(self) -> str:
        return (
            f"{self.registrant.name}, DEA {self.registrant.dea_number}, "
            f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"
        )


@dataclass
class Report:
    code: str
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    patients: list[Patient] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _mg(value: Decimal | None) -> str:
    return f"{(value or ZERO):.3f}"


def _entries(period: Period) -> QuerySet[LedgerEntry]:
    start, end = period.bounds()
    return LedgerEntry.objects.filter(
        site_id=period.registrant.site_id, occurred_at__gte=start, occurred_at__lt=end
    ).select_related("lot__product", "location", "actor", "witness", "patient")


DISPENSING_HEADER = [
    "Date/time",
    "Record",
    "Patient",
    "Patient address",
    "Drug",
    "NDC",
    "Form",
    "mg/mL",
    "Container mL",
    "Lot",
    "Quantity mg",
    "Quantity mL",
    "By",
    "Witness",
    "Waste method",
    "Infusion",
    "Entry",
]


def _dispensing_row(period: Period, entry: LedgerEntry) -> list[str]:
    product, patient = entry.lot.product, entry.patient
    return [
        period.local(entry.occurred_at),
        entry.get_kind_display(),
        patient.display_name if patient else "",
        " ".join(patient.address.split()) if patient else "",
        product.name,
        product.ndc,
        product.dosage_form,
        str(product.concentration_mg_per_ml),
        str(product.container_volume_ml),
        entry.lot.lot_number,
        _mg(-entry.quantity_mg),
        f"{-entry.quantity_ml:.3f}",
        entry.actor.get_full_name() or entry.actor.username,
        (entry.witness.get_full_name() or entry.witness.username) if entry.witness else "",
        entry.method,
        str(entry.infusion_id or ""),
        str(entry.pk),
    ]


def dispensing_log(period: Period, *, patient: Patient | None = None) -> Report:
    """Every administration and waste with the fields DEA requires."""
    entries = _entries(period).filter(kind__in=[EntryKind.ADMINISTRATION, EntryKind.WASTE])
    if patient is not None:
        entries = entries.filter(patient=patient)
        title = f"Administration history of {patient.display_name}: {period.label}"
        code = "patient"
    else:
        title, code = f"Dispensing log: {period.label}", "dispensing"
    rows = list(entries.order_by("occurred_at", "id"))
    shown = {e.patient_id: e.patient for e in rows if e.patient is not None}
    return Report(
        code=code,
        title=title,
        header=DISPENSING_HEADER,
        rows=[_dispensing_row(period, e) for e in rows],
        patients=[p for p in shown.values() if p is not None],
    )


RECONCILIATION_COLUMNS = [
    ("received", [EntryKind.RECEIPT]),
    ("administered", [EntryKind.ADMINISTRATION]),
    ("wasted", [EntryKind.WASTE]),
    ("transferred", [EntryKind.TRANSFER_IN, EntryKind.TRANSFER_OUT]),
    ("destroyed", [EntryKind.DESTRUCTION]),
    ("lost", [EntryKind.THEFT_LOSS]),
    ("adjusted", [EntryKind.ADJUSTMENT]),
]
RECONCILIATION_HEADER = [
    "Lot",
    "Drug",
    "Expiry",
    "Location",
    "Opening mg",
    "Received",
    "Administered",
    "Wasted",
    "Transferred (net)",
    "Destroyed",
    "Lost",
    "Adjustments",
    "Closing mg",
    "On hand mg",
    "Ledger consistent",
    "Last count mg",
    "Last counted",
    "Last count agrees",
]
RECONCILIATION_NOTES = [
    "Closing mg is the sum of the ledger's entries; On hand mg is the running balance the "
    "register keeps beside them. 'Ledger consistent' says the two agree: a check of the "
    "register's bookkeeping, not of the stock in the safe.",
    "The physical check is the count: 'Last count agrees' compares the latest count by two "
    "people up to the end of the period with the register's balance at that count, "
    "including corrections dated to the count (a loss or a reversal recorded when its "
    "discrepancy was resolved). NO: a difference the register does not explain yet; "
    "'not counted': no count of that lot at that location.",
]

_Key = tuple[int, int]  # (lot id, location id)


def _sums(entries: Iterable[Mapping[str, Any]]) -> dict[_Key, dict[str, Decimal]]:
    totals: dict[_Key, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in entries:
        totals[(row["lot_id"], row["location_id"])][str(row["kind"])] += mg_total(row["total"])
    return totals


@dataclass(frozen=True)
class _LastCount:
    counted_mg: Decimal
    counted_at: dt.datetime
    agrees: bool


def reconciliation(period: Period) -> Report:
    """Per lot and location: opening + received - administered - wasted +/- transfers -
    destroyed - lost +/- adjustments = closing; closing against the balance the register
    keeps (bookkeeping), and the latest count against the register at that count (stock)."""
    site_id = period.registrant.site_id
    start, end = period.bounds()
    base = LedgerEntry.objects.filter(site_id=site_id)
    opening = {
        (lot_id, location_id): mg_total(total)
        for lot_id, location_id, total in base.filter(occurred_at__lt=start)
        .values_list("lot_id", "location_id")
        .annotate(total=Sum("quantity_mg"))
    }
    during = _sums(
        base.filter(occurred_at__gte=start, occurred_at__lt=end)
        .values("lot_id", "location_id", "kind")
        .annotate(total=Sum("quantity_mg"))
    )
    on_hand = _on_hand(site_id, end)
    counted = last_counts(site_id, end)
    keys = set(opening) | set(during) | set(counted)
    lots = Lot.objects.select_related("product").in_bulk({lot for lot, _ in keys})
    places = StorageLocation.objects.in_bulk({location for _, location in keys})
    report = Report(
        "reconciliation",
        f"Reconciliation: {period.label}",
        RECONCILIATION_HEADER,
        notes=RECONCILIATION_NOTES,
    )
    for key in sorted(keys, key=lambda k: (lots[k[0]].lot_number, places[k[1]].name, k)):
        lot, sums = lots[key[0]], during.get(key, {})
        values = [
            sum((sums.get(k, ZERO) for k in kinds), ZERO) for _, kinds in RECONCILIATION_COLUMNS
        ]
        closing = (opening.get(key) or ZERO) + sum(values, ZERO)
        held = on_hand.get(key, ZERO)
        last = counted.get(key)
        report.rows.append(
            [
                lot.lot_number,
                lot.product.name,
                f"{lot.expires_on:%Y-%m-%d}",
                places[key[1]].name,
                _mg(opening.get(key)),
                *(_mg(v) for v in values),
                _mg(closing),
                _mg(held),
                "yes" if closing == held else "NO",
                _mg(last.counted_mg) if last else "",
                period.local(last.counted_at) if last else "",
                ("yes" if last.agrees else "NO") if last else "not counted",
            ]
        )
    return report


def _on_hand(site_id: int, end: dt.datetime) -> dict[_Key, Decimal]:
    """Stock at the end of the period: the balance rows when the period reaches today, else
    the entries up to the end (the balance rows are the present)."""
    later = LedgerEntry.objects.filter(site_id=site_id, occurred_at__gte=end)
    now_held = (
        Balance.objects.filter(location__site_id=site_id)
        .values_list("lot_id", "location_id")
        .annotate(total=Sum("quantity_mg"))
    )
    since = {
        (lot, location): mg_total(total)
        for lot, location, total in later.values_list("lot_id", "location_id").annotate(
            total=Sum("quantity_mg")
        )
    }
    return {
        (lot, location): mg_total(total) - since.get((lot, location), ZERO)
        for lot, location, total in now_held
    }


def last_counts(site_id: int, end: dt.datetime) -> dict[_Key, _LastCount]:
    """Per lot and location, the latest count before `end` and whether it agrees with the
    register at that count: the balance the counters were shown plus the entries recorded
    since that are dated at or before the count (a loss or reversal resolving it)."""
    lines = CountLine.objects.filter(count__site_id=site_id, count__counted_at__lt=end)
    latest = list(lines.values("lot_id", "location_id").annotate(at=Max("count__counted_at")))
    if not latest:
        return {}
    matching = reduce(
        operator.or_,
        (
            Q(lot_id=r["lot_id"], location_id=r["location_id"], count__counted_at=r["at"])
            for r in latest
        ),
    )
    found: dict[_Key, CountLine] = {}
    for line in lines.filter(matching).select_related("count").order_by("count_id"):
        found[(line.lot_id, line.location_id)] = line  # the last count of equal times wins
    corrected = reduce(
        operator.or_,
        (
            Q(
                lot_id=lot_id,
                location_id=location_id,
                recorded_at__gt=line.count.recorded_at,
                occurred_at__lte=line.count.counted_at,
            )
            for (lot_id, location_id), line in found.items()
        ),
    )
    since = {
        (lot, location): mg_total(total)
        for lot, location, total in LedgerEntry.objects.filter(site_id=site_id)
        .filter(corrected)
        .values_list("lot_id", "location_id")
        .annotate(total=Sum("quantity_mg"))
    }
    return {
        key: _LastCount(
            counted_mg=line.counted_mg,
            counted_at=line.count.counted_at,
            agrees=line.counted_mg == line.expected_mg + since.get(key, ZERO),
        )
        for key, line in found.items()
    }


DISCREPANCY_HEADER = [
    "Opened",
    "Lot",
    "Location",
    "Counted mg",
    "Expected mg",
    "Difference mg",
    "Status",
    "Resolved",
    "Resolved by",
    "Resolution",
    "Resolved as",
    "Resolving entry",
    "Recount",
]


def discrepancies(period: Period) -> Report:
    start, end = period.bounds()
    rows = Discrepancy.objects.filter(
        site_id=period.registrant.site_id, opened_at__gte=start, opened_at__lt=end
    ).select_related("line__lot", "line__location", "resolved_by", "recount__count")
    report = Report("discrepancies", f"Discrepancies: {period.label}", DISCREPANCY_HEADER)
    for d in rows.order_by("opened_at", "id"):
        report.rows.append(
            [
                period.local(d.opened_at),
                d.line.lot.lot_number,
                d.line.location.name,
                _mg(d.line.counted_mg),
                _mg(d.line.expected_mg),
                _mg(d.difference_mg),
                d.get_status_display(),
                period.local(d.resolved_at),
                str(d.resolved_by or ""),
                " ".join(d.resolution.split()),
                d.get_resolved_as_display(),
                str(d.resolving_entry_id or ""),
                period.local(d.recount.count.counted_at) if d.recount else "",
            ]
        )
    return report


REPORTS = {
    "dispensing": dispensing_log,
    "reconciliation": reconciliation,
    "discrepancies": discrepancies,
}

"""Demo data, the reports' arithmetic, and the PDF writer."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.inventory.models import Discrepancy, DiscrepancyStatus, LedgerEntry, Registrant
from ketaclinic.inventory.pdf import render_pdf, table_lines
from ketaclinic.inventory.reports import Period, dispensing_log, reconciliation
from ketaclinic.inventory.seed import seed_inventory
from ketaclinic.inventory.selectors import balances_disagreeing
from tests.inventory.conftest import PASSWORD
from tests.inventory.test_services_administration import draw


def test_seed_creates_a_year_of_receipts_and_two_discrepancies(
    make_user, boston, west_hartford, compliance, nurse
):
    make_user(Role.PHYSICIAN, west_hartford, username="wh-physician")
    make_user(Role.NURSE, west_hartford, username="wh-nurse")
    created = seed_inventory(sites=[boston, west_hartford], seed=7)
    assert created == 2 * 12 * 3
    assert Registrant.objects.count() == 2
    assert balances_disagreeing() == []
    for site in (boston, west_hartford):
        statuses = sorted(Discrepancy.objects.filter(site=site).values_list("status", flat=True))
        assert statuses == [DiscrepancyStatus.OPEN, DiscrepancyStatus.RESOLVED]
    assert seed_inventory(sites=[boston, west_hartford], seed=7) == 0


def test_seed_skips_a_site_without_two_counters(boston, compliance):
    assert seed_inventory(sites=[boston], seed=1) == 0
    assert not LedgerEntry.objects.exists()


def test_dispensing_log_has_every_dea_field(nurse, physician, infusion, stocked_cart, cart):
    """Given an administration and its waste, then the log shows patient name and address,
    date, quantity, who administered, the witness and the method."""
    draw(nurse, infusion, stocked_cart, cart, witness=physician)
    today = timezone.localdate()
    period = Period(Registrant.objects.get(site=cart.site), today - dt.timedelta(days=1), today)
    report = dispensing_log(period)
    administration, waste = report.rows
    header = report.header
    assert administration[header.index("Patient")] == "Testpatient, Avery"
    assert administration[header.index("Patient address")] == "9 Sample Road"
    assert administration[header.index("Quantity mg")] == "35.500"
    assert administration[header.index("By")] == nurse.get_full_name()
    assert administration[header.index("Infusion")] == str(infusion.pk)
    assert waste[header.index("Witness")] == physician.get_full_name()
    assert report.patients == [infusion.patient]


def test_reconciliation_arithmetic(nurse, physician, infusion, stocked_cart, cart, safe):
    """Given 1000 mg received, moved to the cart, 35.5 given and 464.5 wasted, then per lot:
    received 1000, administered -35.5, wasted -464.5, transfers net 0, closing = on hand 500."""
    draw(nurse, infusion, stocked_cart, cart, witness=physician)
    today = timezone.localdate()
    period = Period(Registrant.objects.get(site=cart.site), today - dt.timedelta(days=1), today)
    (row,) = reconciliation(period).rows
    assert row[3:] == [
        "0.000", "1000.000", "-35.500", "-464.500", "0.000", "0.000", "0.000", "0.000",
        "500.000", "500.000", "yes",
    ]  # fmt: skip
    earlier = Period(period.registrant, today - dt.timedelta(days=10), today - dt.timedelta(days=2))
    assert reconciliation(earlier).rows == []
    _ = safe, PASSWORD


def test_pdf_is_well_formed_and_paginated():
    rows = [[str(n), "Lot (A)\\B", "caf\u00e9 \u2713"] for n in range(200)]
    pdf = render_pdf("Dispensing log (demo)", ["N", "Lot", "Note"], rows)
    assert pdf.startswith(b"%PDF-1.4\n")
    assert pdf.endswith(b"%%EOF\n")
    pages = re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", pdf)
    assert pages is not None
    assert int(pages.group(1)) == 4
    found = re.search(rb"startxref\n(\d+)\n", pdf)
    assert found is not None
    startxref = int(found.group(1))
    assert pdf[startxref:].startswith(b"xref\n")
    offsets = [int(x) for x in re.findall(rb"(\d{10}) 00000 n ", pdf)]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert b"Lot \\(A\\)\\\\B" in pdf
    assert "caf\u00e9 ?".encode("latin-1") in pdf


def test_empty_pdf_still_has_a_page():
    pdf = render_pdf("Nothing", ["A"], [])
    assert b"/Count 1" in pdf
    assert b"\\(no entries\\)" in pdf


def test_table_lines_align_columns():
    lines = table_lines(["Lot", "mg"], [["A-1", "500.000"], ["LONGER-LOT", "5.000"]])
    assert lines[0] == "Lot         mg"
    assert lines[2] == "A-1         500.000"
    assert Decimal(lines[3].split()[-1]) == Decimal("5")

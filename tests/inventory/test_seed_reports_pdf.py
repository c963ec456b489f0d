"""Demo data, the reports' arithmetic, and the PDF writer."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.inventory.models import Discrepancy, DiscrepancyStatus, LedgerEntry, Registrant
from ketaclinic.inventory.pdf import MAX_CELL_CHARS, pdf_text, render_pdf
from ketaclinic.inventory.reports import Period, dispensing_log, reconciliation
from ketaclinic.inventory.seed import seed_inventory
from ketaclinic.inventory.selectors import balance_from_entries, balances_disagreeing
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
        resolved = Discrepancy.objects.get(site=site, status=DiscrepancyStatus.RESOLVED)
        assert (resolved.resolved_as, resolved.resolving_entry) == ("counting_error", None)
        assert resolved.recount is not None
        assert resolved.recount.counted_mg == resolved.recount.expected_mg
        assert resolved.recount.count.counted_at > resolved.line.count.counted_at
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
    """Given 1000 mg received into the safe, moved to the cart, 35.5 given and 464.5 wasted
    from the cart, then per lot and location: the cart got 1000 by transfer, gave 35.5 and
    wasted 464.5, closing = on hand 500; the safe received 1000 and moved it out, closing 0;
    neither was counted."""
    draw(nurse, infusion, stocked_cart, cart, witness=physician)
    today = timezone.localdate()
    period = Period(Registrant.objects.get(site=cart.site), today - dt.timedelta(days=1), today)
    report = reconciliation(period)
    assert report.header[3] == "Location"
    assert report.header[-4:] == [
        "Ledger consistent", "Last count mg", "Last counted", "Last count agrees",
    ]  # fmt: skip
    assert [row[3:] for row in report.rows] == [
        [
            "Infusion cart 1", "0.000", "0.000", "-35.500", "-464.500", "1000.000", "0.000",
            "0.000", "0.000", "500.000", "500.000", "yes", "", "", "not counted",
        ],
        [
            "Main safe", "0.000", "1000.000", "0.000", "0.000", "-1000.000", "0.000", "0.000",
            "0.000", "0.000", "0.000", "yes", "", "", "not counted",
        ],
    ]  # fmt: skip
    assert report.notes[0].startswith("Closing mg is the sum of the ledger's entries")
    earlier = Period(period.registrant, today - dt.timedelta(days=10), today - dt.timedelta(days=2))
    assert reconciliation(earlier).rows == []
    _ = safe, PASSWORD


def test_sums_are_exact_to_the_milligram_on_every_database(
    nurse, physician, infusion, stocked_cart, cart
):
    """Given 1000 mg in the cart, when 999.9 mg are given and 0.1 mg wasted, then the
    ledger sums to exactly 0: no false disagreement and the reconciliation says "yes". (SQLite
    sums decimals as floats: 2.3e-14 here; found by the property test.)"""
    draw(
        nurse, infusion, stocked_cart, cart, witness=physician,
        administered_mg=Decimal("999.9"), wasted_mg=Decimal("0.1"),
    )  # fmt: skip
    assert balances_disagreeing() == []
    assert balance_from_entries(lot=stocked_cart, location=cart) == Decimal("0.000")
    today = timezone.localdate()
    period = Period(Registrant.objects.get(site=cart.site), today - dt.timedelta(days=1), today)
    cart_row, _ = reconciliation(period).rows
    assert cart_row[-6:-3] == ["0.000", "0.000", "yes"]


def pdf_text_of(pdf: bytes) -> str:
    """The text drawn on the pages: fpdf2 deflates content streams, so inflate them; the
    footer's "{nb}" is drawn as a separate string, so join adjacent strings."""
    streams = re.findall(rb"stream\n(.*?)\nendstream", pdf, re.S)
    content = b"\n".join(zlib.decompress(stream) for stream in streams).decode("latin-1")
    return content.replace(") Tj (", "")


def page_count(pdf: bytes) -> int:
    found = re.search(rb"/Count (\d+)", pdf)
    assert found is not None
    return int(found.group(1))


def test_pdf_is_paginated_with_the_header_on_every_page():
    """Given 200 rows, then the PDF has 6 landscape Letter pages, each with the title, the
    generated-at line, the header row and "Page n of 6"; cell text is Latin-1 (PDF-escaped)."""
    rows = [[str(n), "Lot (A)\\B", "caf\u00e9 \u2713 \u2013 ok"] for n in range(200)]
    generated = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)
    pdf = render_pdf("Dispensing log (demo)", ["N", "Lot", "Note"], rows, generated_at=generated)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) == 6
    assert b"/MediaBox [0 0 792.00 612.00]" in pdf
    text = pdf_text_of(pdf)
    assert text.count("(Dispensing log \\(demo\\))") == 6
    assert text.count("(N) Tj") == 6
    assert "(Page 1 of 6) Tj" in text
    assert "(Page 6 of 6) Tj" in text
    assert "(Generated 2025-03-03 10:00 EST) Tj" in text  # TIME_ZONE is America/New_York
    assert "(Lot \\(A\\)\\\\B) Tj" in text
    assert "(caf\u00e9 ? - ok) Tj" in text
    assert "(199) Tj" in text


def test_pdf_wraps_long_cells_and_cuts_very_long_ones():
    long_word = "X" * 400
    pdf = render_pdf("Wrap", ["Lot", "Note"], [["L-1", "word " * 60], ["L-2", long_word]])
    text = pdf_text_of(pdf)
    assert page_count(pdf) == 1
    drawn = "".join(re.findall(r"\((X+(?:\.\.\.)?)\) Tj", text))
    assert drawn == "X" * (MAX_CELL_CHARS - 3) + "..."
    # The Note column gets all the page but the Lot column (its 300-character word is wider
    # than the page, so it is the only text broken mid-word): 60 words wrap onto two lines.
    assert len(re.findall(r"\((?:word ?)+\) Tj", text)) == 2


def test_pdf_text_keeps_latin1_and_cuts_with_an_ellipsis():
    assert pdf_text("Caf\u00e9 \u201cA\u201d \u2014 \u2713\n next") == 'Caf\u00e9 "A" - ? next'
    assert pdf_text("y" * 500) == "y" * (MAX_CELL_CHARS - 3) + "..."


def test_empty_pdf_still_has_a_page():
    pdf = render_pdf("Nothing", ["A"], [])
    assert page_count(pdf) == 1
    assert "((no entries)) Tj" in pdf_text_of(pdf).replace("\\(", "(").replace("\\)", ")")


def test_reconciliation_csv_and_pdf_have_the_count_columns_and_notes(
    compliance, nurse, physician, stocked_cart, cart
):
    """Given a count of the cart 10 mg short (open discrepancy), then the CSV and the PDF of
    the reconciliation carry the same columns as the screen: the cart row says the ledger is
    consistent and the last count (990 mg) does not agree; both end with the notes."""
    from ketaclinic.inventory import services
    from ketaclinic.inventory.exports import csv_response, pdf_response
    from ketaclinic.inventory.models import CountKind

    counted_at = timezone.now() - dt.timedelta(minutes=1)
    services.count_record(
        actor=nurse, site=cart.site, kind=CountKind.SHIFT, timing="",
        second=services.SecondCounter(physician, PASSWORD),
        lines=[services.CountLineIn(stocked_cart.pk, cart.pk, 1, Decimal(490))],
        counted_at=counted_at,
    )  # fmt: skip
    today = timezone.localdate()
    period = Period(Registrant.objects.get(site=cart.site), today - dt.timedelta(days=1), today)
    report = reconciliation(period)
    when = timezone.localtime(counted_at).strftime("%Y-%m-%d %H:%M")
    assert report.rows[0][-6:] == ["1000.000", "1000.000", "yes", "990.000", when, "NO"]

    lines = csv_response(report).content.decode().splitlines()
    assert lines[1].split(",") == report.header
    assert lines[2].endswith(f",1000.000,1000.000,yes,990.000,{when},NO")
    assert lines[-2].startswith('"Closing mg is the sum of the ledger')
    assert lines[-1].startswith('"The physical check is the count')

    text = pdf_text_of(pdf_response(report).content)
    day, clock = when.split()  # the narrow column wraps the time under the date
    assert f"({day}) Tj" in text
    assert f"({clock}) Tj" in text
    assert "(NO) Tj" in text
    assert "(Closing mg is the sum of the ledger" in text

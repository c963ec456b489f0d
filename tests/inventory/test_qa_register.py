"""QA fixes (issue 6): expired lots and malformed DEA numbers are refused at receipt, the
site's own DEA number is checked, report PDFs wrap only at spaces, the count result shows
the differences, and the patient history is asked for by MRN."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError
from ketaclinic.inventory import services
from ketaclinic.inventory.access import site_date
from ketaclinic.inventory.dea import dea_check_digit, dea_number_problem
from ketaclinic.inventory.models import (
    Balance,
    CountKind,
    LedgerEntry,
    Lot,
    Registrant,
)
from ketaclinic.inventory.pdf import BODY_SIZE, FONT, column_widths, render_pdf
from ketaclinic.inventory.reports import DISPENSING_HEADER
from ketaclinic.inventory.seed import SUPPLIER, demo_dea_number
from tests.inventory.conftest import PASSWORD
from tests.inventory.factories import synthetic_dea_number
from tests.inventory.test_seed_reports_pdf import pdf_text_of
from tests.inventory.test_services_administration import draw

SUPPLIER_FIX = "Copy it from the invoice or the supplier's DEA certificate."


def _register_state() -> tuple[int, int, int, int]:
    return (
        LedgerEntry.objects.count(),
        Lot.objects.count(),
        Balance.objects.count(),
        AuditEvent.objects.filter(action=Action.CREATE).count(),
    )


def _receive(compliance, safe, product, *, dea="RX0000000", expires_on=dt.date(2099, 1, 31)):
    return services.receipt_record(
        actor=compliance,
        site=safe.site,
        lot_in=services.LotIn(product.pk, "QA-1", expires_on),
        location_id=safe.pk,
        containers=1,
        supplier=services.Supplier("Example Pharma (demo)", "1 Way", dea, "INV-QA"),
        received_at=timezone.now() - dt.timedelta(hours=1),
    )


# --- DEA numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("six", "check"), [("123456", 3), ("000000", 0), ("000001", 2), ("999999", 1)]
)
def test_dea_check_digit(six, check):
    """1+3+5 = 9 and 2 x (2+4+6) = 24: 33, so 3; 9+9+9 + 2 x 27 = 81, so 1."""
    assert dea_check_digit(six) == check


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("AB1234563", None),
        (
            "AB1234564",
            "DEA number AB1234564 fails the DEA check digit (the last digit would be 3): a digit "
            "is mistyped. Fix.",
        ),
        (
            "A11234563",
            "DEA number 'A11234563' is not a DEA number: it is two letters then seven digits, "
            "for example AB1234563. Fix.",
        ),
        (
            "AB123456",
            "DEA number 'AB123456' is not a DEA number: it is two letters then seven digits, "
            "for example AB1234563. Fix.",
        ),
        ("", "DEA number is missing. Fix."),
    ],
)
def test_dea_number_problem(number, problem):
    assert dea_number_problem(number, what="DEA number", fix="Fix.") == problem


def test_the_demo_and_test_dea_numbers_are_well_formed():
    numbers = [demo_dea_number(i) for i in range(5)] + [
        synthetic_dea_number(n) for n in (1, 2, 99, 123456)
    ]

    assert numbers[:2] == ["FX0000012", "FX0000024"]
    assert synthetic_dea_number(123456) == "FX1234563"
    assert [dea_number_problem(n, what="n", fix="") for n in numbers] == [None] * len(numbers)
    assert dea_number_problem(SUPPLIER["supplier_dea_number"], what="n", fix="") is None


@pytest.mark.parametrize(
    ("dea", "message"),
    [
        (
            "RX0000001",
            "Supplier DEA number RX0000001 fails the DEA check digit (the last digit would be "
            f"0): a digit is mistyped. {SUPPLIER_FIX}",
        ),
        (
            "RX1",
            "Supplier DEA number 'RX1' is not a DEA number: it is two letters then seven "
            f"digits, for example AB1234563. {SUPPLIER_FIX}",
        ),
    ],
)
def test_a_receipt_with_a_malformed_supplier_dea_number_writes_nothing(
    compliance, safe, product, dea, message
):
    before = _register_state()

    with pytest.raises(ApplicationError) as refused:
        _receive(compliance, safe, product, dea=dea)

    assert refused.value.message == message
    assert refused.value.field_errors == {"supplier_dea_number": [message]}
    assert _register_state() == before


def test_a_lower_case_supplier_dea_number_is_stored_in_capitals(compliance, safe, product):
    entry = _receive(compliance, safe, product, dea=" ab1234563 ")

    assert entry.supplier_dea_number == "AB1234563"


def test_the_site_registration_number_is_checked_and_a_refusal_keeps_the_old_one(
    compliance, boston, safe
):
    current = Registrant.objects.get(site=boston, is_active=True)
    before = (
        Registrant.objects.count(),
        AuditEvent.objects.filter(target_type="registrant").count(),
    )

    with pytest.raises(ApplicationError) as refused:
        services.registrant_record(
            actor=compliance,
            site=boston,
            name="Boston clinic (synthetic)",
            dea_number="FX1234567",
            expires_on=dt.date(2100, 1, 31),
        )

    message = (
        "DEA number FX1234567 fails the DEA check digit (the last digit would be 3): a digit is "
        "mistyped. Copy it from the site's DEA registration certificate."
    )
    assert refused.value.field_errors == {"dea_number": [message]}
    assert (
        Registrant.objects.count(),
        AuditEvent.objects.filter(target_type="registrant").count(),
    ) == before
    current.refresh_from_db()
    assert current.is_active


# --- Expired lots --------------------------------------------------------------------------


def test_a_lot_expired_before_the_receipt_date_is_refused_and_writes_nothing(
    compliance, safe, product
):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    before = _register_state()

    with pytest.raises(ApplicationError) as refused:
        _receive(compliance, safe, product, expires_on=yesterday)

    message = (
        f"Lot QA-1 expired on {yesterday:%Y-%m-%d}: expired stock is not received into the "
        "register; record it for return to the supplier or for destruction (DEA Form 41) "
        "instead."
    )
    assert refused.value.message == message
    assert refused.value.field_errors == {"expires_on": [message]}
    assert _register_state() == before


def test_a_lot_expiring_on_the_receipt_date_is_still_received(compliance, safe, product):
    received_at = timezone.now() - dt.timedelta(minutes=5)
    entry = services.receipt_record(
        actor=compliance,
        site=safe.site,
        lot_in=services.LotIn(product.pk, "QA-TODAY", site_date(safe.site, received_at)),
        location_id=safe.pk,
        containers=1,
        supplier=services.Supplier("Example Pharma (demo)", "1 Way", "RX0000000", "INV-QA"),
        received_at=received_at,
    )

    assert (entry.lot.lot_number, entry.quantity_mg) == ("QA-TODAY", Decimal("500.000"))


def test_the_receive_page_shows_the_expiry_refusal_on_the_field(
    client_for, compliance, safe, product
):
    before = _register_state()
    response = client_for(compliance).post(reverse("inventory:receive", args=[safe.site.pk]), {
        "product": product.pk, "lot_number": "OLD-9", "expires_on": "2020-01-31",
        "location": safe.pk, "containers": "1", "supplier_name": "Example Pharma (demo)",
        "supplier_address": "1 Example Way", "supplier_dea_number": "RX0000000",
        "invoice_number": "INV-2", "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip

    html = response.content.decode()
    assert response.status_code == 422
    assert "Lot OLD-9 expired on 2020-01-31: expired stock is not received" in html
    assert _register_state() == before


# --- PDF columns ---------------------------------------------------------------------------


ROW = [
    "2026-11-21 14:05 EST",
    "Administration",
    "Testpatient, Avery (MRN BOS0000123)",
    "9 Sample Road, Sampletown, XX 00000 (fictional)",
    "Ketamine HCl 50 mg/mL, 10 mL vial (demo)",
    "00000-0000-01",
    "injectable solution",
    "50.00",
    "10.00",
    "DEMO-BO-01",
    "35.500",
    "0.71",
    "nurse-boston",
    "physician-boston",
    "Expelled into drug disposal container",
    "Infusion 12, session 2",
    "4711",
]


def test_pdf_columns_fit_their_longest_word_and_wrap_only_at_spaces():
    """The dispensing log's 17 columns: no word is split ("DEMO-B | O-01",
    "Administ | ration" before), every column is at least its longest word wide."""
    pdf = render_pdf("Dispensing log", DISPENSING_HEADER, [ROW] * 3)

    drawn = re.findall(r"\((.*?)\) Tj", pdf_text_of(pdf))
    words = {w for text in [*DISPENSING_HEADER, *ROW] for w in text.split(" ")}
    table = [t.replace("\\(", "(").replace("\\)", ")") for t in drawn[2:-1]]
    assert {w for text in table for w in text.split(" ")} <= words
    assert "DEMO-BO-01" in table
    assert "Administration" in table


def test_column_widths_add_up_to_the_page_and_cover_each_longest_word():
    measure = FPDF(orientation="landscape", unit="pt", format="letter")
    widths = column_widths(measure, DISPENSING_HEADER, [ROW], 736.0)

    assert sum(widths) == pytest.approx(736.0)
    measure.set_font(FONT, "", BODY_SIZE)
    for width, cell in zip(widths, ROW, strict=True):
        longest = max(measure.get_string_width(word) for word in cell.split(" "))
        assert width >= longest + 4


def test_only_a_word_wider_than_the_space_left_is_cut():
    """Two short columns keep their words; the one 700-point word gets the rest."""
    measure = FPDF(orientation="landscape", unit="pt", format="letter")
    huge = "W" * 120
    widths = column_widths(
        measure, ["Lot", "Record", "Note"], [["DEMO-BO-01", "Receipt", huge]], 300.0
    )

    measure.set_font(FONT, "", BODY_SIZE)
    assert widths[0] >= measure.get_string_width("DEMO-BO-01") + 4
    assert widths[1] >= measure.get_string_width("Receipt") + 4
    assert sum(widths) == pytest.approx(300.0)
    assert widths[2] == pytest.approx(300.0 - widths[0] - widths[1])


# --- Count result --------------------------------------------------------------------------


def test_the_count_result_shows_counted_register_and_a_highlighted_difference(
    client_for, compliance, nurse, stocked_cart, cart, safe, product
):
    """Given 1000 mg in the cart counted as 2 vials and 0 mg opened, then nothing differs;
    counted as 1 vial and 490 mg, the line shows -10.000 (short), highlighted."""
    other = Lot.objects.create(product=product, lot_number="LOT-B2", expires_on=dt.date(2099, 2, 1))
    from tests.inventory.conftest import receive

    receive(compliance, safe, other, containers=1)
    count = services.count_record(
        actor=compliance, site=cart.site, kind=CountKind.SHIFT, timing="",
        second=services.SecondCounter(nurse, PASSWORD),
        lines=[
            services.CountLineIn(stocked_cart.pk, cart.pk, 1, Decimal(490)),
            services.CountLineIn(other.pk, safe.pk, 1, Decimal(0)),
        ],
        counted_at=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip

    response = client_for(compliance).get(
        reverse("inventory:count_print", args=[cart.site.pk, count.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<th scope="col">Difference (mg)</th>' in html
    assert "<strong>1 line differs from the register</strong>" in html
    assert (
        "<td>990.000</td><td>1000.000</td><td><mark><strong>-10.000 (short)</strong></mark></td>"
        in html
    )
    assert "<td>500.000</td><td>500.000</td><td>0.000</td>" in html
    assert html.count('class="differs"') == 1


def test_a_count_without_differences_says_so(client_for, compliance, nurse, stocked_cart, cart):
    count = services.count_record(
        actor=compliance, site=cart.site, kind=CountKind.SHIFT, timing="",
        second=services.SecondCounter(nurse, PASSWORD),
        lines=[services.CountLineIn(stocked_cart.pk, cart.pk, 2, Decimal(0))],
        counted_at=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip

    html = (
        client_for(compliance)
        .get(reverse("inventory:count_print", args=[cart.site.pk, count.pk]))
        .content.decode()
    )

    assert "Every line matches the register." in html
    assert "<mark>" not in html


# --- The patient report by MRN -------------------------------------------------------------


def _patient_report(client, site, mrn, output):
    today = timezone.localdate().isoformat()
    return client.get(reverse("inventory:reports", args=[site.pk]), {
        "report": "patient", "start": today, "end": today, "mrn": mrn, "output": output,
    })  # fmt: skip


def _exports() -> int:
    return AuditEvent.objects.filter(action=Action.EXPORT, target_type="inventory_report").count()


def test_the_patient_history_is_found_by_mrn_as_csv(
    client_for, compliance, nurse, physician, infusion, stocked_cart, cart
):
    infusion.patient.mrn = "BOS0000123"
    infusion.patient.save(update_fields=["mrn"])
    draw(nurse, infusion, stocked_cart, cart, witness=physician)

    response = _patient_report(client_for(compliance), cart.site, " bos0000123 ", "csv")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "Testpatient" in body
    assert "35.500" in body
    assert _exports() == 1


@pytest.mark.parametrize("output", ["csv", "pdf", "html"])
def test_an_unknown_mrn_answers_a_422_page_that_says_why_in_any_format(
    client_for, compliance, boston, safe, output
):
    response = _patient_report(client_for(compliance), boston, "NOPE-1", output)

    html = response.content.decode()
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    assert (
        "No patient with MRN NOPE-1 at Boston, MA: check the MRN on the patient&#x27;s chart."
        in html
    )
    assert 'name="mrn" value="NOPE-1"' in html
    assert _exports() == 0


def test_an_mrn_of_another_site_is_not_found_at_this_one(
    client_for, compliance, boston, west_hartford, safe, patient_factory
):
    patient_factory(site=west_hartford, mrn="WH0000001")

    response = _patient_report(client_for(compliance), boston, "WH0000001", "csv")

    assert response.status_code == 422
    assert "No patient with MRN WH0000001 at Boston, MA:" in response.content.decode()
    assert _exports() == 0


def test_the_patient_history_without_an_mrn_asks_for_it(client_for, compliance, boston, safe):
    response = _patient_report(client_for(compliance), boston, "", "csv")

    assert response.status_code == 422
    assert "Give the patient&#x27;s MRN for an administration history." in response.content.decode()


def test_the_api_takes_an_mrn_too(
    api_client_for, compliance, nurse, physician, infusion, stocked_cart, cart
):
    infusion.patient.mrn = "BOS0000124"
    infusion.patient.save(update_fields=["mrn"])
    draw(nurse, infusion, stocked_cart, cart, witness=physician)
    today = timezone.localdate().isoformat()
    client = api_client_for(compliance)
    path = f"/api/v1/inventory/sites/{cart.site.pk}/reports"

    found = client.get(
        path, {"report": "patient", "start": today, "end": today, "mrn": "BOS0000124"}
    )
    missing = client.get(path, {"report": "patient", "start": today, "end": today, "mrn": "X"})

    assert found.status_code == 200
    assert len(found.json()["rows"]) == 2  # the administration and the witnessed waste
    assert missing.status_code == 400
    assert missing.json()["detail"] == (
        "No patient with MRN X at Boston, MA: check the MRN on the patient's chart."
    )

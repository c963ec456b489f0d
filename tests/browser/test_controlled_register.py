"""The ketamine register from receipt to a reconciliation that balances (issue 6).

The compliance officer receives a lot into the infusion cart; the nurse ends a running
infusion drawn from that lot and wastes the rest of the syringe with the physician as
witness; her count with the physician finds 10 mg less than the register; the compliance
officer resolves the discrepancy by recording the loss; the reconciliation balances.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.infusions import services as infusion_services
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.inventory.models import (
    Balance,
    Discrepancy,
    DiscrepancyStatus,
    EntryKind,
    LedgerEntry,
    LocationKind,
)
from tests.browser.helpers import main_nav, open_flowsheet_from_chair_board, sign_in, sign_out
from tests.factories import TEST_PASSWORD, PatientFactory
from tests.infusions.flow import Flow
from tests.inventory import factories
from tests.treatment import (
    SignedPreparationFactory,
    TreatmentCourseFactory,
    protocol_version,
    ready_patient,
)

LOT = "LOT-B7"
CART = "Infusion cart 1"
WASTE_METHOD = "Expelled into the drug disposal container"
RESOLUTION = (
    "Opened vial recounted with the physician: 10 mg short, most likely spilled when the "
    "vial was drawn. Staff reminded of the technique."
)
ZONE = zoneinfo.ZoneInfo("America/New_York")


def test_receipt_administration_waste_count_and_reconciliation(
    page: Page,
    boston: Site,
    physician: User,
    compliance: User,
    make_user: Callable[..., User],
) -> None:
    """Given Boston's DEA registration, a ketamine product (500 mg vials), a safe, an
    infusion cart, and an infusion running for an hour with lot LOT-B7,
    when compliance receives 2 vials of LOT-B7 into the cart,
    then the register holds 1000 mg of it there;
    when the nurse ends the infusion with 56.0 mg given from that lot and 4 mg wasted,
    witnessed by the physician, who types their password,
    then the register holds 940 mg and both entries name the infusion and the witness;
    when the nurse and the physician count 1 sealed vial and 430 mg in the opened one,
    then the count opens a discrepancy of -10 mg;
    when compliance resolves the discrepancy by recording the 10 mg as a loss,
    then the loss entry is linked to it, 930 mg remain, no discrepancy is open, and the
    reconciliation for the period balances and says the last count agrees."""
    nurse = make_user(Role.NURSE, boston, username="nurse")
    factories.registrant_create(boston)
    product = factories.product_create()
    factories.location_create(boston, "Main safe", LocationKind.SAFE)
    cart = factories.location_create(boston, CART, LocationKind.CART)
    infusion = _running_infusion(boston, nurse=nurse, physician=physician)
    patient_label = str(infusion.patient)
    now = timezone.localtime(timezone.now(), ZONE)
    expires_on = (now + dt.timedelta(days=400)).date()

    # Compliance receives the lot into the infusion cart.
    sign_in(page, "compliance")
    _open_register(page, boston)
    page.locator("#link-receive").click()
    form = page.locator("#receive-form")
    form.get_by_label("Product").select_option(label=product.name)
    form.get_by_label("Lot number").fill(LOT)
    form.get_by_label("Lot expiry").fill(f"{expires_on:%Y-%m-%d}")
    form.get_by_label("Into").select_option(label=CART)
    form.get_by_label("Number of containers").fill("2")
    form.get_by_label("Supplier name").fill("Example Pharma Supply (synthetic)")
    form.get_by_label("Supplier address").fill("1 Example Way, Nowhere, MA 00000")
    form.get_by_label("Supplier DEA number").fill("RX0000000")
    form.get_by_label("Invoice number").fill("INV-2042")
    form.get_by_label("Received at").fill(f"{now - dt.timedelta(hours=3):%Y-%m-%dT%H:%M}")
    page.locator("#record-receipt").click()
    page.wait_for_url(f"/inventory/sites/{boston.pk}/")
    expect(page.get_by_role("status")).to_have_text("Receipt recorded in the register.")
    expect(_balance(page, LOT, CART).locator(".balance-mg")).to_have_text("1000.000")
    expect(_balance(page, LOT, CART).locator("td").nth(5)).to_have_text("2")
    sign_out(page)

    # The nurse ends the infusion: the dose from the lot, the rest wasted, witnessed.
    sign_in(page, "nurse")
    open_flowsheet_from_chair_board(page, infusion.pk, patient_label)
    expect(page.locator("#fs-status")).to_have_text("Running")
    expect(page.locator("#lot-number")).to_have_text(LOT)
    stop = page.locator("#form-stop")
    expect(stop.get_by_label("Dose given (mg)")).to_have_value("56.0")
    drawn_from = stop.get_by_label("Drawn from (lot, location)")
    expect(drawn_from.locator("option")).to_have_text(
        [
            "Choose the lot and location",
            f"{LOT}, {CART}: 1000 mg on hand, expires {expires_on:%Y-%m-%d}",
        ]
    )
    drawn_from.select_option(label=f"{LOT}, {CART}: 1000 mg on hand, expires {expires_on:%Y-%m-%d}")
    stop.get_by_label("Wasted (mg)").fill("4")
    stop.get_by_label("Waste method").fill(WASTE_METHOD)
    stop.get_by_label("Waste witness").select_option(
        label=f"{physician.get_full_name()} (physician)"
    )
    stop.get_by_label("Witness's password").fill(TEST_PASSWORD)
    stop.get_by_label("Reason").fill("Completed as planned")
    stop.get_by_role("button", name="End infusion").click()
    expect(page.locator("#fs-status")).to_have_text("Infusion ended, recovering")
    expect(page.locator("#fs-error")).to_have_count(0)

    # The nurse counts the cart with the physician and finds 10 mg less.
    main_nav(page).get_by_role("link", name="Ketamine register").click()
    page.wait_for_url(f"/inventory/sites/{boston.pk}/")
    expect(_balance(page, LOT, CART).locator(".balance-mg")).to_have_text("940.000")
    page.locator("#link-count").click()
    lines = page.locator("#count-lines tbody tr")
    expect(lines).to_have_count(1)
    lines.get_by_label(f"{LOT} at {CART}: sealed containers").fill("1")
    lines.get_by_label(f"{LOT} at {CART}: opened containers (mg, estimate)").fill("430")
    count_form = page.locator("#count-form")
    count_form.get_by_label(re.compile(r"^Second counter\s*\*?$")).select_option(
        label=physician.get_full_name()
    )
    count_form.get_by_label("Second counter's password").fill(TEST_PASSWORD)
    page.locator("#record-count").click()
    printout = page.locator("#count-print")
    expect(printout.locator("h1")).to_have_text("Shift count: Boston, MA")
    expect(printout).to_contain_text(f"by {nurse.get_full_name()} and {physician.get_full_name()}")
    cells = printout.locator("tbody tr td")
    # Location, Drug, NDC, Lot, Expiry, Sealed, Opened, Counted, Register, Difference.
    expect(cells).to_have_text(
        [
            CART,
            product.name,
            product.ndc,
            LOT,
            f"{expires_on:%Y-%m-%d}",
            "1",
            "430.000",
            "930.000",
            "940.000",
            "-10.000 (short)",
        ]
    )
    sign_out(page)

    # Compliance resolves the discrepancy by recording the loss from the resolve page.
    sign_in(page, "compliance")
    _open_register(page, boston)
    expect(page.locator("#link-discrepancies .badge")).to_have_text("1 open")
    page.locator("#link-discrepancies").click()
    discrepancy = Discrepancy.objects.get()
    row = page.locator(f"#discrepancy-{discrepancy.pk}")
    expect(row.locator("td").nth(4)).to_have_text("930.000")
    expect(row.locator("td").nth(5)).to_have_text("940.000")
    expect(row.locator("td").nth(6)).to_have_text("-10.000")
    page.locator(f"#resolve-{discrepancy.pk}").click()
    expect(page.locator("#recount-status")).to_have_text("No recount yet.")
    resolve = page.locator("#resolve-form")
    resolve.get_by_label(
        "Theft or significant loss: record the missing quantity in the register"
    ).check()
    resolve.get_by_label("Resolution").fill(RESOLUTION)
    page.locator("#resolve-discrepancy").click()
    page.wait_for_url(f"/inventory/sites/{boston.pk}/discrepancies/")
    loss_entry = LedgerEntry.objects.get(kind=EntryKind.THEFT_LOSS)
    expect(page.get_by_role("status")).to_contain_text(
        f"Loss recorded as entry {loss_entry.pk}: notify the DEA by"
    )
    expect(page.get_by_role("status")).to_contain_text("Discrepancy resolved.")
    expect(page.locator("#discrepancies-table tbody")).to_have_text("No discrepancies.")
    page.get_by_role("link", name="Back to the register of Boston, MA").click()
    expect(page.locator("#loss-heading")).to_have_text("Losses awaiting DEA Form 106")
    expect(_balance(page, LOT, CART).locator(".balance-mg")).to_have_text("930.000")

    # The reconciliation of yesterday and today balances, and the count agrees with it.
    page.locator("#link-reports").click()
    report = page.locator("#report-form")
    report.get_by_label(re.compile(r"^Report")).select_option(label="Reconciliation")
    report.get_by_label(re.compile(r"^From")).fill(f"{now - dt.timedelta(days=1):%Y-%m-%d}")
    report.get_by_label(re.compile(r"^To \(inclusive\)")).fill(f"{now:%Y-%m-%d}")
    report.get_by_label(re.compile(r"^Format")).select_option(label="On screen")
    page.locator("#run-report").click()
    expect(page.locator("#report-title")).to_contain_text("Reconciliation: ")
    header = page.locator("#report-table thead th")
    expect(header.nth(14)).to_have_text("Ledger consistent")
    expect(header.last).to_have_text("Last count agrees")
    rows = page.locator("#report-table tbody tr")
    expect(rows).to_have_count(1)
    # Lot, Drug, Expiry, Location, Opening, Received, Administered, Wasted, Transferred,
    # Destroyed, Lost, Adjustments, Closing, On hand, Ledger consistent, Last count mg,
    # Last counted, Last count agrees.
    counted_at = timezone.localtime(Discrepancy.objects.get().line.count.counted_at, ZONE)
    expect(rows.first.locator("td")).to_have_text(
        [
            LOT,
            product.name,
            f"{expires_on:%Y-%m-%d}",
            CART,
            "0.000",
            "1000.000",
            "-56.000",
            "-4.000",
            "0.000",
            "0.000",
            "-10.000",
            "0.000",
            "930.000",
            "930.000",
            "yes",
            "930.000",
            f"{counted_at:%Y-%m-%d %H:%M}",
            "yes",
        ]
    )

    infusion.refresh_from_db()
    assert (infusion.status, infusion.administered_mg) == (InfusionStatus.ENDED, Decimal("56.0"))
    drawn = LedgerEntry.objects.filter(infusion=infusion).order_by("id")
    assert [
        (e.kind, e.quantity_mg, e.actor, e.witness, e.patient, e.location, e.lot.lot_number)
        for e in drawn
    ] == [
        (EntryKind.ADMINISTRATION, Decimal("-56"), nurse, None, infusion.patient, cart, LOT),
        (EntryKind.WASTE, Decimal("-4"), nurse, physician, infusion.patient, cart, LOT),
    ]
    assert drawn.get(kind=EntryKind.WASTE).method == WASTE_METHOD
    discrepancy.refresh_from_db()
    assert (discrepancy.status, discrepancy.difference_mg, discrepancy.resolved_by) == (
        DiscrepancyStatus.RESOLVED,
        Decimal("-10"),
        compliance,
    )
    assert discrepancy.resolution == RESOLUTION
    assert (discrepancy.resolved_as, discrepancy.resolving_entry) == ("theft_loss", loss_entry)
    assert (loss_entry.quantity_mg, loss_entry.location) == (Decimal("-10"), cart)
    assert loss_entry.discovered_at == discrepancy.line.count.counted_at
    assert Balance.objects.get(lot__lot_number=LOT, location=cart).quantity_mg == Decimal("930")


def _running_infusion(site: Site, *, nurse: User, physician: User) -> Infusion:
    """Session 1 of a ready 70 kg patient's KARE course, charted and started an hour ago
    with lot LOT-B7 (the lot compliance is about to receive)."""
    patient = ready_patient(
        patient=PatientFactory(site=site, first_name="Avery", last_name="Registerpatient"),
        physician=physician,
    )
    course = TreatmentCourseFactory(
        patient=patient,
        protocol_version=protocol_version("kare-2022"),
        supervising_physician=physician,
    )
    SignedPreparationFactory(course=course, physician=physician)
    infusion = infusion_services.infusion_schedule(
        actor=nurse,
        course=course,
        session_number=1,
        scheduled_at=timezone.now() - dt.timedelta(minutes=70),
        chair="Chair 1",
    )
    start = timezone.now() - dt.timedelta(minutes=60)
    Flow(infusion=infusion, nurse=nurse, physician=physician).ready(
        baseline_at=start - dt.timedelta(minutes=5)
    )
    infusion_services.infusion_start(actor=nurse, infusion=infusion, lot_number=LOT, at=start)
    infusion.refresh_from_db()
    return infusion


def _open_register(page: Page, site: Site) -> None:
    main_nav(page).get_by_role("link", name="Ketamine register").click()
    page.wait_for_url(f"/inventory/sites/{site.pk}/")


def _balance(page: Page, lot: str, location: str) -> Locator:
    return page.locator(f"#balances-table tr[data-lot='{lot}'][data-location='{location}']")

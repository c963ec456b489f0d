"""Register pages, driven the way the browser scenario does: receive, administer and waste,
count, resolve, reconcile. Plus site scoping and query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.inventory.models import (
    Balance,
    Count,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    EntryKind,
    LedgerEntry,
)
from tests.inventory.conftest import PASSWORD

WHEN = "2025-03-03T09:30"


def url(name, *args):
    from django.urls import reverse

    return reverse(f"inventory:{name}", args=args)


def local_now():
    return timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def scenario(boston, safe, cart, product):
    return {"site": boston, "safe": safe, "cart": cart, "product": product}


def test_full_scenario_through_the_pages(
    client_for, compliance, nurse, physician, infusion, scenario
):
    """Given an empty register, when compliance receives a lot, the nurse administers 40 mg from
    the infusion and wastes 460 mg with the physician witnessing, a count shows a vial short,
    and compliance records the loss and resolves it, then the reconciliation balances."""
    site, safe = scenario["site"], scenario["safe"]
    office = client_for(compliance)
    response = office.post(url("receive", site.pk), {
        "product": scenario["product"].pk, "lot_number": "KX-100", "expires_on": "2099-12-31",
        "location": safe.pk, "containers": "3", "supplier_name": "Example Pharma Supply (demo)",
        "supplier_address": "1 Example Way", "supplier_dea_number": "RX0000000",
        "invoice_number": "INV-100", "received_at": local_now(),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    receipt = LedgerEntry.objects.get(kind=EntryKind.RECEIPT)
    lot = receipt.lot

    ward = client_for(nurse)
    page = ward.get(url("administer", site.pk))
    assert page.status_code == 200
    assert f'value="{infusion.pk}"' in page.content.decode()
    response = ward.post(url("administer", site.pk), {
        "infusion": infusion.pk, "stock": f"{lot.pk}:{safe.pk}", "administered_mg": "40",
        "wasted_mg": "460", "waste_method": "Drug disposal container",
        "witness": physician.pk, "witness_password": PASSWORD, "occurred_at": local_now(),
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Balance.objects.get(lot=lot, location=safe).quantity_mg == Decimal("1000.000")

    response = ward.post(url("count", site.pk), {
        "kind": "shift", "timing": "", "counted_at": local_now(), "sealed_0": "1",
        "opened_0": "0", "second_counter": physician.pk, "second_counter_password": PASSWORD,
    })  # fmt: skip
    count = Count.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("count_print", site.pk, count.pk)
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.difference_mg == Decimal("-500.000")

    queue = office.get(url("discrepancies", site.pk))
    assert f'id="resolve-{discrepancy.pk}"' in queue.content.decode()
    today = timezone.localdate().isoformat()
    query = {"report": "reconciliation", "start": today, "end": today, "output": "html"}
    html = office.get(url("reports", site.pk), query).content.decode()
    assert "<td>NO</td>" in html  # the last count does not agree
    response = office.post(url("resolve", discrepancy.pk), {
        "resolved_as": "theft_loss", "entry": "",
        "resolution": "Vial broken during the shift; recorded as a loss.",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    discrepancy.refresh_from_db()
    loss = LedgerEntry.objects.get(kind=EntryKind.THEFT_LOSS)
    assert (discrepancy.status, discrepancy.resolving_entry) == (DiscrepancyStatus.RESOLVED, loss)
    assert loss.quantity_mg == Decimal("-500.000")
    shown = office.get(response["Location"], {"status": "resolved"}).content.decode()
    assert f"Loss recorded as entry {loss.pk}: notify the DEA by" in shown
    assert f"Theft or significant loss, recorded in the register</span> (entry {loss.pk})" in shown

    report = office.get(url("reports", site.pk), query)
    html = report.content.decode()
    assert report.status_code == 200
    assert "KX-100" in html
    assert "<td>yes</td>" in html
    assert "<td>NO</td>" not in html
    assert "a check of the register&#x27;s bookkeeping, not of the stock" in html
    assert Balance.objects.get(lot=lot, location=safe).quantity_mg == Decimal("500.000")


def test_resolve_page_lists_entries_and_refusal_keeps_values(
    client_for, compliance, nurse, physician, stocked_cart, cart, django_assert_max_num_queries
):
    """Given a count 20 mg over the register, when compliance opens the resolve page, then it
    lists the entries of that lot at that location up to the count and says there is no
    recount; when it posts 'theft or loss', then 422 with the reason, the text kept, nothing
    written."""
    from ketaclinic.inventory import services

    services.count_record(
        actor=nurse, site=cart.site, kind=CountKind.SHIFT, timing="",
        second=services.SecondCounter(physician, PASSWORD),
        lines=[services.CountLineIn(stocked_cart.pk, cart.pk, 2, Decimal(20))],
        counted_at=timezone.now(),
    )  # fmt: skip
    discrepancy = Discrepancy.objects.get()
    office = client_for(compliance)
    with django_assert_max_num_queries(25):
        page = office.get(url("resolve", discrepancy.pk))
    html = page.content.decode()
    transfer_in = LedgerEntry.objects.get(kind=EntryKind.TRANSFER_IN)
    assert f"<td>{transfer_in.pk}</td>" in html
    assert html.count("<tr><td>") == 1
    assert "No recount yet." in html
    entries = LedgerEntry.objects.count()
    response = office.post(url("resolve", discrepancy.pk), {
        "resolved_as": "theft_loss", "resolution": "Looked everywhere", "entry": "",
    })  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert "nothing was lost" in html
    assert "Looked everywhere</textarea>" in html
    assert LedgerEntry.objects.count() == entries
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.OPEN


def test_discrepancy_queue_has_bounded_queries(
    client_for, compliance, nurse, physician, stocked_cart, cart, django_assert_max_num_queries
):
    from ketaclinic.inventory import services

    """Given three short counts, two resolved as losses, then the queue of all three is
    shown in a bounded number of queries."""
    for opened in ("490", "480", "470"):
        services.count_record(
            actor=nurse, site=cart.site, kind=CountKind.SHIFT, timing="",
            second=services.SecondCounter(physician, PASSWORD),
            lines=[services.CountLineIn(stocked_cart.pk, cart.pk, 1, Decimal(opened))],
            counted_at=timezone.now(),
        )  # fmt: skip
    for discrepancy in Discrepancy.objects.order_by("id")[:2]:
        services.discrepancy_resolve(
            actor=compliance, discrepancy_id=discrepancy.pk, resolved_as="theft_loss",
            resolution="Spilled", entry_id=None,
        )  # fmt: skip
    office = client_for(compliance)
    office.get(url("discrepancies", cart.site.pk))
    with django_assert_max_num_queries(15):
        response = office.get(url("discrepancies", cart.site.pk), {"status": ""})
    assert response.content.decode().count('<tr id="discrepancy-') == 3


def test_wrong_witness_password_keeps_values_and_writes_nothing(
    client_for, nurse, physician, infusion, stocked_cart, cart
):
    response = client_for(nurse).post(url("administer", cart.site.pk), {
        "infusion": infusion.pk, "stock": f"{stocked_cart.pk}:{cart.pk}",
        "administered_mg": "40", "wasted_mg": "460", "waste_method": "Disposal",
        "witness": physician.pk, "witness_password": "wrong", "occurred_at": local_now(),
    })  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert "password is not correct" in html
    assert 'value="Disposal"' in html
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).exists()
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == 1


@pytest.mark.parametrize(
    "name", ["register", "administer", "waste", "count", "entries", "discrepancies"]
)
def test_other_site_gets_404_and_is_audited(client_for, wh_nurse, boston, safe, name):
    response = client_for(wh_nurse).get(url(name, boston.pk))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        actor=wh_nurse, action=Action.ACCESS_DENIED, target_id=str(boston.pk)
    ).exists()


@pytest.mark.parametrize("name", ["receive", "transfer", "destroy", "loss", "reports"])
def test_nurse_cannot_open_compliance_pages(client_for, nurse, boston, safe, name):
    assert client_for(nurse).get(url(name, boston.pk)).status_code == 403


def test_register_page_shows_balances_with_bounded_queries(
    client_for, nurse, stocked_cart, cart, django_assert_max_num_queries
):
    client = client_for(nurse)
    with django_assert_max_num_queries(20):
        response = client.get(url("register", cart.site.pk))
    html = response.content.decode()
    assert 'id="balances-table"' in html
    assert "1000.000" in html


def test_entries_page_is_paged_with_bounded_queries(
    client_for, compliance, stocked_cart, cart, django_assert_max_num_queries
):
    client = client_for(compliance)
    with django_assert_max_num_queries(20):
        response = client.get(url("entries", cart.site.pk))
    assert response.content.decode().count('<tr id="entry-') == 3
    htmx = client.get(url("entries", cart.site.pk), {"kind": "receipt"}, HTTP_HX_REQUEST="true")
    assert htmx.content.decode().count('<tr id="entry-') == 1
    assert "<html" not in htmx.content.decode()


@pytest.mark.parametrize(
    ("output", "content_type"), [("csv", "text/csv"), ("pdf", "application/pdf")]
)
def test_reports_download_and_are_audited(
    client_for, compliance, stocked_cart, cart, output, content_type
):
    today = timezone.localdate().isoformat()
    response = client_for(compliance).get(url("reports", cart.site.pk), {
        "report": "dispensing", "start": today, "end": today, "output": output,
    })  # fmt: skip
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert AuditEvent.objects.filter(action=Action.EXPORT, target_type="inventory_report").exists()


def test_count_printout_is_the_inventory_record(client_for, compliance, nurse, stocked_cart, cart):
    from ketaclinic.inventory import services
    from ketaclinic.inventory.models import CountKind

    count = services.count_record(
        actor=compliance, site=cart.site, kind=CountKind.BIENNIAL, timing="close",
        second=services.SecondCounter(nurse, PASSWORD),
        lines=[services.CountLineIn(stocked_cart.pk, cart.pk, 2, Decimal(0))],
        counted_at=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip
    html = client_for(compliance).get(url("count_print", cart.site.pk, count.pk)).content.decode()
    assert "Biennial inventory" in html
    assert "close of business" in html

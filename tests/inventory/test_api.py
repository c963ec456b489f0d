"""The register API: site-scoped, audited, strict."""

from __future__ import annotations

import json

from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.inventory.models import Discrepancy, EntryKind, LedgerEntry
from tests.inventory.conftest import PASSWORD


def test_balances_and_entries(
    api_client_for, nurse, stocked_cart, cart, django_assert_max_num_queries
):
    client = api_client_for(nurse)
    site_id = cart.site.pk
    balances = client.get(f"/api/v1/inventory/sites/{site_id}/balances").json()
    assert {(b["location"], b["quantity_mg"]) for b in balances} == {
        ("Main safe", "0.000"),
        ("Infusion cart 1", "1000.000"),
    }
    with django_assert_max_num_queries(12):
        page = client.get(f"/api/v1/inventory/sites/{site_id}/entries?kind=transfer_in").json()
    assert page["count"] == 1
    assert page["items"][0]["quantity_mg"] == "1000.000"


def test_other_site_is_404_and_audited(api_client_for, wh_nurse, boston, safe):
    response = api_client_for(wh_nurse).get(f"/api/v1/inventory/sites/{boston.pk}/balances")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert AuditEvent.objects.filter(actor=wh_nurse, action=Action.ACCESS_DENIED).exists()


def test_unknown_query_parameter_is_refused(api_client_for, nurse, safe):
    response = api_client_for(nurse).get(f"/api/v1/inventory/sites/{safe.site.pk}/entries?x=1")
    assert response.status_code == 400


def test_post_receipt_and_refusal(api_client_for, compliance, safe, product):
    client = api_client_for(compliance)
    body = {
        "product_id": product.pk, "lot_number": "API-1", "expires_on": "2099-01-01",
        "location_id": safe.pk, "containers": 1, "supplier_name": "Example Pharma (demo)",
        "supplier_address": "1 Way", "supplier_dea_number": "RX0000000", "invoice_number": "I-1",
        "received_at": timezone.now().isoformat(),
    }  # fmt: skip
    path = f"/api/v1/inventory/sites/{safe.site.pk}/receipts"
    created = client.post(path, json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["quantity_mg"] == "500.000"
    refused = client.post(
        path, json.dumps({**body, "invoice_number": ""}), content_type="application/json"
    )
    assert refused.status_code == 400
    assert LedgerEntry.objects.filter(kind=EntryKind.RECEIPT).count() == 1
    unknown = client.post(path, json.dumps({**body, "x": 1}), content_type="application/json")
    assert unknown.status_code == 422


def test_post_count_opens_discrepancy(api_client_for, nurse, physician, stocked_cart, cart):
    body = {
        "kind": "daily", "second_counter_id": physician.pk, "second_counter_password": PASSWORD,
        "counted_at": timezone.now().isoformat(),
        "lines": [{"lot_id": stocked_cart.pk, "location_id": cart.pk, "sealed_containers": 1}],
    }  # fmt: skip
    response = api_client_for(nurse).post(
        f"/api/v1/inventory/sites/{cart.site.pk}/counts",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["discrepancies"] == 1
    assert Discrepancy.objects.count() == 1


def test_reports_json_and_csv(api_client_for, compliance, stocked_cart, cart):
    today = timezone.localdate().isoformat()
    path = (
        f"/api/v1/inventory/sites/{cart.site.pk}/reports"
        f"?report=reconciliation&start={today}&end={today}"
    )
    client = api_client_for(compliance)
    report = client.get(path).json()
    assert report["header"][3:4] + report["header"][-4:] == [
        "Location", "Ledger consistent", "Last count mg", "Last counted", "Last count agrees",
    ]  # fmt: skip
    assert [row[3:4] + row[-6:] for row in report["rows"]] == [
        ["Infusion cart 1", "1000.000", "1000.000", "yes", "", "", "not counted"],
        ["Main safe", "0.000", "0.000", "yes", "", "", "not counted"],
    ]
    csv = client.get(path + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[1].endswith("Ledger consistent,Last count mg,Last counted,Last count agrees")
    assert lines[2].startswith("LOT-A1,")
    assert lines[2].endswith(",1000.000,1000.000,yes,,,not counted")
    assert AuditEvent.objects.filter(action=Action.EXPORT).count() == 2

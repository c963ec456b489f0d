"""Setup pages of the compliance officer: DEA registrations, products, storage locations and
the waste-witness setting. Compliance can; a nurse gets 403 and another site 404 (both
audited); a refusal writes nothing and keeps what was typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.inventory.models import (
    InventorySettings,
    LocationKind,
    Product,
    Registrant,
    StorageLocation,
)
from ketaclinic.inventory.pages import REGISTRATION_WARNING_DAYS
from tests.inventory import factories

PAGES = ["registrations", "products", "locations", "settings"]
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, site):
    return reverse(f"inventory:{name}", args=[site.pk])


def today():
    return timezone.localdate()


def setup_rows():
    return (
        Registrant.objects.count(),
        Product.objects.count(),
        StorageLocation.objects.count(),
        list(InventorySettings.objects.values_list("waste_witness_required", flat=True)),
    )


VALID = {
    "registrations": {
        "name": "Boston clinic (synthetic)",
        "dea_number": "fx1234563",
        "expires_on": "2099-06-30",
    },
    "products": {
        "name": "Ketamine HCl 100 mg/mL, 5 mL vial (demo)",
        "ndc": "00000-0000-99",
        "concentration_mg_per_ml": "100",
        "container_volume_ml": "5",
        "dosage_form": "injectable solution",
    },
    "locations": {"name": "Infusion cart 2", "kind": "cart"},
    "settings": {},  # the box unticked: witness optional
}


def test_register_overview_links_to_setup_for_compliance_only(client_for, compliance, nurse, safe):
    site = safe.site
    html = client_for(compliance).get(reverse("inventory:register", args=[site.pk])).content
    for name in PAGES:
        assert f'href="{url(name, site)}"'.encode() in html
    nurse_html = client_for(nurse).get(reverse("inventory:register", args=[site.pk])).content
    assert b'id="setup-actions"' not in nurse_html


def test_compliance_records_a_registration_and_renewal_keeps_the_number(
    client_for, compliance, boston
):
    """Given no registration, when compliance records one and later its renewal with the same
    DEA number, then the renewal is active and the first is kept, shown as replaced."""
    client = client_for(compliance)
    response = client.post(url("registrations", boston), VALID["registrations"])
    assert response.status_code == 302
    assert response["Location"] == url("registrations", boston)
    first = Registrant.objects.get()
    assert (first.dea_number, first.expires_on) == ("FX1234563", dt.date(2099, 6, 30))

    renewal = {**VALID["registrations"], "expires_on": "2102-06-30"}
    response = client.post(url("registrations", boston), renewal, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "DEA registration recorded." in html
    assert 'value="FX' not in html  # a fresh form after an htmx save
    first.refresh_from_db()
    current = Registrant.objects.get(is_active=True)
    assert (first.is_active, current.expires_on) == (False, dt.date(2102, 6, 30))
    assert f'id="registrant-{first.pk}" data-status="replaced"' in html
    assert f'id="registrant-{current.pk}" data-status="current"' in html
    assert (
        AuditEvent.objects.filter(
            actor=compliance, action=Action.CREATE, target_type="registrant"
        ).count()
        == 2
    )


def test_registrations_show_expired_and_expiring_soon(client_for, compliance, boston):
    soon = Registrant.objects.create(
        site=boston, name="Soon", dea_number="FS0000001", is_active=True,
        expires_on=today() + dt.timedelta(days=REGISTRATION_WARNING_DAYS - 1),
    )  # fmt: skip
    html = client_for(compliance).get(url("registrations", boston)).content.decode()
    assert f'id="registrant-{soon.pk}" data-status="expiring"' in html
    assert f"Expires in {REGISTRATION_WARNING_DAYS - 1} day(s): renew it" in html
    soon.is_active = False
    soon.save()
    gone = Registrant.objects.create(
        site=boston, name="Gone", dea_number="FG0000001", expires_on=today() - dt.timedelta(days=3)
    )
    html = client_for(compliance).get(url("registrations", boston)).content.decode()
    assert f'id="registrant-{gone.pk}" data-status="expired"' in html
    assert "Expired 3 day(s) ago" in html
    register = client_for(compliance).get(reverse("inventory:register", args=[boston.pk]))
    assert 'id="registration-status">Expired 3 day(s) ago' in register.content.decode()


def test_a_dea_number_active_at_another_site_is_refused_keeping_values(
    client_for, compliance, boston, west_hartford
):
    factories.registrant_create(west_hartford, dea_number="FX1234563")
    before = setup_rows()
    response = client_for(compliance).post(
        url("registrations", boston), VALID["registrations"], **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Another site&#x27;s active registration has this DEA number" in html
    assert 'value="Boston clinic (synthetic)"' in html
    assert setup_rows() == before


def test_compliance_adds_a_product_and_duplicate_ndc_is_refused(client_for, compliance, boston):
    client = client_for(compliance)
    response = client.post(url("products", boston), VALID["products"])
    assert response.status_code == 302
    product = Product.objects.get()
    assert product.container_mg == Decimal("500.0000")
    assert product.concentration_mg_per_ml == Decimal("100")

    before = setup_rows()
    duplicate = {**VALID["products"], "name": "Another name"}
    response = client.post(url("products", boston), duplicate, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "NDC already exists" in html
    assert 'value="Another name"' in html
    assert setup_rows() == before


def test_product_form_rejects_a_zero_concentration_writing_nothing(client_for, compliance, boston):
    response = client_for(compliance).post(
        url("products", boston), {**VALID["products"], "concentration_mg_per_ml": "0"}
    )
    assert response.status_code == 422
    assert 'value="00000-0000-99"' in response.content.decode()
    assert not Product.objects.exists()


def test_compliance_adds_locations_and_a_duplicate_name_is_refused(client_for, compliance, safe):
    site = safe.site
    client = client_for(compliance)
    response = client.post(url("locations", site), VALID["locations"], **HTMX)
    assert response.status_code == 200
    cart = StorageLocation.objects.get(name="Infusion cart 2")
    assert (cart.site, cart.kind) == (site, LocationKind.CART)
    assert f'id="location-{cart.pk}"' in response.content.decode()

    before = setup_rows()
    response = client.post(url("locations", site), {"name": "main safe", "kind": "safe"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "already has a location named main safe: pick another name" in html
    assert 'value="main safe"' in html
    assert setup_rows() == before


def test_compliance_turns_the_waste_witness_off_and_on(client_for, compliance, boston):
    client = client_for(compliance)
    page = client.get(url("settings", boston)).content.decode()
    assert "<strong>required</strong>" in page
    assert "checked" in page
    response = client.post(url("settings", boston), {}, **HTMX)
    assert response.status_code == 200
    assert "<strong>optional</strong>" in response.content.decode()
    assert InventorySettings.objects.get(site=boston).waste_witness_required is False
    client.post(url("settings", boston), {"waste_witness_required": "on"})
    assert InventorySettings.objects.get(site=boston).waste_witness_required is True
    assert AuditEvent.objects.filter(target_type="inventory_settings").count() == 2


@pytest.mark.parametrize("name", PAGES)
def test_nurse_gets_403_audited_and_writes_nothing(client_for, nurse, boston, name):
    client = client_for(nurse)
    assert client.get(url(name, boston)).status_code == 403
    before = setup_rows()
    assert client.post(url(name, boston), VALID[name]).status_code == 403
    assert setup_rows() == before
    assert (
        AuditEvent.objects.filter(
            actor=nurse, action=Action.ACCESS_DENIED, detail="missing permission inventory.manage"
        ).count()
        == 2
    )


@pytest.mark.parametrize("name", PAGES)
def test_compliance_of_another_site_gets_404_audited_and_writes_nothing(
    client_for, make_user, boston, west_hartford, name
):
    wh_compliance = make_user(Role.COMPLIANCE, west_hartford, username="wh-compliance")
    client = client_for(wh_compliance)
    assert client.get(url(name, boston)).status_code == 404
    before = setup_rows()
    assert client.post(url(name, boston), VALID[name]).status_code == 404
    assert setup_rows() == before
    assert (
        AuditEvent.objects.filter(
            actor=wh_compliance, action=Action.ACCESS_DENIED, target_id=str(boston.pk)
        ).count()
        == 2
    )


@pytest.mark.parametrize("name", PAGES)
def test_setup_pages_use_bounded_queries(
    client_for, compliance, boston, west_hartford, django_assert_max_num_queries, name
):
    """Given 20 rows of each kind, then each page (full and htmx partial) stays under 15
    queries: no query per row."""
    for n in range(20):
        factories.product_create(ndc=f"00000-0001-{n:02d}")
        factories.location_create(boston, f"Cart {n}", LocationKind.CART)
        Registrant.objects.create(
            site=boston, name=f"Old {n}", dea_number=f"FO{n:07d}", is_active=False,
            expires_on=dt.date(2020, 1, 1),
        )  # fmt: skip
    factories.registrant_create(boston)
    client = client_for(compliance)
    with django_assert_max_num_queries(15):
        page = client.get(url(name, boston))
    with django_assert_max_num_queries(15):
        partial = client.get(url(name, boston), **HTMX)
    assert page.status_code == partial.status_code == 200
    assert 'id="setup-section"' in partial.content.decode()
    assert "<html" not in partial.content.decode()

"""Fixtures for the register tests: a stocked Boston register and its people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.infusions.models import Infusion
from ketaclinic.inventory import services
from ketaclinic.inventory.models import LedgerEntry, LocationKind, Lot, Product, StorageLocation
from ketaclinic.patients.models import Patient
from tests.factories import TEST_PASSWORD
from tests.inventory import factories

PASSWORD = TEST_PASSWORD


@pytest.fixture
def nurse(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.NURSE, boston, username="nurse")


@pytest.fixture
def wh_nurse(make_user: Callable[..., User], west_hartford: Site) -> User:
    return make_user(Role.NURSE, west_hartford, username="wh-nurse")


@pytest.fixture
def product(db: None) -> Product:
    return factories.product_create()


@pytest.fixture
def safe(boston: Site) -> StorageLocation:
    factories.registrant_create(boston)
    return factories.location_create(boston, "Main safe", LocationKind.SAFE)


@pytest.fixture
def cart(boston: Site) -> StorageLocation:
    return factories.location_create(boston, "Infusion cart 1", LocationKind.CART)


@pytest.fixture
def lot(product: Product) -> Lot:
    return factories.lot_create(product)


def receive(
    actor: User,
    location: StorageLocation,
    lot: Lot,
    *,
    containers: int = 2,
    received_at: dt.datetime | None = None,
) -> LedgerEntry:
    return services.receipt_record(
        actor=actor,
        site=location.site,
        lot_in=services.LotIn(lot.product_id, lot.lot_number, lot.expires_on),
        location_id=location.pk,
        containers=containers,
        supplier=services.Supplier(
            "Example Pharma Supply (demo)", "1 Example Way, Nowhere", "RX0000000", "INV-1"
        ),
        received_at=received_at or timezone.now() - dt.timedelta(hours=2),
    )


@pytest.fixture
def stocked_cart(compliance: User, safe: StorageLocation, cart: StorageLocation, lot: Lot) -> Lot:
    """1000 mg (2 vials of 500 mg) of `lot` in the cart, received into the safe and moved."""
    receive(compliance, safe, lot)
    services.transfer_record(
        actor=compliance,
        lot_id=lot.pk,
        from_location_id=safe.pk,
        to_location_id=cart.pk,
        quantity_mg=Decimal("1000"),
        occurred_at=timezone.now() - dt.timedelta(hours=1),
    )
    return lot


@pytest.fixture
def patient(boston: Site, patient_factory: Any) -> Patient:
    created: Patient = patient_factory(
        site=boston, first_name="Avery", last_name="Testpatient", address="9 Sample Road"
    )
    return created


@pytest.fixture
def infusion(patient: Patient, physician: User) -> Infusion:
    return factories.infusion_create(patient=patient, physician=physician)

"""The infusion's end writes the ketamine register in the same transaction (issue 6, item 4).

Where the site keeps its register here, ending the infusion needs the lot; the
administration and the witnessed waste are written with the infusion's dose record, or
nothing is written at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions import services
from ketaclinic.infusions.models import Infusion, InfusionEvent, InfusionStatus
from ketaclinic.inventory import services as register
from ketaclinic.inventory.models import Balance, LedgerEntry, LocationKind, Lot, StorageLocation
from tests.factories import TEST_PASSWORD
from tests.infusions.flow import PLANNED_KARE_70KG, Flow
from tests.inventory import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(boston: Site, compliance: User) -> StorageLocation:
    """Boston keeps its register here: 1000 mg of lot LOT-A1 received into the cart."""
    factories.registrant_create(boston)
    return factories.location_create(boston, "Infusion cart 1", LocationKind.CART)


@pytest.fixture
def lot(cart: StorageLocation, compliance: User) -> Lot:
    lot = factories.lot_create(factories.product_create())
    register.receipt_record(
        actor=compliance,
        site=cart.site,
        lot_in=register.LotIn(lot.product_id, lot.lot_number, lot.expires_on),
        location_id=cart.pk,
        containers=2,
        supplier=register.Supplier(
            "Example Pharma Supply (demo)", "1 Example Way, Nowhere", "RX0000000", "INV-1"
        ),
        received_at=timezone.now() - dt.timedelta(days=1),
    )
    return lot


def _running(flow: Flow, lot_number: str = "LOT-A1") -> Infusion:
    start = timezone.now() - dt.timedelta(minutes=60)
    flow.ready(baseline_at=start - dt.timedelta(minutes=5))
    services.infusion_start(
        actor=flow.nurse, infusion=flow.infusion, lot_number=lot_number, at=start
    )
    return flow.refresh()


def _draw(lot: Lot, cart: StorageLocation, witness: User, password: str) -> services.RegisterDraw:
    return services.RegisterDraw(
        lot_id=lot.pk,
        location_id=cart.pk,
        wasted_mg=Decimal("4.0"),
        waste_method="Drug-disposal container",
        witness=witness,
        witness_password=password,
    )


def _balance(lot: Lot, cart: StorageLocation) -> Decimal:
    return Balance.objects.get(lot=lot, location=cart).quantity_mg


def _stop(flow: Flow, draw: services.RegisterDraw | None) -> InfusionEvent:
    return services.infusion_stop(
        actor=flow.nurse,
        infusion=flow.infusion,
        reason="Completed as planned",
        administered_mg=PLANNED_KARE_70KG,
        draw=draw,
    )


def test_ending_writes_the_administration_and_the_witnessed_waste_with_the_dose(
    flow: Flow, lot: Lot, cart: StorageLocation, physician: User
) -> None:
    """Given a running infusion at a site keeping its register, when the nurse ends it with
    the lot and 4.0 mg wasted before the physician, then the infusion has ended with 56.0 mg
    and the register holds the administration (-56.0 mg, linked to the infusion and patient)
    and the witnessed waste (-4.0 mg): 1000 - 60 = 940 mg left."""
    infusion = _running(flow)

    _stop(flow, _draw(lot, cart, physician, TEST_PASSWORD))

    infusion.refresh_from_db()
    assert (infusion.status, infusion.administered_mg) == (InfusionStatus.ENDED, Decimal("56.0"))
    entries = LedgerEntry.objects.filter(infusion=infusion).order_by("kind")
    assert [(e.kind, e.quantity_mg, e.patient_id, e.witness_id) for e in entries] == [
        ("administration", Decimal("-56.000"), infusion.patient_id, None),
        ("waste", Decimal("-4.000"), infusion.patient_id, physician.pk),
    ]
    assert _balance(lot, cart) == Decimal("940.000")


def test_ending_without_the_lot_is_refused_where_the_site_keeps_its_register(
    flow: Flow, lot: Lot, cart: StorageLocation
) -> None:
    """Given the site keeps its register here, when the nurse ends the infusion without
    choosing the lot, then it is refused naming the lot, and nothing is written: the
    infusion still runs, no stop event, no register entry, the balance unchanged."""
    infusion = _running(flow)

    with pytest.raises(ApplicationError) as refused:
        _stop(flow, None)

    assert list(refused.value.field_errors) == ["lot"]
    assert "Choose the lot and location" in refused.value.message
    infusion.refresh_from_db()
    assert (infusion.status, infusion.administered_mg, infusion.ended_at) == (
        InfusionStatus.RUNNING,
        None,
        None,
    )
    assert not InfusionEvent.objects.filter(infusion=infusion, kind="stop").exists()
    assert not LedgerEntry.objects.filter(infusion=infusion).exists()
    assert _balance(lot, cart) == Decimal("1000.000")


def test_a_wrong_witness_password_writes_neither_the_end_nor_the_register(
    flow: Flow, lot: Lot, cart: StorageLocation, physician: User
) -> None:
    """Given the waste witness types a wrong password, when the nurse ends the infusion,
    then it is refused on the password and the infusion, the register and the balance are
    exactly as before."""
    infusion = _running(flow)

    with pytest.raises(ApplicationError) as refused:
        _stop(flow, _draw(lot, cart, physician, "not-the-password"))

    assert "witness_password" in refused.value.field_errors
    infusion.refresh_from_db()
    assert (infusion.status, infusion.administered_mg) == (InfusionStatus.RUNNING, None)
    assert not InfusionEvent.objects.filter(infusion=infusion, kind="stop").exists()
    assert not LedgerEntry.objects.filter(infusion=infusion).exists()
    assert _balance(lot, cart) == Decimal("1000.000")


def test_the_performer_cannot_witness_their_own_waste(
    flow: Flow, lot: Lot, cart: StorageLocation, nurse: User
) -> None:
    """Given the nurse names herself as the waste witness, then the end is refused on the
    witness and nothing is written."""
    infusion = _running(flow)

    with pytest.raises(ApplicationError) as refused:
        _stop(flow, _draw(lot, cart, nurse, TEST_PASSWORD))

    assert "witness" in refused.value.field_errors
    infusion.refresh_from_db()
    assert infusion.status == InfusionStatus.RUNNING
    assert not LedgerEntry.objects.filter(infusion=infusion).exists()


def test_the_lot_drawn_from_must_be_the_lot_the_infusion_started_with(
    flow: Flow, lot: Lot, cart: StorageLocation, physician: User
) -> None:
    """Given the infusion started with lot LOT-OTHER, when the nurse ends it drawing from
    LOT-A1, then it is refused naming both lots and nothing is written."""
    infusion = _running(flow, lot_number="LOT-OTHER")

    with pytest.raises(ApplicationError) as refused:
        _stop(flow, _draw(lot, cart, physician, TEST_PASSWORD))

    assert refused.value.message == (
        "The infusion started with lot LOT-OTHER, not LOT-A1: choose the lot the dose was "
        "drawn from."
    )
    infusion.refresh_from_db()
    assert infusion.status == InfusionStatus.RUNNING
    assert _balance(lot, cart) == Decimal("1000.000")


def test_a_site_without_a_register_ends_without_a_lot(flow: Flow) -> None:
    """Given a site that keeps no register here, when the nurse ends the infusion without a
    lot, then it ends with the dose and no register entry."""
    infusion = _running(flow, lot_number="LOT-PAPER-9")

    _stop(flow, None)

    infusion.refresh_from_db()
    assert (infusion.status, infusion.administered_mg) == (InfusionStatus.ENDED, Decimal("56.0"))
    assert not LedgerEntry.objects.exists()


def test_the_end_form_offers_the_lots_and_witnesses_and_ends_through_the_page(
    flow: Flow,
    lot: Lot,
    cart: StorageLocation,
    physician: User,
    nurse: User,
    client_for: Callable[[User], Client],
) -> None:
    """Given a running infusion at a register site, when the nurse opens the flowsheet, then
    the end form offers lot LOT-A1 in the cart and the physician as witness (not herself);
    when she posts the end with the lot and the physician's password, then the register
    holds the administration and the waste."""
    infusion = _running(flow)
    client = client_for(nurse)

    page = client.get(f"/infusions/{infusion.pk}/").content.decode()

    assert f'value="{lot.pk}:{cart.pk}"' in page
    assert 'value="physician"' in page
    assert 'value="nurse"' not in page
    response = client.post(
        f"/infusions/{infusion.pk}/stop/",
        {
            "administered_mg": "56.0",
            "reason": "Completed as planned",
            "lot": f"{lot.pk}:{cart.pk}",
            "wasted_mg": "4.0",
            "waste_method": "Drug-disposal container",
            "witness": "physician",
            "witness_password": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302
    kinds = LedgerEntry.objects.filter(infusion=infusion).values_list("kind", flat=True)
    assert sorted(kinds) == ["administration", "waste"]
    assert _balance(lot, cart) == Decimal("940.000")


def test_a_refused_end_keeps_the_typed_values_on_the_page(
    flow: Flow,
    lot: Lot,
    cart: StorageLocation,
    nurse: User,
    client_for: Callable[[User], Client],
) -> None:
    """Given the nurse posts the end with a wrong witness password, then the page answers
    422 with the message on the password, keeps the typed dose and reason, and the infusion
    still runs."""
    infusion = _running(flow)

    response = client_for(nurse).post(
        f"/infusions/{infusion.pk}/stop/",
        {
            "administered_mg": "56.0",
            "reason": "Completed as planned (typed)",
            "lot": f"{lot.pk}:{cart.pk}",
            "wasted_mg": "4.0",
            "waste_method": "Drug-disposal container",
            "witness": "physician",
            "witness_password": "wrong",
        },
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "Completed as planned (typed)" in page
    infusion.refresh_from_db()
    assert infusion.status == InfusionStatus.RUNNING
    assert not LedgerEntry.objects.filter(infusion=infusion).exists()

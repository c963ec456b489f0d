"""The infusion link: administration and witnessed waste, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.inventory import services
from ketaclinic.inventory.models import Balance, EntryKind, InventorySettings, LedgerEntry
from ketaclinic.inventory.selectors import balance_from_entries
from tests.inventory.conftest import PASSWORD
from tests.inventory.factories import lot_create


def draw(nurse, infusion, lot, cart, **overrides):
    arguments = {
        "actor": nurse,
        "infusion": infusion,
        "lot_id": lot.pk,
        "location_id": cart.pk,
        "administered_mg": Decimal("35.5"),
        "wasted_mg": Decimal("464.5"),
        "waste_method": "Expelled into drug disposal container",
        "witness": None,
        "witness_password": PASSWORD,
        "occurred_at": timezone.now() - dt.timedelta(minutes=5),
    }
    arguments.update(overrides)
    return services.infusion_dose_draw(**arguments)


def cart_balance(lot, cart):
    return Balance.objects.get(lot=lot, location=cart).quantity_mg


def test_draw_writes_administration_and_witnessed_waste(
    nurse, physician, infusion, stocked_cart, cart
):
    """Given 1000 mg in the cart, when the nurse draws 35.5 mg and wastes 464.5 mg with the
    physician witnessing, then both entries carry the infusion and patient and 500 mg remain."""
    result = draw(nurse, infusion, stocked_cart, cart, witness=physician)

    administration, waste = result.administration, result.waste
    assert administration.kind == EntryKind.ADMINISTRATION
    assert administration.quantity_mg == Decimal("-35.500")
    assert administration.quantity_ml == Decimal("-0.710")
    assert (administration.infusion, administration.patient) == (infusion, infusion.patient)
    assert waste is not None
    assert waste.quantity_mg == Decimal("-464.500")
    assert (waste.witness, waste.actor, waste.infusion) == (physician, nurse, infusion)
    assert cart_balance(stocked_cart, cart) == Decimal("500.000")
    assert balance_from_entries(lot=stocked_cart, location=cart) == Decimal("500.000")


def test_draw_without_waste_needs_no_witness(nurse, infusion, stocked_cart, cart):
    """Given nothing is wasted, when drawing, then no waste entry and no witness is needed."""
    result = draw(nurse, infusion, stocked_cart, cart, wasted_mg=Decimal("0"), witness_password="")

    assert result.waste is None
    assert cart_balance(stocked_cart, cart) == Decimal("964.500")


def _refused(call, field):
    entries, audits = (
        LedgerEntry.objects.count(),
        AuditEvent.objects.filter(action=Action.CREATE).count(),
    )
    with pytest.raises(ApplicationError) as caught:
        call()
    assert field in caught.value.field_errors
    assert LedgerEntry.objects.count() == entries
    assert AuditEvent.objects.filter(action=Action.CREATE).count() == audits
    return caught.value


def test_witness_cannot_be_the_performer(nurse, infusion, stocked_cart, cart):
    """Given the nurse names herself as witness, then refused and nothing written."""
    _refused(lambda: draw(nurse, infusion, stocked_cart, cart, witness=nurse), "witness")
    assert cart_balance(stocked_cart, cart) == Decimal("1000.000")


def test_wrong_witness_password_writes_nothing_but_is_audited(
    nurse, physician, infusion, stocked_cart, cart
):
    """Given the witness types a wrong password, then nothing is written to the register and
    the failed attempt is in the audit trail."""
    error = _refused(
        lambda: draw(
            nurse, infusion, stocked_cart, cart, witness=physician, witness_password="wrong"
        ),
        "witness_password",
    )
    error.record_refusal()
    assert cart_balance(stocked_cart, cart) == Decimal("1000.000")
    assert AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED, target_id=str(physician.pk)
    ).exists()


def test_missing_witness_is_refused_when_the_site_requires_one(nurse, infusion, stocked_cart, cart):
    """Given the default setting (witness required), when no witness is named, refused."""
    _refused(lambda: draw(nurse, infusion, stocked_cart, cart), "witness")


def test_witness_not_required_when_the_clinic_turns_it_off(nurse, infusion, stocked_cart, cart):
    """Given the site turned the witness off, when wasting without one, then it is recorded."""
    InventorySettings.objects.create(site=cart.site, waste_witness_required=False)
    result = draw(nurse, infusion, stocked_cart, cart, witness_password="")
    assert result.waste is not None
    assert result.waste.witness is None


def test_witness_without_the_permission_is_refused(nurse, compliance, infusion, stocked_cart, cart):
    """Given compliance (no witness permission) is named as witness, then refused."""
    _refused(lambda: draw(nurse, infusion, stocked_cart, cart, witness=compliance), "witness")


def test_expired_lot_cannot_be_administered(
    nurse, physician, compliance, infusion, product, safe, cart
):
    """Given a lot received before its expiry that has expired since, when drawing from it,
    then refused on 'lot'."""
    expired = lot_create(product, number="OLD-1", expires_on=dt.date(2020, 1, 31))
    from tests.inventory.conftest import receive

    receive(compliance, safe, expired, received_at=dt.datetime(2020, 1, 2, 15, tzinfo=dt.UTC))
    _refused(lambda: draw(nurse, infusion, expired, safe, witness=physician), "lot")


def test_insufficient_balance_is_refused(nurse, physician, infusion, stocked_cart, cart):
    """Given 1000 mg, when drawing 600 mg and wasting 500 mg, then refused, nothing written."""
    _refused(
        lambda: draw(
            nurse,
            infusion,
            stocked_cart,
            cart,
            administered_mg=Decimal("600"),
            wasted_mg=Decimal("500"),
            witness=physician,
        ),
        "administered_mg",
    )
    assert cart_balance(stocked_cart, cart) == Decimal("1000.000")


def test_lot_at_another_site_is_refused(nurse, physician, infusion, stocked_cart, west_hartford):
    """Given a location of another site, when drawing from it, then refused on 'lot'."""
    from ketaclinic.inventory.models import LocationKind
    from tests.inventory.factories import location_create

    elsewhere = location_create(west_hartford, "WH safe", LocationKind.SAFE)
    _refused(lambda: draw(nurse, infusion, stocked_cart, elsewhere, witness=physician), "lot")


@pytest.mark.parametrize(
    ("administered", "wasted", "field"),
    [(Decimal("0"), Decimal("0"), "administered_mg"), (Decimal("5"), Decimal("-1"), "wasted_mg")],
)
def test_bad_quantities_are_refused(
    nurse, physician, infusion, stocked_cart, cart, administered, wasted, field
):
    """Given a zero administration or a negative waste, then refused on that field."""
    _refused(
        lambda: draw(
            nurse,
            infusion,
            stocked_cart,
            cart,
            administered_mg=administered,
            wasted_mg=wasted,
            witness=physician,
        ),
        field,
    )


def test_second_draw_for_the_same_infusion_is_refused(
    nurse, physician, infusion, stocked_cart, cart
):
    """Given the infusion's draw is recorded, when recording it again, then refused."""
    draw(nurse, infusion, stocked_cart, cart, witness=physician)
    _refused(
        lambda: draw(nurse, infusion, stocked_cart, cart, witness=physician), "administered_mg"
    )


def test_draw_runs_in_the_callers_transaction(nurse, physician, infusion, stocked_cart, cart):
    """Given the flowsheet's transaction fails after the draw, then nothing of it remains."""
    before = LedgerEntry.objects.count()

    class FlowsheetFailed(Exception):
        pass

    def flowsheet():
        with transaction.atomic():
            draw(nurse, infusion, stocked_cart, cart, witness=physician)
            raise FlowsheetFailed

    with pytest.raises(FlowsheetFailed):
        flowsheet()

    assert LedgerEntry.objects.count() == before
    assert cart_balance(stocked_cart, cart) == Decimal("1000.000")


def test_nurse_of_another_site_gets_404(wh_nurse, physician, infusion, stocked_cart, cart):
    """Given a nurse of West Hartford, when drawing for a Boston infusion, then 404."""
    with pytest.raises(NotFoundError):
        draw(wh_nurse, infusion, stocked_cart, cart, witness=physician)
    assert LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).count() == 0


def test_standalone_waste_is_witnessed(nurse, physician, stocked_cart, cart):
    """Given an opened vial, when the nurse wastes 20 mg with a witness, then recorded."""
    entry = services.waste_record(
        actor=nurse,
        site=cart.site,
        lot_id=stocked_cart.pk,
        location_id=cart.pk,
        waste=services.Waste(Decimal("20"), "Drug disposal container", physician, PASSWORD),
        occurred_at=timezone.now(),
    )
    assert (entry.kind, entry.quantity_mg, entry.witness) == (
        EntryKind.WASTE,
        Decimal("-20.000"),
        physician,
    )
    assert cart_balance(stocked_cart, cart) == Decimal("980.000")

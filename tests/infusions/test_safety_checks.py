"""Safety checks found by the flowsheet QA pass (issue 5): the vial concentration, a dose given
that could not have run in the time, monitoring before discharge, sessions booked in order
and a plausible dissociation total. Every refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions import services
from ketaclinic.infusions.models import (
    DissociationRating,
    Infusion,
    InfusionDosePhase,
    InfusionStatus,
)
from ketaclinic.inventory import services as register
from ketaclinic.inventory.models import LocationKind, Lot, Product, StorageLocation
from ketaclinic.protocols.models import ProtocolVersion
from tests.infusions.flow import PLANNED_KARE_70KG, Flow, state, written
from tests.inventory import factories
from tests.treatment import InfusionFactory, protocol_version

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------
# Register stock (Boston keeps its ketamine register here)


@pytest.fixture
def cart(boston: Site) -> StorageLocation:
    factories.registrant_create(boston)
    return factories.location_create(boston, "Infusion cart 1", LocationKind.CART)


def _receive(lot: Lot, location: StorageLocation, actor: User) -> None:
    register.receipt_record(
        actor=actor,
        site=location.site,
        lot_in=register.LotIn(lot.product_id, lot.lot_number, lot.expires_on),
        location_id=location.pk,
        containers=2,
        supplier=register.Supplier(
            "Example Pharma Supply (demo)", "1 Example Way, Nowhere", "RX0000000", "INV-1"
        ),
        received_at=timezone.now() - dt.timedelta(days=1),
    )


@pytest.fixture
def lot_50(cart: StorageLocation, compliance: User) -> Lot:
    """Lot LOT-A1 of the 50 mg/mL product, 1000 mg in the cart."""
    lot = factories.lot_create(factories.product_create())
    _receive(lot, cart, compliance)
    return lot


def _product_10() -> Product:
    return Product.objects.create(
        name="Ketamine HCl 10 mg/mL, 20 mL vial (synthetic)",
        ndc="00000-0000-10",
        concentration_mg_per_ml=Decimal("10"),
        container_volume_ml=Decimal("20"),
    )


# ---------------------------------------------------------------------------------------
# 1. The vial concentration


def test_the_plan_uses_the_registers_stocked_concentration(
    flow: Flow, nurse: User, lot_50: Lot
) -> None:
    """Given the site's setting is 10 mg/mL but its register stocks only 50 mg/mL ketamine,
    when the nurse plans a 70 kg KARE dose without a concentration, then the plan is at
    50 mg/mL: 56.0 mg in 1.12 mL (not 5.60 mL, a five-fold overdose when drawn from the
    50 mg/mL vial), still 150.0 mL/h for the 100 mL bag."""
    infusion = services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)

    assert infusion.concentration_mg_per_ml == Decimal("50.00")
    assert infusion.planned_total_mg == Decimal("56.0")
    assert infusion.planned_total_ml == Decimal("1.12")
    phase = infusion.dose_phases.get()
    assert (phase.volume_ml, phase.rate_ml_per_h) == (Decimal("1.12"), Decimal("150.0"))


def test_mixed_stock_concentrations_fall_back_to_the_site_setting(
    flow: Flow, nurse: User, lot_50: Lot, cart: StorageLocation, compliance: User
) -> None:
    """Given the register stocks both 50 mg/mL and 10 mg/mL lots, when the nurse plans
    without a concentration, then the plan uses the site's setting, 10 mg/mL (5.60 mL)."""
    _receive(factories.lot_create(_product_10(), number="LOT-B1"), cart, compliance)

    infusion = services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)

    assert (infusion.concentration_mg_per_ml, infusion.planned_total_ml) == (
        Decimal("10.00"),
        Decimal("5.60"),
    )


def test_a_register_without_stock_falls_back_to_the_site_setting(
    flow: Flow, nurse: User, cart: StorageLocation
) -> None:
    """Given the site keeps a register but holds no stock, then the plan is at 10 mg/mL."""
    infusion = services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)

    assert infusion.concentration_mg_per_ml == Decimal("10.00")


def test_a_concentration_the_nurse_gives_wins_over_the_stock(
    flow: Flow, nurse: User, lot_50: Lot
) -> None:
    """Given 50 mg/mL stock, when the nurse plans at 10 mg/mL explicitly, then it is 10."""
    infusion = services.infusion_dose_plan(
        actor=nurse, infusion=flow.infusion, concentration_mg_per_ml=Decimal("10")
    )

    assert (infusion.concentration_mg_per_ml, infusion.planned_total_ml) == (
        Decimal("10.00"),
        Decimal("5.60"),
    )


def _ready_at_10(flow: Flow) -> Infusion:
    """Planned (explicitly) at 10 mg/mL and verified, baseline and checklist done."""
    services.infusion_dose_plan(
        actor=flow.nurse, infusion=flow.infusion, concentration_mg_per_ml=Decimal("10")
    )
    services.infusion_dose_verify(actor=flow.physician, infusion=flow.infusion)
    flow.baseline(measured_at=timezone.now() - dt.timedelta(minutes=5))
    flow.checklist()
    return flow.refresh()


def test_starting_with_a_lot_of_another_concentration_is_refused(
    flow: Flow, nurse: User, lot_50: Lot
) -> None:
    """Given the dose was planned and verified at 10 mg/mL, when the nurse starts with lot
    LOT-A1 (a 50 mg/mL product in the site's register), then the start is refused on the lot
    with the re-plan instruction, and nothing is written."""
    infusion = _ready_at_10(flow)
    before, row = written(), state(infusion)

    with pytest.raises(ApplicationError) as refused:
        services.infusion_start(actor=nurse, infusion=infusion, lot_number="LOT-A1")

    message = (
        "Lot LOT-A1 is 50 mg/mL but the dose was planned at 10 mg/mL: re-plan the dose at "
        "50 mg/mL (the volumes change) and have it verified again before starting."
    )
    assert refused.value.field_errors == {"lot_number": [message]}
    assert refused.value.message == "The infusion cannot start. " + message
    assert (written(), state(infusion)) == (before, row)


def test_the_lot_is_matched_whatever_its_case_and_spaces(
    flow: Flow, nurse: User, lot_50: Lot
) -> None:
    """Given the nurse types ' lot-a1 ', then it is still recognised as the 50 mg/mL lot."""
    infusion = _ready_at_10(flow)

    with pytest.raises(ApplicationError) as refused:
        services.infusion_start(actor=nurse, infusion=infusion, lot_number=" lot-a1 ")

    assert refused.value.field_errors["lot_number"][0].startswith("Lot lot-a1 is 50 mg/mL")


def test_after_replanning_at_the_lots_concentration_and_verifying_again_it_starts(
    flow: Flow, nurse: User, physician: User, lot_50: Lot
) -> None:
    """Given the refused start above, when the nurse re-plans at 50 mg/mL, then the earlier
    verification is cleared (the start is refused until the physician verifies again); once
    verified, the infusion starts with lot LOT-A1."""
    infusion = _ready_at_10(flow)
    services.infusion_dose_plan(actor=nurse, infusion=infusion)
    infusion.refresh_from_db()
    assert (infusion.concentration_mg_per_ml, infusion.dose_verified_at) == (
        Decimal("50.00"),
        None,
    )
    with pytest.raises(ApplicationError) as refused:
        services.infusion_start(actor=nurse, infusion=infusion, lot_number="LOT-A1")
    assert list(refused.value.field_errors) == ["dose"]

    services.infusion_dose_verify(actor=physician, infusion=infusion)
    services.infusion_start(actor=nurse, infusion=infusion, lot_number="LOT-A1")

    infusion.refresh_from_db()
    assert (infusion.status, infusion.lot_number) == (InfusionStatus.RUNNING, "LOT-A1")


def test_a_lot_number_of_another_sites_register_is_not_checked(
    flow: Flow, nurse: User, west_hartford: Site, compliance: User
) -> None:
    """Given lot LOT-A1 (50 mg/mL) is stocked only at West Hartford, when a Boston infusion
    planned at 10 mg/mL starts with a typed lot LOT-A1, then it starts: it is not a Boston
    register lot."""
    factories.registrant_create(west_hartford)
    elsewhere = factories.location_create(west_hartford, "WH cart", LocationKind.CART)
    compliance.sites.add(west_hartford)
    _receive(factories.lot_create(factories.product_create()), elsewhere, compliance)
    infusion = _ready_at_10(flow)

    services.infusion_start(actor=nurse, infusion=infusion, lot_number="LOT-A1")

    assert flow.refresh().status == InfusionStatus.RUNNING


# ---------------------------------------------------------------------------------------
# 2. The dose given cannot exceed what could have run


def _stop(flow: Flow, mg: str, at: dt.datetime) -> None:
    services.infusion_stop(
        actor=flow.nurse,
        infusion=flow.infusion,
        reason="Stopped early",
        administered_mg=Decimal(mg),
        at=at,
    )


def test_a_full_dose_one_minute_after_the_start_is_refused(flow: Flow) -> None:
    """Given KARE (56.0 mg over at least 40 minutes) started 10 minutes ago, when the nurse
    ends it 1 minute after the start with 56.0 mg given, then it is refused: at most 1.4 mg
    can have run; nothing is written."""
    infusion = flow.started(minutes_ago=10)
    assert infusion.started_at is not None
    before, row = written(), state(infusion)

    with pytest.raises(ApplicationError) as refused:
        _stop(flow, "56.0", infusion.started_at + dt.timedelta(minutes=1))

    message = (
        "In 1 minute at most 1.4 mg can have run (planned 56.0 mg over at least 40 minutes): "
        "enter the dose actually given, read from the pump."
    )
    assert refused.value.field_errors == {"administered_mg": [message]}
    assert (written(), state(infusion)) == (before, row)


def test_the_dose_that_could_have_run_is_accepted(flow: Flow) -> None:
    """Given the same infusion, when it ends 20 minutes after the start, then 28.1 mg is
    refused and 28.0 mg (56.0 x 20/40) is recorded."""
    infusion = flow.started(minutes_ago=30)
    assert infusion.started_at is not None
    end = infusion.started_at + dt.timedelta(minutes=20)
    with pytest.raises(ApplicationError, match=r"^In 20 minutes at most 28\.0 mg can have run"):
        _stop(flow, "28.1", end)

    _stop(flow, "28.0", end)

    infusion = flow.refresh()
    assert (infusion.status, infusion.administered_mg) == (InfusionStatus.ENDED, Decimal("28.0"))


def test_the_limit_is_rounded_half_up_from_the_planned_phase_minutes(
    course: TreatmentCourse, nurse: User, physician: User
) -> None:
    """Given DAKWAR-ALC-2020 for 70 kg (49.7 mg) with no minimum infusion time on the
    version, the planned phases' 2 + 50 = 52 minutes apply: 26 minutes after the start at
    most 49.7 x 26/52 = 24.85 -> 24.9 mg (half up) can have run; 25.0 is refused, 24.9 is
    recorded."""
    course.protocol_version = protocol_version("dakwar-alc-2020")
    course.sessions_planned = 1
    course.save()
    ProtocolVersion.objects.filter(pk=course.protocol_version.pk).update(min_infusion_minutes=None)
    flow = Flow(
        infusion=InfusionFactory(course=course, created_by=nurse), nurse=nurse, physician=physician
    )
    infusion = flow.started(minutes_ago=30)
    assert infusion.started_at is not None
    assert infusion.planned_total_mg == Decimal("49.7")
    end = infusion.started_at + dt.timedelta(minutes=26)
    before = written()

    with pytest.raises(ApplicationError) as refused:
        _stop(flow, "25.0", end)

    assert refused.value.message == (
        "In 26 minutes at most 24.9 mg can have run (planned 49.7 mg over at least 52 "
        "minutes): enter the dose actually given, read from the pump."
    )
    assert written() == before
    _stop(flow, "24.9", end)
    assert flow.refresh().administered_mg == Decimal("24.9")


def test_a_pause_counts_in_the_elapsed_time(flow: Flow) -> None:
    """Given KARE started 45 minutes ago and paused for 10 minutes, when it ends 40 minutes
    after the start with 56.0 mg, then it is recorded (the elapsed time is an upper bound)."""
    infusion = flow.started(minutes_ago=45)
    assert infusion.started_at is not None
    services.infusion_pause(
        actor=flow.nurse,
        infusion=infusion,
        reason="Nausea",
        at=infusion.started_at + dt.timedelta(minutes=10),
    )
    services.infusion_restart(
        actor=flow.nurse,
        infusion=infusion,
        reason="Settled",
        at=infusion.started_at + dt.timedelta(minutes=20),
    )

    _stop(flow, "56.0", infusion.started_at + dt.timedelta(minutes=40))

    assert flow.refresh().administered_mg == PLANNED_KARE_70KG


def test_no_limit_without_a_known_duration(flow: Flow) -> None:
    """Given neither the version's minimum time nor the planned phase minutes are known,
    then the full dose 1 minute after the start is recorded (nothing to compare with)."""
    infusion = flow.started(minutes_ago=10)
    assert infusion.started_at is not None
    ProtocolVersion.objects.filter(pk=infusion.course.protocol_version_id).update(
        min_infusion_minutes=None
    )
    InfusionDosePhase.objects.filter(infusion=infusion).update(minutes=None)

    _stop(flow, "56.0", infusion.started_at + dt.timedelta(minutes=1))

    assert flow.refresh().administered_mg == PLANNED_KARE_70KG


def test_an_intramuscular_injection_is_not_limited_by_time(
    course: TreatmentCourse, nurse: User, physician: User
) -> None:
    """Given KRUPITSKY-HER-2007 (IM, 2.0 mg/kg = 140.0 mg for 70 kg), even with a minimum
    time set on the version, the full dose 1 minute after the start is recorded."""
    course.protocol_version = protocol_version("krupitsky-her-2007")
    course.save()
    ProtocolVersion.objects.filter(pk=course.protocol_version.pk).update(min_infusion_minutes=30)
    flow = Flow(
        infusion=InfusionFactory(course=course, created_by=nurse), nurse=nurse, physician=physician
    )
    infusion = flow.started(minutes_ago=10)
    assert infusion.started_at is not None

    _stop(flow, "140.0", infusion.started_at + dt.timedelta(minutes=1))

    assert flow.refresh().administered_mg == Decimal("140.0")


# ---------------------------------------------------------------------------------------
# 3. Discharge needs monitoring after the infusion


def test_discharge_without_vitals_after_the_infusion_is_refused(flow: Flow) -> None:
    """Given the infusion ended 130 minutes ago and recovery scored 10/10, but no vitals
    were charted after the end, when the nurse discharges, then it is refused on the vitals
    and nothing is written."""
    infusion = flow.ended()
    flow.recovery()
    before, row = written(), state(infusion)

    with pytest.raises(ApplicationError) as refused:
        flow.discharge()

    message = "Chart at least one set of vitals after the infusion before discharge."
    assert refused.value.field_errors == {"vitals": [message]}
    assert refused.value.message == "The patient cannot be discharged yet. " + message
    assert (written(), state(infusion)) == (before, row)


def test_a_voided_reading_after_the_infusion_does_not_count(flow: Flow) -> None:
    """Given the only reading after the end was voided as mistyped, then discharge is
    refused on the vitals; a new reading lets the patient go."""
    flow.ended()
    reading = flow.post_vitals()
    services.vitals_void(
        actor=flow.nurse,
        infusion=flow.infusion,
        vitals_id=reading.pk,
        reason="Typed into the wrong chart",
    )
    flow.recovery()

    with pytest.raises(ApplicationError, match="Chart at least one set of vitals"):
        flow.discharge()
    flow.post_vitals()
    assert flow.discharge().status == InfusionStatus.DISCHARGED


def test_a_reading_at_the_moment_of_the_end_does_not_count(flow: Flow) -> None:
    """Given the only reading since the start was measured at the very minute the infusion
    ended, then it is not monitoring after the infusion: discharge is refused."""
    infusion = flow.ended()
    assert infusion.ended_at is not None
    flow.post_vitals(measured_at=infusion.ended_at)
    flow.recovery()

    with pytest.raises(ApplicationError, match="Chart at least one set of vitals"):
        flow.discharge()


# ---------------------------------------------------------------------------------------
# 4. Sessions are booked in order


def _at(days: int, hour: int) -> dt.datetime:
    zone = zoneinfo.ZoneInfo("America/New_York")
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


def _book(course: TreatmentCourse, nurse: User, session: int, at: dt.datetime) -> Infusion:
    return services.infusion_schedule(
        actor=nurse, course=course, session_number=session, scheduled_at=at
    )


def test_a_later_session_cannot_be_booked_before_an_earlier_one(
    course: TreatmentCourse, nurse: User
) -> None:
    """Given session 1 is booked in 14 days at 10:00, when the nurse books session 2 in 7
    days at 10:00, then it is refused naming session 1 and its time, and nothing is
    written; session 2 in 21 days is booked."""
    first = _book(course, nurse, 1, _at(14, 10))
    before = written()

    with pytest.raises(ApplicationError) as refused:
        _book(course, nurse, 2, _at(7, 10))

    asked, booked = f"{_at(7, 10):%Y-%m-%d} 10:00", f"{_at(14, 10):%Y-%m-%d} 10:00"
    message = (
        f"Session 2 cannot be booked at {asked}, before session 1 (booked for {booked}): "
        f"sessions run in order, so choose a time after {booked}."
    )
    assert refused.value.field_errors == {"scheduled_at": [message]}
    assert written() == before
    second = _book(course, nurse, 2, _at(21, 10))
    assert second.scheduled_at > first.scheduled_at


def test_the_latest_earlier_session_is_named(course: TreatmentCourse, nurse: User) -> None:
    """Given session 1 in 7 days and session 2 in 14 days, when session 3 is booked in 10
    days, then the refusal names session 2 (the one it would precede)."""
    _book(course, nurse, 1, _at(7, 9))
    _book(course, nurse, 2, _at(14, 9))

    with pytest.raises(ApplicationError) as refused:
        _book(course, nurse, 3, _at(10, 9))

    assert "before session 2 (booked for " in refused.value.message


def test_a_cancelled_earlier_session_does_not_block(course: TreatmentCourse, nurse: User) -> None:
    """Given session 1 was booked in 14 days and then cancelled, then session 2 may be
    booked in 7 days."""
    first = _book(course, nurse, 1, _at(14, 10))
    services.infusion_cancel(actor=nurse, infusion=first, reason="Patient unwell")

    second = _book(course, nurse, 2, _at(7, 10))

    assert second.session_number == 2


# ---------------------------------------------------------------------------------------
# 5. A plausible dissociation total


@pytest.mark.parametrize("instrument", ["cadss", "cadss_short"])
def test_a_dissociation_total_above_92_is_refused(flow: Flow, instrument: str) -> None:
    """Given the infusion ended, when the nurse records a total of 92.5 on the CADSS or its
    short form, then it is refused (the full CADSS has 23 items scored 0-4, at most 92, and
    no form's total exceeds it) and nothing is written; 92 is recorded."""
    infusion = flow.ended()
    before, row = written(), state(infusion)
    name = {"cadss": "CADSS", "cadss_short": "CADSS short form"}[instrument]

    with pytest.raises(ApplicationError) as refused:
        services.dissociation_record(
            actor=flow.nurse, infusion=infusion, instrument=instrument, score=Decimal("92.5")
        )

    assert refused.value.field_errors == {
        "score": [
            f"A {name} total cannot be above 92 (the full CADSS has 23 items scored 0-4): "
            "check the total and re-enter it."
        ]
    }
    assert (written(), state(infusion)) == (before, row)
    rating = services.dissociation_record(
        actor=flow.nurse, infusion=infusion, instrument=instrument, score=Decimal("92")
    )
    assert rating.score == Decimal("92")


@pytest.mark.parametrize("instrument", ["cadss", "cadss_short"])
def test_a_negative_dissociation_total_is_refused(flow: Flow, instrument: str) -> None:
    infusion = flow.ended()
    before = written()

    with pytest.raises(ApplicationError, match=r"total score \(0 or more\)"):
        services.dissociation_record(
            actor=flow.nurse, infusion=infusion, instrument=instrument, score=Decimal("-1")
        )

    assert written() == before


def test_the_database_refuses_an_implausible_dissociation_total(flow: Flow) -> None:
    """The limit is also a database constraint, so no other path can store 93."""
    infusion = flow.ended()
    with pytest.raises(IntegrityError), transaction.atomic():
        DissociationRating.objects.create(
            infusion=infusion,
            instrument="cadss",
            score=Decimal("93"),
            rated_at=timezone.now(),
            rated_by=flow.nurse,
            recorded_at=timezone.now(),
        )

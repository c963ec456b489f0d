"""Property tests (hypothesis): random sequences of receive, administer (with a witnessed waste),
waste, transfer and reversing adjustments against an independent model of the stock.

A `RuleBasedStateMachine` drives the real services. Its model predicts, before each call,
whether the register must accept or refuse it (enough stock at that lot and location, not the
same location twice, not reversing an entry twice or reversing an adjustment), and the test
checks the service agrees. After every step:
  - no Balance row is negative;
  - every Balance row equals the sum of its entries, and the model;
  - a refused call wrote nothing (no entry, no balance moved);
  - a reversal moves the balance back by exactly the reversed quantity, and an operation
    followed by the reversal of everything it wrote leaves every balance as it was.

Database state: the users, site, lots and locations come from function-scoped pytest-django
fixtures (inside the test's transaction). Each hypothesis example is one run of the machine,
which opens a savepoint when it starts and rolls it back in `teardown`, so every example
starts from the same empty register and the invariants hold per example, on SQLite and on
PostgreSQL alike. Nothing is committed, so no TransactionTestCase is needed.

Determinism: `derandomize=True` with no example database, so CI runs the same examples every
time (a failure is reproducible from the log, never a one-off). Set KC_HYPOTHESIS_EXPLORE=1
locally to run random (and more) examples instead.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, TypeVar

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions.models import Infusion
from ketaclinic.inventory import services
from ketaclinic.inventory.models import (
    Balance,
    EntryKind,
    LedgerEntry,
    LocationKind,
    Lot,
    StorageLocation,
)
from ketaclinic.inventory.selectors import balances_disagreeing
from ketaclinic.patients.models import Patient
from tests.inventory.conftest import PASSWORD, receive
from tests.inventory.factories import infusion_create, location_create, lot_create

EXPLORE = bool(os.environ.get("KC_HYPOTHESIS_EXPLORE"))
SETTINGS = settings(
    max_examples=200 if EXPLORE else 30,
    stateful_step_count=15,
    deadline=None,
    derandomize=not EXPLORE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

T = TypeVar("T")
Key = tuple[int, int]  # (lot id, location id)
ZERO = Decimal(0)
KINDS = {
    EntryKind.RECEIPT,
    EntryKind.ADMINISTRATION,
    EntryKind.WASTE,
    EntryKind.TRANSFER_OUT,
    EntryKind.TRANSFER_IN,
    EntryKind.ADJUSTMENT,
}
# Mostly doses a vial can cover, sometimes more than any balance.
MG = st.one_of(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("150"), places=3),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1200"), places=3),
)
WASTE = st.one_of(st.just(ZERO), MG)
LOT = st.integers(min_value=0, max_value=1)
LOCATION = st.integers(min_value=0, max_value=2)


@dataclass(frozen=True)
class World:
    compliance: User
    nurse: User
    physician: User
    patient: Patient
    lots: list[Lot]
    locations: list[StorageLocation]


@dataclass
class ModelEntry:
    key: Key
    quantity_mg: Decimal
    kind: str
    pair: int | None = None  # the other half of a transfer
    reversed: bool = False


def balance_rows() -> dict[Key, Decimal]:
    return {(b.lot_id, b.location_id): b.quantity_mg for b in Balance.objects.all()}


def nonzero(balances: dict[Key, Decimal]) -> dict[Key, Decimal]:
    return {key: value for key, value in balances.items() if value != 0}


class RegisterMachine(RuleBasedStateMachine):
    world: ClassVar[World]
    seen: ClassVar[set[str]]  # entry kinds written (and "refused"), across all examples

    def __init__(self) -> None:
        super().__init__()
        # One savepoint per example, rolled back in teardown: each example starts empty.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.model: dict[Key, Decimal] = defaultdict(Decimal)
        self.entries: dict[int, ModelEntry] = {}
        self.sessions = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # -- helpers ---------------------------------------------------------------------------

    def key(self, lot: int, location: int) -> Key:
        return self.world.lots[lot].pk, self.world.locations[location].pk

    def where(self, lot: int, location: int, anywhere: bool) -> tuple[int, int]:
        """(lot, location) indexes as drawn when `anywhere`, else a place that has stock
        (most places are empty, and a register that refuses everything proves little)."""
        if anywhere:
            return lot, location
        places = [
            (i, j)
            for i in range(len(self.world.lots))
            for j in range(len(self.world.locations))
            if self.model[self.key(i, j)] > 0
        ]
        return places[(lot * 3 + location) % len(places)] if places else (lot, location)

    def attempt(self, expect_ok: bool, call: Callable[[], T]) -> T | None:
        """Call the service; it must accept exactly when the model says so, and a refusal
        must leave the ledger and every balance as they were."""
        entries, balances = LedgerEntry.objects.count(), balance_rows()
        refusal: ApplicationError | None = None
        try:
            result = call()
        except ApplicationError as error:
            refusal = error
        if refusal is not None:
            note(f"refused: {refusal.message}")
            event("refused")
            self.seen.add("refused")
            assert not expect_ok, f"refused although the model has the stock: {refusal.message}"
            assert LedgerEntry.objects.count() == entries
            assert balance_rows() == balances
            return None
        assert expect_ok, "accepted although the model says it must be refused"
        event("accepted")
        return result

    def book(self, entry: LedgerEntry, *, pair: int | None = None) -> None:
        key = (entry.lot_id, entry.location_id)
        self.entries[entry.pk] = ModelEntry(key, entry.quantity_mg, entry.kind, pair)
        self.seen.add(entry.kind)
        self.model[key] += entry.quantity_mg

    def to_empty(self, key: Key, quantity: Decimal, empty_it: bool) -> Decimal:
        """`quantity`, or (when asked and there is stock) exactly what is left at `key`."""
        return self.model[key] if empty_it and self.model[key] > 0 else quantity

    def unreversed(self) -> list[int]:
        return sorted(
            pk
            for pk, e in self.entries.items()
            if not e.reversed and e.kind != EntryKind.ADJUSTMENT
        )

    def not_reversible(self) -> list[int]:
        return sorted(
            pk for pk, e in self.entries.items() if e.reversed or e.kind == EntryKind.ADJUSTMENT
        )

    def reverse(self, entry_id: int) -> list[LedgerEntry] | None:
        """Reverse an entry (both halves of a transfer) as the model predicts."""
        target = self.entries[entry_id]
        halves = [entry_id] if target.pair is None else [entry_id, target.pair]
        # The service takes stock out before putting it back: reverse the positive half first.
        halves.sort(key=lambda pk: self.entries[pk].quantity_mg, reverse=True)
        trial = dict(self.model)
        expect_ok = target.kind != EntryKind.ADJUSTMENT and not target.reversed
        for pk in halves:
            half = self.entries[pk]
            trial[half.key] = trial.get(half.key, ZERO) - half.quantity_mg
            expect_ok = expect_ok and trial[half.key] >= 0
        before = balance_rows()
        adjustments = self.attempt(
            expect_ok,
            lambda: services.entry_reverse(
                actor=self.world.compliance,
                entry_id=entry_id,
                reason="Property test correction",
                occurred_at=timezone.now(),
            ),
        )
        if adjustments is None:
            return None
        assert sorted(a.reverses_id for a in adjustments if a.reverses_id) == sorted(halves)
        after = balance_rows()
        for adjustment in adjustments:
            reversed_entry = self.entries[adjustment.reverses_id or 0]
            reversed_entry.reversed = True
            assert adjustment.quantity_mg == -reversed_entry.quantity_mg
            self.book(adjustment)
            # The reversal moves the balance back by exactly the reversed quantity.
            key = reversed_entry.key
            assert after[key] == before.get(key, ZERO) - reversed_entry.quantity_mg
        return adjustments

    def new_infusion_id(self) -> int:
        self.sessions += 1
        return infusion_create(
            patient=self.world.patient,
            physician=self.world.physician,
            session_number=self.sessions,
        ).pk

    # -- operations ------------------------------------------------------------------------

    def do_receive(self, lot: int, location: int, containers: int) -> list[LedgerEntry]:
        entry = receive(
            self.world.compliance,
            self.world.locations[location],
            self.world.lots[lot],
            containers=containers,
        )
        assert entry.quantity_mg == Decimal(500 * containers)  # 10 mL of 50 mg/mL per vial
        self.book(entry)
        return [entry]

    def do_administer(
        self, lot: int, location: int, given: Decimal, wasted: Decimal, empty_it: bool
    ) -> list[LedgerEntry]:
        key = self.key(lot, location)
        if empty_it and self.model[key] > Decimal("0.001"):
            wasted = min(wasted, self.model[key] - Decimal("0.001"))
            given = self.model[key] - wasted
        infusion_id = self.new_infusion_id()
        infusion = Infusion.objects.select_related("site", "patient").get(pk=infusion_id)
        draw = self.attempt(
            self.model[key] >= given + wasted,
            lambda: services.infusion_dose_draw(
                actor=self.world.nurse,
                infusion=infusion,
                lot_id=key[0],
                location_id=key[1],
                administered_mg=given,
                wasted_mg=wasted,
                waste_method="Expelled into a drug disposal container",
                witness=self.world.physician,
                witness_password=PASSWORD,
                occurred_at=timezone.now(),
            ),
        )
        if draw is None:
            return []
        assert draw.administration.quantity_mg == -given
        written = [draw.administration]
        if wasted > 0:
            assert draw.waste is not None
            assert draw.waste.quantity_mg == -wasted
            assert draw.waste.witness_id == self.world.physician.pk
            written.append(draw.waste)
        else:
            assert draw.waste is None
        for entry in written:
            self.book(entry)
        return written

    def do_transfer(
        self, lot: int, source: int, target: int, quantity: Decimal, empty_it: bool
    ) -> list[LedgerEntry]:
        src, dst = self.key(lot, source), self.key(lot, target)
        quantity = self.to_empty(src, quantity, empty_it)
        pair = self.attempt(
            source != target and self.model[src] >= quantity,
            lambda: services.transfer_record(
                actor=self.world.compliance,
                lot_id=src[0],
                from_location_id=src[1],
                to_location_id=dst[1],
                quantity_mg=quantity,
                occurred_at=timezone.now(),
            ),
        )
        if pair is None:
            return []
        out, into = pair
        assert (out.quantity_mg, into.quantity_mg) == (-quantity, quantity)
        self.book(out, pair=into.pk)
        self.book(into, pair=out.pk)
        return [out]  # reversing either half reverses both

    # -- rules -----------------------------------------------------------------------------

    @rule(lot=LOT, location=LOCATION, containers=st.integers(min_value=1, max_value=2))
    def receive(self, lot: int, location: int, containers: int) -> None:
        self.do_receive(lot, location, containers)

    @initialize(lot=LOT, containers=st.integers(min_value=1, max_value=2))
    def stock_the_safe(self, lot: int, containers: int) -> None:
        self.do_receive(lot, 0, containers)

    @rule(
        lot=LOT,
        location=LOCATION,
        anywhere=st.booleans(),
        given=MG,
        wasted=WASTE,
        empty_it=st.booleans(),
    )
    def administer(
        self,
        lot: int,
        location: int,
        anywhere: bool,
        given: Decimal,
        wasted: Decimal,
        empty_it: bool,
    ) -> None:
        lot, location = self.where(lot, location, anywhere)
        self.do_administer(lot, location, given, wasted, empty_it)

    @rule(lot=LOT, location=LOCATION, anywhere=st.booleans(), wasted=MG, empty_it=st.booleans())
    def waste(
        self, lot: int, location: int, anywhere: bool, wasted: Decimal, empty_it: bool
    ) -> None:
        lot, location = self.where(lot, location, anywhere)
        key = self.key(lot, location)
        wasted = self.to_empty(key, wasted, empty_it)
        entry = self.attempt(
            self.model[key] >= wasted,
            lambda: services.waste_record(
                actor=self.world.nurse,
                site=self.world.locations[location].site,
                lot_id=key[0],
                location_id=key[1],
                waste=services.Waste(
                    wasted, "Drug disposal container", self.world.physician, PASSWORD
                ),
                occurred_at=timezone.now(),
            ),
        )
        if entry is not None:
            assert entry.quantity_mg == -wasted
            self.book(entry)

    @rule(
        lot=LOT,
        source=LOCATION,
        anywhere=st.booleans(),
        destination=LOCATION,
        quantity=MG,
        empty_it=st.booleans(),
    )
    def transfer(
        self,
        lot: int,
        source: int,
        anywhere: bool,
        destination: int,
        quantity: Decimal,
        empty_it: bool,
    ) -> None:
        lot, source = self.where(lot, source, anywhere)
        self.do_transfer(lot, source, destination, quantity, empty_it)

    @precondition(lambda self: bool(self.unreversed()))
    @rule(pick=st.integers(min_value=0, max_value=10_000))
    def adjust(self, pick: int) -> None:
        """A reversing adjustment of any entry not yet reversed."""
        candidates = self.unreversed()
        self.reverse(candidates[pick % len(candidates)])

    @precondition(lambda self: bool(self.not_reversible()))
    @rule(pick=st.integers(min_value=0, max_value=10_000))
    def adjust_again(self, pick: int) -> None:
        """Reversing a reversed entry, or an adjustment, is refused and writes nothing."""
        candidates = self.not_reversible()
        self.reverse(candidates[pick % len(candidates)])

    @rule(
        operation=st.sampled_from(["receive", "administer", "transfer"]),
        lot=LOT,
        location=LOCATION,
        anywhere=st.booleans(),
        other=LOCATION,
        quantity=MG,
        wasted=WASTE,
    )
    def operate_then_reverse(
        self,
        operation: str,
        lot: int,
        location: int,
        anywhere: bool,
        other: int,
        quantity: Decimal,
        wasted: Decimal,
    ) -> None:
        """An operation followed by the reversal of everything it wrote restores every
        balance exactly (rows it created stay, at 0)."""
        if operation != "receive":
            lot, location = self.where(lot, location, anywhere)
        before = nonzero(balance_rows())
        if operation == "receive":
            written = self.do_receive(lot, location, 1)
        elif operation == "administer":
            written = self.do_administer(lot, location, quantity, wasted, empty_it=False)
        else:
            written = self.do_transfer(lot, location, other, quantity, empty_it=False)
        for entry in written:
            assert self.reverse(entry.pk) is not None
        assert nonzero(balance_rows()) == before

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def balances_are_the_sum_of_entries_and_never_negative(self) -> None:
        assert balances_disagreeing() == []
        rows = balance_rows()
        assert all(value >= 0 for value in rows.values()), rows
        assert nonzero(rows) == nonzero(self.model)


@pytest.fixture
def world(compliance, nurse, physician, patient, boston, product) -> World:
    from tests.inventory.factories import registrant_create

    registrant_create(boston)
    return World(
        compliance=compliance,
        nurse=nurse,
        physician=physician,
        patient=patient,
        lots=[lot_create(product, number=f"PROP-{n}") for n in (1, 2)],
        locations=[
            location_create(boston, "Safe", LocationKind.SAFE),
            location_create(boston, "Cart A", LocationKind.CART),
            location_create(boston, "Cart B", LocationKind.CART),
        ],
    )


def test_random_register_sequences_keep_balances_consistent(world: World) -> None:
    """Given any sequence of receipts, administrations with witnessed waste, wastes, transfers
    and reversing adjustments, then balances never go negative, always equal the sum of
    entries and the model, refusals write nothing, and reversals restore the balance."""

    class Machine(RegisterMachine):
        pass

    Machine.world, Machine.seen = world, set()
    run_state_machine_as_test(Machine, settings=SETTINGS)
    # The examples exercised every kind of entry, and refusals (not a vacuous pass).
    assert Machine.seen >= {*KINDS, "refused"}, Machine.seen
    # Each example rolled back its savepoint: the register is empty again.
    assert not LedgerEntry.objects.exists()
    assert not Balance.objects.exists()

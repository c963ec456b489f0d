"""Two nurses draw from the same lot at the same moment; together they would overdraw it.

On PostgreSQL (`make test-postgres`) the balance row lock makes the second draw wait for the
first to commit, then see 400 mg and be refused. SQLite (development, the demo) has one writer
at a time: the second draw either waits and is refused the same way or is turned away by the
writer lock. Either way exactly one draw commits and the balance never goes negative.
There is no PostgreSQL-only marker in this suite, so this one test runs on both and states
what each database guarantees instead of being skipped.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from ketaclinic.core.errors import ApplicationError
from ketaclinic.inventory import services
from ketaclinic.inventory.models import Balance, EntryKind, LedgerEntry
from ketaclinic.inventory.selectors import balances_disagreeing
from tests.inventory.factories import infusion_create


@pytest.mark.django_db(transaction=True)
def test_simultaneous_draws_leave_exactly_one_committed(
    nurse, make_user, physician, patient, patient_factory, stocked_cart, cart
):
    """Given 1000 mg in the cart, when two nurses each draw 600 mg in simultaneous
    transactions, then exactly one commits, the other is refused, and 400 mg remain."""
    from ketaclinic.accounts.roles import Role

    second_nurse = make_user(Role.NURSE, cart.site, username="nurse2")
    other = patient_factory(site=cart.site)
    infusions = [
        infusion_create(patient=patient, physician=physician),
        infusion_create(patient=other, physician=physician),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def draw(actor, infusion):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():  # the flowsheet's transaction, held a moment
                services.infusion_dose_draw(
                    actor=actor,
                    infusion=infusion,
                    lot_id=stocked_cart.pk,
                    location_id=cart.pk,
                    administered_mg=Decimal("600"),
                    wasted_mg=Decimal("0"),
                    waste_method="",
                    witness=None,
                    witness_password="",
                    occurred_at=timezone.now() - dt.timedelta(minutes=1),
                )
                time.sleep(0.3)
            outcomes.append("committed")
        except (ApplicationError, OperationalError) as error:
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=draw, args=(actor, infusion))
        for actor, infusion in zip([nurse, second_nurse], infusions, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    refusals = [o for o in outcomes if o != "committed"]
    assert outcomes.count("committed") == 1, outcomes
    assert len(refusals) == 1
    if connection.vendor == "postgresql":
        assert isinstance(refusals[0], ApplicationError)
        assert "administered_mg" in refusals[0].field_errors
    assert LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).count() == 1
    assert Balance.objects.get(lot=stocked_cart, location=cart).quantity_mg == Decimal("400.000")
    assert balances_disagreeing() == []

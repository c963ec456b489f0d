"""Two clinicians charting the same infusion at once: both readings persist.

Runs on both databases: on PostgreSQL the two threads hold two connections and really
overlap; on SQLite (the in-memory test database shares one cache, whose table locks do not wait)
the same code path runs, the two calls taking turns.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection

from ketaclinic.accounts.models import User
from ketaclinic.infusions import services
from ketaclinic.infusions.models import Infusion, VitalsEntry
from tests.infusions.flow import Flow


@pytest.mark.django_db(transaction=True)
def test_two_nurses_charting_at_once_both_persist(flow: Flow, nurse: User, nurse2: User) -> None:
    """Given a running infusion, when two nurses save a reading at the same moment from two
    sessions, then both rows are stored and neither overwrote the other."""
    flow.started()
    barrier = threading.Barrier(2)
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    errors: list[BaseException] = []

    def chart(actor: User, hr: int) -> None:
        try:
            infusion = Infusion.objects.get(pk=flow.infusion.pk)
            user = User.objects.get(pk=actor.pk)
            barrier.wait(timeout=10)
            with turns:
                services.vitals_record(actor=user, infusion=infusion, hr=hr)
        except BaseException as error:  # reported below, a thread cannot raise into pytest
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=chart, args=(nurse, 81)),
        threading.Thread(target=chart, args=(nurse2, 82)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    rows = VitalsEntry.objects.filter(infusion=flow.infusion, phase="intra")
    assert sorted(rows.values_list("recorded_by__username", "hr")) == [
        ("nurse", 81),
        ("nurse2", 82),
    ]

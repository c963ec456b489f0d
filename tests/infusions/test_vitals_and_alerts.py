"""Vitals plausibility, the phase on the infusion's clock, and alert rules evaluated exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions import services
from ketaclinic.infusions.models import AlertEvent, AlertRule, InfusionStatus, VitalsEntry
from tests.infusions.flow import Flow, state, written

READING = {"sbp": 130, "dbp": 80, "hr": 70, "spo2": 98, "rr": 14, "moaas": 5}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"spo2": 101}, "SpO2 101 is not plausible: it must be between 0 and 100 %"),
        ({"hr": 19}, "Heart rate 19 is not plausible: it must be between 20 and 250"),
        ({"hr": 251}, "Heart rate 251 is not plausible"),
        (
            {"sbp": 301, "dbp": 80},
            "Systolic BP 301 is not plausible: it must be between 50 and 300",
        ),
        ({"sbp": 49, "dbp": 30}, "Systolic BP 49 is not plausible"),
        ({"rr": 81}, "Respiratory rate 81 is not plausible"),
        ({"moaas": 6}, "Sedation (MOAA/S) 6 is not plausible"),
        ({"sbp": 80, "dbp": 120}, "Diastolic BP 120 must be below systolic 80"),
        ({"sbp": 120, "dbp": None}, "Enter the diastolic BP too"),
    ],
)
def test_an_implausible_reading_is_refused_with_its_fix_and_writes_nothing(
    flow: Flow, nurse: User, values: dict[str, Any], message: str
) -> None:
    before = written()
    with pytest.raises(ApplicationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        services.vitals_record(actor=nurse, infusion=flow.infusion, **{**READING, **values})
    assert written() == before


def test_an_empty_reading_is_refused(flow: Flow, nurse: User) -> None:
    with pytest.raises(ApplicationError, match="Enter at least one reading"):
        services.vitals_record(actor=nurse, infusion=flow.infusion)


def test_the_database_refuses_an_implausible_row_too(flow: Flow, nurse: User) -> None:
    """The CheckConstraints back up the service (a row written around it is refused)."""
    from django.db import IntegrityError, transaction

    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalsEntry.objects.create(
            infusion=flow.infusion,
            measured_at=now,
            phase="pre",
            spo2=120,
            recorded_by=nurse,
            recorded_at=now,
        )


def test_a_future_reading_is_refused_but_retrospective_charting_is_allowed(
    flow: Flow, nurse: User
) -> None:
    with pytest.raises(ApplicationError, match="is in the future"):
        services.vitals_record(
            actor=nurse,
            infusion=flow.infusion,
            measured_at=timezone.now() + dt.timedelta(hours=1),
            hr=70,
        )
    earlier = timezone.now() - dt.timedelta(minutes=20)
    entry = services.vitals_record(actor=nurse, infusion=flow.infusion, measured_at=earlier, hr=70)
    assert entry.measured_at == earlier


def test_a_reading_long_before_the_infusion_is_refused(flow: Flow, nurse: User) -> None:
    with pytest.raises(ApplicationError, match="baseline window"):
        services.vitals_record(
            actor=nurse,
            infusion=flow.infusion,
            measured_at=timezone.now() - dt.timedelta(hours=13),
            hr=70,
        )


def test_the_phase_follows_the_infusions_clock(flow: Flow, nurse: User) -> None:
    """Before the start: pre; between start and end: intra; after the end: post."""
    now = timezone.now()
    infusion = flow.ended(minutes_ago=30)  # started 70 min ago, ended 30 min ago
    phases = [
        services.vitals_record(
            actor=nurse, infusion=infusion, measured_at=now - dt.timedelta(minutes=m), hr=70
        ).phase
        for m in (80, 50, 10)
    ]
    assert phases == ["pre", "intra", "post"]


def test_a_high_bp_during_the_infusion_raises_pause_and_call_but_does_not_pause(
    flow: Flow, nurse: User
) -> None:
    """Given the example rules SBP > 180 -> pause and call physician, when SBP 190/95 is
    charted during the infusion, then exactly those two alerts are raised, the infusion keeps
    running (the action is shown, not executed) and the alerts wait for a response."""
    flow.started()
    entry = services.vitals_record(
        actor=nurse, infusion=flow.infusion, sbp=190, dbp=95, hr=88, spo2=97
    )
    alerts = AlertEvent.objects.filter(vitals_entry=entry).order_by("action")
    assert [(a.parameter, a.observed_value, a.action) for a in alerts] == [
        ("sbp", Decimal("190.0"), "call_physician"),
        ("sbp", Decimal("190.0"), "pause_infusion"),
    ]
    assert all(alert.is_open for alert in alerts)
    assert flow.refresh().status == InfusionStatus.RUNNING


def test_low_spo2_raises_stop_and_call(flow: Flow, nurse: User) -> None:
    flow.started()
    entry = services.vitals_record(actor=nurse, infusion=flow.infusion, spo2=90)
    actions = sorted(entry.alerts.values_list("action", flat=True))
    assert actions == ["call_physician", "stop_infusion"]


def test_the_threshold_itself_does_not_alert(flow: Flow, nurse: User) -> None:
    """SBP > 180: 180 is not above 180; SpO2 < 92: 92 is not below 92."""
    flow.started()
    entry = services.vitals_record(actor=nurse, infusion=flow.infusion, sbp=180, dbp=100, spo2=92)
    assert entry.alerts.count() == 0


def test_a_high_baseline_raises_hold_start(flow: Flow, nurse: User) -> None:
    entry = flow.baseline(sbp=185, dbp=101)
    assert sorted(entry.alerts.values_list("parameter", "action")) == [
        ("dbp", "hold_start"),
        ("sbp", "hold_start"),
    ]


def test_a_retired_rule_and_another_sites_rule_do_not_apply(
    flow: Flow, nurse: User, west_hartford: Site
) -> None:
    now = timezone.now()
    AlertRule.objects.filter(parameter="hr").delete()
    AlertRule.objects.create(
        parameter="hr",
        phase="pre",
        comparator="gt",
        value=100,
        action="warn",
        owner="Dr Example (synthetic)",
        site=west_hartford,
        effective_from=now - dt.timedelta(days=1),
        source="test",
        created_at=now,
    )
    AlertRule.objects.create(
        parameter="hr",
        phase="pre",
        comparator="gt",
        value=100,
        action="warn",
        owner="Dr Example (synthetic)",
        effective_from=now - dt.timedelta(days=2),
        effective_to=now - dt.timedelta(days=1),
        source="test",
        created_at=now,
    )
    mine = AlertRule.objects.create(
        parameter="hr",
        phase="pre",
        comparator="ge",
        value=110,
        action="warn",
        owner="Dr Example (synthetic)",
        site=flow.infusion.site,
        effective_from=now - dt.timedelta(days=1),
        source="test",
        created_at=now,
    )
    entry = services.vitals_record(actor=nurse, infusion=flow.infusion, hr=110)
    assert list(entry.alerts.values_list("rule", flat=True)) == [mine.pk]


def test_the_response_can_pause_the_infusion(flow: Flow, nurse: User) -> None:
    flow.started()
    entry = services.vitals_record(actor=nurse, infusion=flow.infusion, sbp=190, dbp=95)
    alert = entry.alerts.get(action="pause_infusion")
    answered = services.alert_respond(
        actor=nurse, alert=alert, response="Paused; Dr called (synthetic)", pause_infusion=True
    )
    assert answered.responded_by == nurse
    infusion = flow.refresh()
    assert infusion.status == InfusionStatus.PAUSED
    pause = infusion.events.get(kind="pause")
    assert pause.alert == alert
    assert pause.reason.startswith("Alert: Systolic BP > 180: pause the infusion.")


def test_an_alert_is_answered_once(flow: Flow, nurse: User, physician: User) -> None:
    flow.started()
    alert = services.vitals_record(actor=nurse, infusion=flow.infusion, spo2=90).alerts.first()
    assert alert is not None
    services.alert_respond(actor=nurse, alert=alert, response="O2 applied (synthetic)")
    before = written()
    with pytest.raises(ApplicationError, match="already answered"):
        services.alert_respond(actor=physician, alert=alert, response="Also seen")
    assert written() == before


def test_an_empty_response_is_refused(flow: Flow, nurse: User) -> None:
    flow.started()
    alert = services.vitals_record(actor=nurse, infusion=flow.infusion, spo2=90).alerts.first()
    assert alert is not None
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match="Write what you did"):
        services.alert_respond(actor=nurse, alert=alert, response=" ", pause_infusion=True)
    assert (written(), state(flow.infusion)) == (before, row)

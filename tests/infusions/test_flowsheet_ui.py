"""What the flowsheet page shows and offers (the QA pass of issue 5): blank score and
adverse-event selects, the paused clock, the pause checkbox only while running, vitals before
the running controls, distinct alert badges, the dose given with its register entries, and a
vitals chart drawn with lines (not filled shapes)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import Site, User
from ketaclinic.infusions import services
from ketaclinic.infusions.models import AdverseEvent, Infusion, RecoveryScore
from ketaclinic.inventory import services as register
from ketaclinic.inventory.models import LocationKind, Lot, StorageLocation
from tests.factories import TEST_PASSWORD
from tests.infusions.flow import PLANNED_KARE_70KG, Flow, written
from tests.inventory import factories

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
ZONE = zoneinfo.ZoneInfo("America/New_York")  # Boston's site time zone
ALDRETE_ITEMS = ("activity", "respiration", "circulation", "consciousness", "oxygen")
CSS = Path(settings.BASE_DIR) / "ketaclinic/infusions/static/infusions/flowsheet.css"


def _url(flow: Flow, action: str = "") -> str:
    if action:
        return reverse("infusions:action", args=[flow.infusion.pk, action])
    return reverse("infusions:flowsheet", args=[flow.infusion.pk])


def _page(client: Client, flow: Flow) -> str:
    response = client.get(_url(flow))
    assert response.status_code == 200
    return response.content.decode()


def _options(html: str, field_id: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of each option of the select with this id."""
    found = re.search(rf'<select[^>]*id="{field_id}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select {field_id}"
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', found.group(1)
        )
    ]


def _local(moment: dt.datetime) -> str:
    return f"{moment.astimezone(ZONE):%H:%M}"


# --- 1. Blank selects -----------------------------------------------------------------------


def test_every_aldrete_item_starts_blank_and_is_labelled_with_its_description(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given an ended infusion, when the nurse opens the flowsheet, then each modified Aldrete
    item offers "Choose…" first and selected, then 2, 1 and 0 with DOMAIN.md's descriptions;
    the circulation variant keeps its mmHg/percent choice."""
    flow.ended()

    html = _page(client_for(nurse), flow)

    for item in ALDRETE_ITEMS:
        options = _options(html, f"id_recovery_{item}")
        assert options[0] == ("", "Choose…", True)
        assert [value for value, _, _ in options] == ["", "2", "1", "0"]
        assert not any(selected for _, _, selected in options[1:])
    assert [label for _, label, _ in _options(html, "id_recovery_activity")[1:]] == [
        "2: moves 4 extremities",
        "1: moves 2 extremities",
        "0: moves 0 extremities",
    ]
    assert [label for _, label, _ in _options(html, "id_recovery_respiration")[1:]] == [
        "2: deep breaths and cough",
        "1: dyspnoea or shallow breathing",
        "0: apnoea",
    ]
    assert [label for _, label, _ in _options(html, "id_recovery_circulation")[1:]] == [
        "2: BP within 20 of pre-procedure",
        "1: BP 20-50 from pre-procedure",
        "0: BP beyond 50 from pre-procedure",
    ]
    assert [label for _, label, _ in _options(html, "id_recovery_consciousness")[1:]] == [
        "2: fully awake",
        "1: arousable on calling",
        "0: not responding",
    ]
    assert [label for _, label, _ in _options(html, "id_recovery_oxygen")[1:]] == [
        "2: SpO2 &gt; 92 % on room air",
        "1: needs O2 to stay &gt; 90 %",
        "0: SpO2 &lt; 90 % with O2",
    ]
    assert [value for value, _, _ in _options(html, "id_recovery_circulation_variant")] == [
        "mmhg",
        "percent",
    ]


def test_a_recovery_score_with_an_item_left_blank_is_refused_and_writes_nothing(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given an ended infusion, when the nurse saves a score with respiration left at
    "Choose…", then the page answers 422 naming respiration, keeps the chosen values and no
    score is written; when she scores every item, then the score is 10/10."""
    flow.ended()
    client = client_for(nurse)
    chosen = dict.fromkeys(ALDRETE_ITEMS, "2") | {"circulation_variant": "mmhg"}
    before = written()

    refused = client.post(_url(flow, "recovery"), chosen | {"respiration": ""}, headers=HX)

    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="id_recovery_respiration_errors"' in html
    assert ("2", "2: moves 4 extremities", True) in _options(html, "id_recovery_activity")
    assert written()[:-1] == before[:-1]  # only the page's read audit row
    assert not RecoveryScore.objects.filter(infusion=flow.infusion).exists()

    saved = client.post(_url(flow, "recovery"), chosen, headers=HX)

    assert saved.status_code == 200
    assert RecoveryScore.objects.get(infusion=flow.infusion).total == 10


def test_the_adverse_event_selects_start_blank_and_must_be_chosen(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a running infusion, then the adverse-event form's kind, severity, outcome and
    infusion selects start at "Choose…"; when the nurse saves it with only the action taken,
    then the page answers 422 on each of the four and nothing is written."""
    flow.started()
    client = client_for(nurse)
    html = _page(client, flow)
    for name in ("kind", "severity", "outcome", "infusion_effect"):
        assert _options(html, f"id_adverse_event_{name}")[0] == ("", "Choose…", True)
    before = written()

    response = client.post(
        _url(flow, "adverse_event"), {"action_taken": "Observed (synthetic)"}, headers=HX
    )

    assert response.status_code == 422
    page = response.content.decode()
    for name in ("kind", "severity", "outcome", "infusion_effect"):
        assert f'id="id_adverse_event_{name}_errors"' in page
    assert "Observed (synthetic)" in page
    assert written()[:-1] == before[:-1]
    assert not AdverseEvent.objects.exists()


# --- 4 and 5. The paused clock and the pause checkbox ----------------------------------------


def test_a_paused_infusion_says_since_when_and_how_long_it_has_run(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given an infusion started 60 min ago, paused 50 min ago, restarted 40 min ago and
    paused again 10 min ago, then the clock reads "Paused since <10 min ago> (running time so
    far 40 min)" (10 + 30 minutes) and no longer "running since"."""
    start = flow.started(minutes_ago=60).started_at
    assert start is not None
    minute = dt.timedelta(minutes=1)
    services.infusion_pause(
        actor=nurse, infusion=flow.infusion, reason="Rest", at=start + 10 * minute
    )
    services.infusion_restart(
        actor=nurse, infusion=flow.refresh(), reason="BP settled", at=start + 20 * minute
    )
    paused_at = start + 50 * minute
    services.infusion_pause(actor=nurse, infusion=flow.refresh(), reason="BP high", at=paused_at)

    html = _page(client_for(nurse), flow)

    heading = re.search(r'<h2 id="clock-heading">(.*?)</h2>', html, re.S)
    assert heading is not None
    assert heading.group(1) == (f"Paused since {_local(paused_at)} (running time so far 40 min)")
    assert "Infusion running since" not in html
    assert 'id="paused-rate"' in html


def test_a_running_infusion_shows_its_start_and_current_rate(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    infusion = flow.started(minutes_ago=30)
    assert infusion.started_at is not None

    html = _page(client_for(nurse), flow)

    assert f"Infusion running since {_local(infusion.started_at)}</h2>" in html
    assert 'id="current-rate"' in html


def test_a_hold_start_alert_offers_no_pause_but_a_running_alert_does(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a baseline of 190/80 before the start (a hold-start alert), then its response
    form has no "Pause the infusion now"; given a running infusion with 190/80 charted, then
    its pause alert's form offers it."""
    client = client_for(nurse)
    flow.plan_and_verify()
    held = flow.baseline(sbp=190, dbp=80)
    alert = held.alerts.get()
    assert alert.action == "hold_start"

    before_start = _page(client, flow)

    assert f'id="alert-{alert.pk}"' in before_start
    assert f'id="id_respond_{alert.pk}_response"' in before_start
    assert "Pause the infusion now" not in before_start
    assert f'id="id_respond_{alert.pk}_pause_infusion"' not in before_start

    services.alert_respond(actor=nurse, alert=alert, response="Rested, measured again")
    flow.baseline(sbp=130, dbp=80)
    flow.checklist()
    flow.start()
    running = flow.baseline(sbp=190, dbp=80)
    pause = running.alerts.get(action="pause_infusion")

    during = _page(client, flow)

    assert f'id="id_respond_{pause.pk}_pause_infusion"' in during
    assert f'id="form-respond-{pause.pk}"' in during


def test_a_refused_response_before_the_start_still_offers_no_pause(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a hold-start alert, when the nurse posts an empty response, then the 422 page
    keeps the form without the pause checkbox."""
    flow.plan_and_verify()
    alert = flow.baseline(sbp=190, dbp=80).alerts.get()

    response = client_for(nurse).post(
        _url(flow, "respond"), {"alert_id": alert.pk, "response": ""}, headers=HX
    )

    assert response.status_code == 422
    assert "Pause the infusion now" not in response.content.decode()


# --- 7 and 9. The vitals first; each alert action once --------------------------------------


def test_the_vitals_come_before_the_running_controls_and_right_after_the_alerts(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a running infusion with an open alert, then the page shows the alerts, then the
    vitals entry row and table, then the checklist, the dose and the pause/rate/end forms."""
    flow.started()
    flow.baseline(sbp=190, dbp=80)

    html = _page(client_for(nurse), flow)

    order = [
        html.index('id="alerts"'),
        html.index('id="vitals"'),
        html.index('id="vitals-table"'),
        html.index('id="vitals-entry"'),
        html.index('id="checklist"'),
        html.index('id="clock"'),
        html.index('id="form-pause"'),
        html.index('id="form-stop"'),
    ]
    assert order == sorted(order)


def test_a_reading_shows_each_alert_action_once(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a running infusion and a reading of 190/110 (systolic and diastolic example rules
    each ask to pause and to call: four alerts), then its row shows two badges, "Pause the
    infusion" and "Call the physician", once each."""
    flow.started()
    entry = flow.baseline(sbp=190, dbp=110)
    assert entry.alerts.count() == 4

    html = _page(client_for(nurse), flow)

    row = re.search(rf'<tr id="vitals-{entry.pk}".*?</tr>', html, re.S)
    assert row is not None
    badges = re.findall(r'<span class="badge denied">([^<]*)</span>', row.group(0))
    assert badges == ["Pause the infusion", "Call the physician"]


# --- 8. The dose given and the register entries ----------------------------------------------


@pytest.fixture
def cart(boston: Site) -> StorageLocation:
    """Boston keeps its register here: lot LOT-A1 is received into the cart."""
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


def _ended_from_register(flow: Flow, lot: Lot, cart: StorageLocation, witness: User) -> Infusion:
    start = timezone.now() - dt.timedelta(minutes=170)
    flow.ready(baseline_at=start - dt.timedelta(minutes=5))
    services.infusion_start(actor=flow.nurse, infusion=flow.infusion, lot_number="LOT-A1", at=start)
    services.infusion_stop(
        actor=flow.nurse,
        infusion=flow.refresh(),
        reason="Completed as planned",
        administered_mg=Decimal("52.5"),
        at=start + dt.timedelta(minutes=40),
        draw=services.RegisterDraw(
            lot_id=lot.pk,
            location_id=cart.pk,
            wasted_mg=Decimal("7.5"),
            waste_method="Drug-disposal container",
            witness=witness,
            witness_password=TEST_PASSWORD,
        ),
    )
    return flow.refresh()


def test_an_ended_infusion_shows_the_dose_given_and_its_register_entries(
    flow: Flow,
    lot: Lot,
    cart: StorageLocation,
    physician: User,
    nurse: User,
    client_for: Callable[[User], Client],
) -> None:
    """Given an infusion ended with 52.5 mg given (56.0 planned) from lot LOT-A1 in the cart
    and 7.5 mg wasted before the physician, then the dose section shows "Dose given: 52.5 mg
    (planned 56.0 mg)" and the register's administration (52.5 mg) and waste (7.5 mg, the
    method and the witness)."""
    _ended_from_register(flow, lot, cart, physician)

    html = _page(client_for(nurse), flow)

    assert (
        f'<p id="dose-given">Dose given: <strong>52.5 mg</strong> '
        f"(planned {PLANNED_KARE_70KG} mg).</p>"
    ) in html
    table = re.search(r'<table class="compact" id="register-entries">.*?</table>', html, re.S)
    assert table is not None
    rows = [
        re.findall(r"<td>([^<]*)</td>", row)[1:]
        for row in re.findall(r"<tr><td>.*?</tr>", table.group(0))
    ]
    assert rows == [
        ["Administration", "LOT-A1", "Infusion cart 1", "52.5", "-", "-", str(nurse)],
        [
            "Waste",
            "LOT-A1",
            "Infusion cart 1",
            "7.5",
            "Drug-disposal container",
            str(physician),
            str(nurse),
        ],
    ]


def test_an_infusion_without_a_register_shows_the_dose_given_and_no_register_table(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    flow.ended()

    html = _page(client_for(nurse), flow)

    assert "Dose given: <strong>56.0 mg</strong>" in html
    assert 'id="register-entries"' not in html


def test_the_flowsheet_is_read_in_constant_queries(
    flow: Flow,
    lot: Lot,
    cart: StorageLocation,
    physician: User,
    nurse: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    """Given an ended infusion with register entries, when three more readings (one raising
    alerts) are charted, then the flowsheet takes as many queries as before, within the
    bound."""
    infusion = _ended_from_register(flow, lot, cart, physician)
    client = client_for(nurse)
    _page(client, flow)  # warm the session and the site caches
    with CaptureQueriesContext(connection) as first:
        _page(client, flow)
    assert infusion.ended_at is not None
    for minutes, sbp in ((5, 130), (10, 200), (15, 128)):
        flow.baseline(measured_at=infusion.ended_at + dt.timedelta(minutes=minutes), sbp=sbp)

    # 24 when written, the register entries' one query included; one spare.
    with django_assert_max_num_queries(25):
        _page(client, flow)
    with CaptureQueriesContext(connection) as more:
        _page(client, flow)

    assert len(more) == len(first)


# --- 6. The chart's lines --------------------------------------------------------------------


def test_the_chart_colours_its_lines_by_stroke_and_fills_only_the_markers() -> None:
    """The per-series rules set `stroke` only (a fill would close each polyline into a filled
    shape); the reading markers are filled in the series colour."""
    css = CSS.read_text()
    for key in ("sbp", "dbp", "hr", "spo2"):
        rule = re.search(rf"\.vitals-chart \.{key} \{{([^}}]*)\}}", css)
        assert rule is not None
        assert "stroke:" in rule.group(1)
        assert "fill" not in rule.group(1)
        assert re.search(rf"\.vitals-chart g\.{key} circle \{{ fill: #[0-9a-f]{{6}}; \}}", css)


def test_a_verified_dose_offers_a_replan_that_clears_the_verification(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a dose planned and verified, when the nurse opens the flowsheet, then the plan
    form is offered as "Re-plan dose (clears the verification)"; when she re-plans at
    50 mg/mL, then the verification is gone and the volume is 1.12 mL."""
    flow.plan_and_verify()
    client = client_for(nurse)

    page = client.get(reverse("infusions:flowsheet", args=[flow.infusion.pk])).content.decode()
    response = client.post(
        reverse("infusions:action", args=[flow.infusion.pk, "plan"]),
        {"concentration_mg_per_ml": "50"},
        headers=HX,
    )

    assert "Re-plan dose (clears the verification)" in page
    assert response.status_code == 200
    infusion = flow.refresh()
    assert (infusion.dose_verified_by_id, infusion.planned_total_ml) == (None, Decimal("1.12"))

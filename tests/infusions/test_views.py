"""The flowsheet, chair board and alert-rule pages."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions.models import AlertRule, ChecklistEntry, ChecklistItem, VitalsEntry
from tests.infusions.flow import Flow, written
from tests.treatment import InfusionFactory

HX = {"HX-Request": "true"}


def _url(flow: Flow, action: str = "") -> str:
    if action:
        return reverse("infusions:action", args=[flow.infusion.pk, action])
    return reverse("infusions:flowsheet", args=[flow.infusion.pk])


def test_the_flowsheet_shows_gates_checklist_and_the_entry_row(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(nurse).get(_url(flow))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Infusion 1 of 3" in html
    assert 'id="gate-course_active"' in html
    assert 'aria-label="Confirm: Identity and session number confirmed"' in html
    assert 'id="vitals-entry"' in html
    assert 'id="id_vitals_sbp"' in html


def test_every_state_of_the_flowsheet_renders(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(nurse)
    now = timezone.now()
    flow.ready(baseline_at=now - dt.timedelta(minutes=175))
    assert "Start infusion" in client.get(_url(flow)).content.decode()
    flow.start(at=now - dt.timedelta(minutes=170))
    client_html = client.get(_url(flow)).content.decode()
    assert "Pause infusion" in client_html
    assert "End infusion" in client_html
    flow.stop(at=now - dt.timedelta(minutes=130))
    flow.post_vitals()
    flow.recovery()
    html = client.get(_url(flow)).content.decode()
    assert "Discharge patient" in html
    assert "10/10" in html
    flow.discharge()
    assert "Sign flowsheet" in client.get(_url(flow)).content.decode()


def test_a_vitals_row_saves_through_htmx_and_returns_the_flowsheet(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(nurse).post(
        _url(flow, "vitals"), {"sbp": "128", "dbp": "80", "hr": "70"}, headers=HX
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "chart-changed"
    assert 'id="flowsheet"' in response.content.decode()
    assert VitalsEntry.objects.get(infusion=flow.infusion).sbp == 128


def test_a_refused_vitals_row_comes_back_422_with_the_typed_values(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a nurse types SpO2 101 with a BP of 128/80, then the row comes back with the
    message naming the problem and the fix, and every typed value still in place."""
    before = written()
    response = client_for(nurse).post(
        _url(flow, "vitals"),
        {"sbp": "128", "dbp": "80", "hr": "70", "spo2": "101", "note": "left arm"},
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#vitals-entry"
    assert "SpO2 101 is not plausible: it must be between 0 and 100 %" in html
    for value in ('value="128"', 'value="80"', 'value="70"', 'value="101"', 'value="left arm"'):
        assert value in html
    assert written()[:-1] == before[:-1]  # only the page's read audit row


def test_a_refused_action_without_htmx_rerenders_the_page_with_422(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(nurse).post(_url(flow, "start"), {"lot_number": "L1"})
    assert response.status_code == 422
    assert "The infusion cannot start" in response.content.decode()


def test_the_checklist_is_completed_item_by_item(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(nurse)
    flow.plan_and_verify()
    flow.baseline()
    for item in ChecklistItem:
        data = {"item": item.value, "confirmed": "yes"}
        if item == ChecklistItem.ENTRY_CONDITION:
            data["hours_since_last_use"] = "30"
        assert client.post(_url(flow, "checklist"), data, headers=HX).status_code == 200
    response = client.post(_url(flow, "start"), {"lot_number": "LOT-1"}, headers=HX)
    assert response.status_code == 200
    assert flow.refresh().status == "running"


def test_a_checklist_item_can_be_charted_at_a_typed_time(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a nurse charting the checklist afterwards, when she types the time the item was
    checked, then the row offers a time field and the entry is stored at that site time."""
    client = client_for(nurse)
    flow.plan_and_verify()
    earlier = timezone.localtime(
        timezone.now() - dt.timedelta(minutes=30), zoneinfo.ZoneInfo("America/New_York")
    ).replace(second=0, microsecond=0)

    page = client.get(_url(flow)).content.decode()
    response = client.post(
        _url(flow, "checklist"),
        {"item": "identity", "confirmed": "yes", "at": earlier.strftime("%Y-%m-%d %H:%M")},
        headers=HX,
    )

    assert 'aria-label="Confirm: ' in page
    assert 'name="at"' in page.split('id="checklist"')[1].split("</section>")[0]
    assert response.status_code == 200
    entry = ChecklistEntry.objects.get(infusion=flow.infusion, item="identity")
    assert entry.recorded_at == earlier


def test_another_sites_infusion_is_a_404_and_audited(
    flow: Flow,
    make_user: Callable[..., User],
    west_hartford: Site,
    client_for: Callable[[User], Client],
) -> None:
    outsider = make_user(Role.NURSE, west_hartford)
    client = client_for(outsider)
    assert client.get(_url(flow)).status_code == 404
    assert client.post(_url(flow, "vitals"), {"hr": "70"}).status_code == 404
    assert VitalsEntry.objects.count() == 0
    assert AuditEvent.objects.filter(
        actor=outsider, action="access_denied", patient=flow.infusion.patient
    ).exists()


def test_a_therapist_may_read_but_not_chart(
    flow: Flow, make_user: Callable[..., User], boston: Site, client_for: Callable[[User], Client]
) -> None:
    therapist = make_user(Role.THERAPIST, boston)
    client = client_for(therapist)
    html = client.get(_url(flow)).content.decode()
    assert 'id="vitals-entry"' not in html
    assert client.post(_url(flow, "vitals"), {"hr": "70"}, headers=HX).status_code == 403
    assert VitalsEntry.objects.count() == 0


def test_an_alert_shows_its_action_and_takes_a_response(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(nurse)
    flow.started()
    html = client.post(
        _url(flow, "vitals"), {"sbp": "192", "dbp": "96"}, headers=HX
    ).content.decode()
    assert "Pause the infusion" in html
    assert 'class="alert-banner"' in html
    alert = flow.infusion.alerts.get(action="pause_infusion")
    response = client.post(
        _url(flow, "respond"),
        {"alert_id": alert.pk, "response": "Paused, physician called", "pause_infusion": "on"},
        headers=HX,
    )
    assert response.status_code == 200
    assert flow.refresh().status == "paused"


def test_the_chair_board_lists_todays_infusions_in_constant_queries(
    flow: Flow,
    nurse: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for(nurse)
    flow.started()
    for session in (2, 3):
        InfusionFactory(course=flow.infusion.course, created_by=nurse, session_number=session)
    url = reverse("infusions:chair_board")
    with django_assert_max_num_queries(14):
        response = client.get(url)
    html = response.content.decode()
    assert html.count('id="board-infusion-') == 3
    assert "Running" in html
    partial = client.get(url, headers=HX).content.decode()
    assert "<table" in partial
    assert "<html" not in partial


def test_the_board_query_count_does_not_grow_with_infusions(
    flow: Flow,
    nurse: User,
    client_for: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(nurse)
    url = reverse("infusions:chair_board")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for session in (2, 3):
        InfusionFactory(course=flow.infusion.course, created_by=nurse, session_number=session)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    assert len(three.captured_queries) == len(one.captured_queries)


def test_the_admin_manages_alert_rules_on_their_page(
    make_user: Callable[..., User], boston: Site, client_for: Callable[[User], Client]
) -> None:
    admin = make_user(Role.CLINIC_ADMIN, boston)
    client = client_for(admin)
    url = reverse("infusions:alert_rules")
    assert "Example: the medical director must confirm" in client.get(url).content.decode()
    data = {
        "parameter": "hr",
        "phase": "intra",
        "comparator": "gt",
        "value": "130",
        "action": "call_physician",
        "owner": "Dr MD (synthetic)",
        "source": "Clinic protocol",
        "site_id": str(boston.pk),
    }
    assert client.post(url, data).status_code == 302
    rule = AlertRule.objects.get(parameter="hr", value=130)
    retire = reverse("infusions:alert_rule_retire", args=[rule.pk])
    assert client.post(retire, {"reason": "Replaced"}).status_code == 302
    rule.refresh_from_db()
    assert rule.effective_to is not None


@pytest.mark.parametrize("role", [Role.NURSE, Role.PHYSICIAN])
def test_clinicians_cannot_open_the_alert_rules_page(
    role: Role, make_user: Callable[..., User], boston: Site, client_for: Callable[[User], Client]
) -> None:
    user = make_user(role, boston)
    assert client_for(user).get(reverse("infusions:alert_rules")).status_code == 403


def test_the_patient_section_lists_infusions_in_constant_queries(
    flow: Flow,
    nurse: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for session in (2, 3):
        InfusionFactory(course=flow.infusion.course, created_by=nurse, session_number=session)
    client = client_for(nurse)
    url = reverse("infusions:patient_section", args=[flow.infusion.patient_id])
    with django_assert_max_num_queries(10):
        html = client.get(url).content.decode()
    assert html.count("infusions/") >= 3
    assert "Infusion 3 (kare-2022)" in html


def test_the_vitals_chart_draws_thresholds_events_and_a_table(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    """Given a running infusion with a high reading, the SVG has a title and description,
    the example thresholds as dashed lines, the start and the alert as event marks, and the
    same readings in a table."""
    flow.started()
    flow.baseline(sbp=190, dbp=95)
    html = client_for(nurse).get(_url(flow)).content.decode()
    assert '<svg class="vitals-chart"' in html
    assert '<title id="chart-title">Vitals over time</title>' in html
    assert "Alert threshold: Systolic BP 180" in html
    assert "Alert threshold: SpO2 92" in html
    assert '<line class="event start"' in html
    assert '<line class="event alert"' in html
    assert "190/95" in html

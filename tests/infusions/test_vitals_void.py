"""Voiding a wrongly typed vitals reading: it stays on the flowsheet, struck through with who,
when and why, and counts nowhere (chart, vitals clock, start limits, chair board, summary)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.core.errors import (
    ApplicationError,
    ErrorCode,
    NotFoundError,
    PermissionDeniedError,
)
from ketaclinic.infusions import services
from ketaclinic.infusions.chart import vitals_chart
from ketaclinic.infusions.models import AlertEvent, Infusion, InfusionStatus, VitalsEntry
from ketaclinic.infusions.selectors.pages import chair_board, flowsheet
from ketaclinic.infusions.selectors.state import hold_start_alerts
from tests.factories import PatientFactory
from tests.infusions.flow import Flow, state, written
from tests.treatment import InfusionFactory, TreatmentCourseFactory, protocol_version

HX = {"HX-Request": "true"}
JSON = "application/json"
TYPO = "Typed 190 for 130 (synthetic)"


def _void(flow: Flow, entry: VitalsEntry, reason: str = TYPO) -> VitalsEntry:
    return services.vitals_void(
        actor=flow.nurse, infusion=flow.infusion, vitals_id=entry.pk, reason=reason
    )


def _other_infusion(site: Site, physician: User, nurse: User) -> Infusion:
    course = TreatmentCourseFactory(
        patient=PatientFactory(site=site),
        protocol_version=protocol_version(),
        supervising_physician=physician,
    )
    return InfusionFactory(course=course, created_by=nurse)


def _foreign_reading(infusion: Infusion, nurse: User) -> VitalsEntry:
    now = timezone.now()
    return VitalsEntry.objects.create(
        infusion=infusion, measured_at=now, phase="pre", hr=70, recorded_by=nurse, recorded_at=now
    )


# --- The service ---------------------------------------------------------------------------


def test_a_voided_reading_stays_with_who_when_and_why_and_the_void_is_audited(
    flow: Flow, nurse: User
) -> None:
    """Given a charted reading, when the nurse voids it with a reason, then the row is kept
    with the voider, the time and the reason, and an audit row names the reading."""
    entry = flow.baseline(sbp=130, dbp=80)
    voided = _void(flow, entry, reason="  " + TYPO + "  ")
    row = VitalsEntry.objects.get(pk=entry.pk)
    assert (row.sbp, row.voided_by, row.void_reason) == (130, nurse, TYPO)
    assert row.voided_at is not None
    assert row.voided_at == voided.voided_at
    assert list(VitalsEntry.objects.current()) == []
    audit = AuditEvent.objects.filter(target_type="infusion_vitals", action="update").get()
    assert (audit.actor, audit.target_id, audit.patient) == (
        nurse,
        str(entry.pk),
        flow.infusion.patient,
    )
    assert audit.detail == "vitals voided (pre); 0 alert(s) set aside"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_void_without_a_reason_is_refused_and_writes_nothing(flow: Flow, reason: str) -> None:
    entry = flow.baseline()
    before = written()
    with pytest.raises(ApplicationError, match="Give the reason for voiding the reading"):
        _void(flow, entry, reason=reason)
    assert written() == before
    assert VitalsEntry.objects.get(pk=entry.pk).voided_at is None


def test_a_reading_is_voided_once(flow: Flow, physician: User) -> None:
    entry = flow.baseline()
    _void(flow, entry)
    first = VitalsEntry.objects.values().get(pk=entry.pk)
    before = written()
    with pytest.raises(ApplicationError, match="already voided") as error:
        services.vitals_void(
            actor=physician, infusion=flow.infusion, vitals_id=entry.pk, reason="Again"
        )
    assert error.value.code == ErrorCode.CONFLICT
    assert (written(), VitalsEntry.objects.values().get(pk=entry.pk)) == (before, first)


def test_a_signed_flowsheet_cannot_be_changed(flow: Flow) -> None:
    flow.signed()
    entry = VitalsEntry.objects.filter(infusion=flow.infusion).first()
    assert entry is not None
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match="only until the flowsheet is signed"):
        _void(flow, entry)
    assert (written(), state(flow.infusion)) == (before, row)


def test_a_discharged_flowsheet_can_still_be_corrected_before_the_signature(flow: Flow) -> None:
    flow.discharged()
    entry = VitalsEntry.objects.filter(infusion=flow.infusion).first()
    assert entry is not None
    assert _void(flow, entry).voided_at is not None


def test_a_therapist_cannot_void(flow: Flow, make_user: Callable[..., User], boston: Site) -> None:
    entry = flow.baseline()
    therapist = make_user(Role.THERAPIST, boston)
    before = written()
    with pytest.raises(PermissionDeniedError):
        services.vitals_void(
            actor=therapist, infusion=flow.infusion, vitals_id=entry.pk, reason=TYPO
        )
    assert written()[:-1] == before[:-1]  # only the audited denial
    assert VitalsEntry.objects.get(pk=entry.pk).voided_at is None


def test_another_patients_reading_is_the_same_404_as_a_missing_one(
    flow: Flow, nurse: User, physician: User, boston: Site
) -> None:
    other = _other_infusion(boston, physician, nurse)
    foreign = _foreign_reading(other, nurse)
    before = written()
    with pytest.raises(NotFoundError, match="No such vitals reading on this infusion"):
        _void(flow, foreign)
    with pytest.raises(NotFoundError, match="No such vitals reading on this infusion"):
        services.vitals_void(
            actor=nurse, infusion=flow.infusion, vitals_id=foreign.pk + 999, reason=TYPO
        )
    assert written() == before  # the probe's audit row is written by the page or API layer
    assert VitalsEntry.objects.get(pk=foreign.pk).voided_at is None


def test_another_sites_nurse_gets_a_404(
    flow: Flow, make_user: Callable[..., User], west_hartford: Site
) -> None:
    entry = flow.baseline()
    outsider = make_user(Role.NURSE, west_hartford)
    with pytest.raises(NotFoundError):
        services.vitals_void(
            actor=outsider, infusion=flow.infusion, vitals_id=entry.pk, reason=TYPO
        )
    assert VitalsEntry.objects.get(pk=entry.pk).voided_at is None


def test_the_database_refuses_a_void_without_a_reason_or_author(flow: Flow, nurse: User) -> None:
    entry = flow.baseline()
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalsEntry.objects.filter(pk=entry.pk).update(voided_at=timezone.now(), voided_by=nurse)
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalsEntry.objects.filter(pk=entry.pk).update(voided_at=timezone.now(), void_reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        VitalsEntry.objects.filter(pk=entry.pk).update(void_reason="x")


# --- A voided reading counts nowhere -------------------------------------------------------


def test_a_voided_high_baseline_no_longer_holds_the_start(flow: Flow) -> None:
    """Given a good baseline and then a mistyped 190/100 that holds the start, when the typo
    is voided, then the good baseline is the latest again, the checklist item can be ticked
    and the infusion starts."""
    now = timezone.now()
    flow.plan_and_verify()
    flow.baseline(measured_at=now - dt.timedelta(minutes=10))
    typo = flow.baseline(measured_at=now - dt.timedelta(minutes=5), sbp=190, dbp=105)
    assert [a.action for a in hold_start_alerts(infusion=flow.infusion)] == [
        "hold_start",
        "hold_start",
    ]
    with pytest.raises(ApplicationError, match="outside the start limits"):
        flow.checklist()
    _void(flow, typo)
    assert hold_start_alerts(infusion=flow.infusion) == []
    flow.checklist()
    assert flow.start().status == InfusionStatus.RUNNING


def test_voiding_the_only_baseline_blocks_the_start_until_a_new_one(flow: Flow) -> None:
    now = timezone.now()
    flow.plan_and_verify()
    entry = flow.baseline(measured_at=now - dt.timedelta(minutes=5))
    flow.checklist()
    _void(flow, entry)
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match="No baseline vitals count") as error:
        flow.start()
    assert "baseline" in error.value.field_errors
    assert (written(), state(flow.infusion)) == (before, row)
    flow.baseline()
    assert flow.start().status == InfusionStatus.RUNNING


def test_the_alerts_of_a_voided_reading_stay_but_ask_for_no_response(flow: Flow) -> None:
    """Given 190/95 during the infusion raised pause and call-physician alerts, when the
    reading is voided, then both alerts stay, marked reading-voided, are no longer open, and
    a response to one is refused without writing."""
    flow.started()
    entry = services.vitals_record(actor=flow.nurse, infusion=flow.infusion, sbp=190, dbp=95)
    _void(flow, entry)
    alerts = list(AlertEvent.objects.filter(vitals_entry=entry).order_by("action"))
    assert [(a.action, a.reading_voided, a.is_open) for a in alerts] == [
        ("call_physician", True, False),
        ("pause_infusion", True, False),
    ]
    assert flowsheet(infusion=flow.infusion).open_alerts == []
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match="was voided as wrongly typed"):
        services.alert_respond(
            actor=flow.nurse, alert=alerts[1], response="Paused", pause_infusion=True
        )
    assert (written(), state(flow.infusion)) == (before, row)


def test_the_chart_and_the_vitals_clock_ignore_a_voided_reading(flow: Flow) -> None:
    """Given readings 20 and 5 minutes ago and the later one voided, then the chart draws only
    the earlier one and the next reading is due one interval after it."""
    now = timezone.now()
    flow.started(minutes_ago=60)
    kept = services.vitals_record(
        actor=flow.nurse,
        infusion=flow.infusion,
        measured_at=now - dt.timedelta(minutes=20),
        sbp=131,
        dbp=81,
    )
    typo = services.vitals_record(
        actor=flow.nurse,
        infusion=flow.infusion,
        measured_at=now - dt.timedelta(minutes=5),
        sbp=199,
        dbp=81,
    )
    _void(flow, typo)
    fs = flowsheet(infusion=flow.infusion, now=now)
    assert [e.pk for e in fs.vitals_rows][-2:] == [kept.pk, typo.pk]
    assert typo.pk not in [e.pk for e in fs.vitals]
    interval = fs.version.vitals_interval_intra_minutes
    assert fs.next_due == kept.measured_at + dt.timedelta(minutes=interval)
    chart = vitals_chart(fs)
    systolic = next(s for s in chart.series if s.key == "sbp")
    assert [value for _x, _y, value in systolic.dots] == [128, 131]  # baseline and kept
    assert not any(mark.kind == "alert" for mark in chart.events)


def test_the_chair_board_ignores_a_voided_reading_and_its_alerts(flow: Flow) -> None:
    now = timezone.now()
    flow.started(minutes_ago=60)
    kept = services.vitals_record(
        actor=flow.nurse,
        infusion=flow.infusion,
        measured_at=now - dt.timedelta(minutes=20),
        hr=70,
    )
    typo = services.vitals_record(
        actor=flow.nurse,
        infusion=flow.infusion,
        measured_at=now - dt.timedelta(minutes=5),
        spo2=80,
    )
    assert chair_board(user=flow.nurse, site=flow.infusion.site, now=now)[0].open_alerts == 2
    _void(flow, typo)
    row = chair_board(user=flow.nurse, site=flow.infusion.site, now=now)[0]
    interval = flow.infusion.course.protocol_version.vitals_interval_intra_minutes
    assert row.open_alerts == 0
    assert row.next_due == kept.measured_at + dt.timedelta(minutes=interval)


# --- Pages ---------------------------------------------------------------------------------


def _url(flow: Flow, action: str = "") -> str:
    if action:
        return reverse("infusions:action", args=[flow.infusion.pk, action])
    return reverse("infusions:flowsheet", args=[flow.infusion.pk])


def test_each_row_offers_void_and_a_voided_row_is_struck_through_with_its_reason(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    entry = flow.baseline(sbp=190, dbp=100)
    client = client_for(nurse)
    page = client.get(_url(flow)).content.decode()
    assert f'id="id_void_{entry.pk}_reason"' in page
    assert 'Void<span class="visually-hidden"> the reading at' in page
    response = client.post(_url(flow, "void"), {"vitals_id": entry.pk, "reason": TYPO}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "chart-changed"
    assert f'<tr id="vitals-{entry.pk}" class="voided">' in html
    assert f"by {nurse}: {TYPO}" in html
    assert "Hold the start: reading voided" in html
    assert f'id="id_void_{entry.pk}_reason"' not in html
    assert "Start held" not in html.split('id="gates"')[1].split("</section>")[0]


def test_a_void_without_a_reason_comes_back_422_and_writes_nothing(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    entry = flow.baseline()
    before = written()
    response = client_for(nurse).post(
        _url(flow, "void"), {"vitals_id": entry.pk, "reason": ""}, headers=HX
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_void_reason_errors"' in html
    assert '<details class="void" open>' in html
    assert written()[:-1] == before[:-1]  # only the page's read audit row
    assert VitalsEntry.objects.get(pk=entry.pk).voided_at is None


def test_another_patients_reading_through_the_page_is_a_404(
    flow: Flow, nurse: User, physician: User, boston: Site, client_for: Callable[[User], Client]
) -> None:
    foreign = _foreign_reading(_other_infusion(boston, physician, nurse), nurse)
    response = client_for(nurse).post(
        _url(flow, "void"), {"vitals_id": foreign.pk, "reason": TYPO}, headers=HX
    )
    assert response.status_code == 404
    assert VitalsEntry.objects.get(pk=foreign.pk).voided_at is None
    assert AuditEvent.objects.filter(
        actor=nurse, action="access_denied", patient=foreign.infusion.patient
    ).exists()


def test_a_signed_flowsheet_offers_no_void(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    flow.signed()
    html = client_for(nurse).get(_url(flow)).content.decode()
    assert "Void reading" not in html


def test_the_flowsheet_query_count_does_not_grow_with_a_voided_reading(
    flow: Flow, nurse: User, client_for: Callable[[User], Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(nurse)
    flow.started()
    flow.baseline(sbp=190, dbp=95)
    with CaptureQueriesContext(connection) as plain:
        client.get(_url(flow))
    _void(flow, flow.baseline(sbp=199, dbp=95))
    with CaptureQueriesContext(connection) as voided:
        client.get(_url(flow))
    assert len(voided.captured_queries) == len(plain.captured_queries)


# --- API -----------------------------------------------------------------------------------


def _api_void(client: Client, infusion_id: int, vitals_id: int, body: object) -> object:
    return client.post(
        f"/api/v1/infusions/{infusion_id}/vitals/{vitals_id}/void",
        json.dumps(body),
        content_type=JSON,
    )


def test_the_api_voids_and_the_summary_ignores_the_reading(
    flow: Flow, nurse: User, api_client_for: Callable[[User], Client]
) -> None:
    """Given a real 150/90 SpO2 96 and a mistyped 250/120 SpO2 70, when the typo is voided over
    the API, then the summary's lowest SpO2 and highest BP come from the real readings only,
    the alerts stay listed as reading-voided, and the vitals list shows the void."""
    flow.started()
    client = api_client_for(nurse)
    base = f"/api/v1/infusions/{flow.infusion.pk}"
    client.post(
        f"{base}/vitals", json.dumps({"sbp": 150, "dbp": 90, "spo2": 96}), content_type=JSON
    )
    typo = client.post(
        f"{base}/vitals", json.dumps({"sbp": 250, "dbp": 120, "spo2": 70}), content_type=JSON
    ).json()
    response = _api_void(client, flow.infusion.pk, typo["id"], {"reason": TYPO})
    assert response.status_code == 200  # type: ignore[attr-defined]  # test client response
    body = response.json()  # type: ignore[attr-defined]  # test client response
    assert (body["voided_by"], body["void_reason"]) == ("nurse", TYPO)
    assert body["voided_at"] is not None
    assert {a["reading_voided"] for a in body["alerts"]} == {True}
    summary = client.get(base).json()
    assert (summary["vitals_count"], summary["min_spo2"]) == (2, 96)
    assert (summary["max_sbp"], summary["max_dbp"]) == (150, 90)
    assert {a["reading_voided"] for a in summary["alerts"]} == {True}
    listed = client.get(f"{base}/vitals").json()["items"]
    assert [item["void_reason"] for item in listed] == ["", "", TYPO]


def test_api_refusals_write_nothing(
    flow: Flow,
    nurse: User,
    physician: User,
    boston: Site,
    make_user: Callable[..., User],
    west_hartford: Site,
    api_client_for: Callable[[User], Client],
) -> None:
    entry = flow.baseline()
    foreign = _foreign_reading(_other_infusion(boston, physician, nurse), nurse)
    client = api_client_for(nurse)
    before = written()
    blank = _api_void(client, flow.infusion.pk, entry.pk, {"reason": " "})
    assert blank.status_code == 400  # type: ignore[attr-defined]  # test client response
    extra = _api_void(client, flow.infusion.pk, entry.pk, {"reason": TYPO, "x": 1})
    assert extra.status_code == 422  # type: ignore[attr-defined]  # test client response
    other = _api_void(client, flow.infusion.pk, foreign.pk, {"reason": TYPO})
    assert other.status_code == 404  # type: ignore[attr-defined]  # test client response
    outsider = make_user(Role.NURSE, west_hartford)
    away = _api_void(api_client_for(outsider), flow.infusion.pk, entry.pk, {"reason": TYPO})
    assert away.status_code == 404  # type: ignore[attr-defined]  # test client response
    assert written()[:-1] == before[:-1]  # reads and denials are audited
    denials = AuditEvent.objects.filter(action="access_denied")
    assert denials.filter(actor=nurse, patient=foreign.infusion.patient).count() == 1
    assert denials.filter(actor=outsider, patient=flow.infusion.patient).count() == 1
    assert VitalsEntry.objects.current().count() == 2


def test_the_vitals_list_with_a_void_is_in_constant_queries(
    flow: Flow,
    nurse: User,
    api_client_for: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    flow.started()
    for hr in (70, 75, 80):
        _void(flow, flow.baseline(hr=hr, sbp=190, dbp=95))
    client = api_client_for(nurse)
    with django_assert_max_num_queries(12):
        body = client.get(f"/api/v1/infusions/{flow.infusion.pk}/vitals?limit=10").json()
    assert [item["voided_by"] for item in body["items"]] == [None, "nurse", "nurse", "nurse"]

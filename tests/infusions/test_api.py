"""The infusion API: lists, summary, vitals, adverse events, chair board."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.test import Client
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.infusions.models import AdverseEvent, VitalsEntry
from tests.infusions.flow import Flow, written
from tests.treatment import InfusionFactory

JSON = "application/json"


def test_the_course_list_is_paged_in_constant_queries(
    flow: Flow,
    nurse: User,
    api_client_for: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for session in (2, 3):
        InfusionFactory(course=flow.infusion.course, created_by=nurse, session_number=session)
    client = api_client_for(nurse)
    url = f"/api/v1/infusions?course_id={flow.infusion.course.pk}&limit=2"
    with django_assert_max_num_queries(12):
        response = client.get(url)
    body = response.json()
    assert (response.status_code, body["count"], len(body["items"])) == (200, 3, 2)
    assert [item["session_number"] for item in body["items"]] == [1, 2]
    by_patient = client.get(f"/api/v1/infusions?patient_id={flow.infusion.patient_id}").json()
    assert by_patient["count"] == 3


def test_the_list_needs_exactly_one_filter_and_refuses_unknown_params(
    flow: Flow, nurse: User, api_client_for: Callable[[User], Client]
) -> None:
    client = api_client_for(nurse)
    assert client.get("/api/v1/infusions").status_code == 400
    assert (
        client.get(f"/api/v1/infusions?course_id={flow.infusion.course.pk}&x=1").status_code == 400
    )


def test_the_summary_reports_dose_vitals_alerts_and_recovery(
    flow: Flow, nurse: User, api_client_for: Callable[[User], Client]
) -> None:
    flow.started(minutes_ago=60)
    client = api_client_for(nurse)
    post = client.post(
        f"/api/v1/infusions/{flow.infusion.pk}/vitals",
        json.dumps({"sbp": 186, "dbp": 96, "hr": 90, "spo2": 95}),
        content_type=JSON,
    )
    assert post.status_code == 201
    assert sorted(a["action"] for a in post.json()["alerts"]) == [
        "call_physician",
        "pause_infusion",
    ]
    body = client.get(f"/api/v1/infusions/{flow.infusion.pk}").json()
    assert body["dose"]["planned_total_mg"] == "56.0"
    assert body["dose"]["phases"][0]["rate_ml_per_h"] == "150.0"
    assert (body["vitals_count"], body["min_spo2"], body["max_sbp"]) == (2, 95, 186)
    assert len(body["alerts"]) == 2
    assert body["latest_recovery"] is None
    assert body["discharge"] is None


def test_an_implausible_reading_over_the_api_is_a_400_writing_nothing(
    flow: Flow, nurse: User, api_client_for: Callable[[User], Client]
) -> None:
    client = api_client_for(nurse)
    before = written()
    response = client.post(
        f"/api/v1/infusions/{flow.infusion.pk}/vitals", json.dumps({"hr": 300}), content_type=JSON
    )
    assert response.status_code == 400
    assert "Heart rate 300 is not plausible" in response.json()["detail"]
    assert written()[:-1] == before[:-1]  # the read of the infusion is audited


def test_unknown_fields_are_refused(
    flow: Flow, nurse: User, api_client_for: Callable[[User], Client]
) -> None:
    response = api_client_for(nurse).post(
        f"/api/v1/infusions/{flow.infusion.pk}/vitals",
        json.dumps({"hr": 70, "temperature": 37}),
        content_type=JSON,
    )
    assert response.status_code == 422
    assert VitalsEntry.objects.count() == 0


def test_vitals_list_is_paged_in_constant_queries(
    flow: Flow,
    nurse: User,
    api_client_for: Callable[[User], Client],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    flow.started()
    for hr in (70, 75, 80):
        flow.baseline(hr=hr)
    client = api_client_for(nurse)
    with django_assert_max_num_queries(12):
        body = client.get(f"/api/v1/infusions/{flow.infusion.pk}/vitals?limit=10").json()
    assert body["count"] == 4


def test_an_adverse_event_is_posted(
    flow: Flow, nurse: User, api_client_for: Callable[[User], Client]
) -> None:
    flow.started()
    response = api_client_for(nurse).post(
        f"/api/v1/infusions/{flow.infusion.pk}/adverse-events",
        json.dumps(
            {
                "kind": "nausea_vomiting",
                "severity": "mild",
                "action_taken": "Ondansetron (synthetic)",
                "outcome": "resolved",
                "infusion_effect": "none",
            }
        ),
        content_type=JSON,
    )
    assert response.status_code == 201
    assert AdverseEvent.objects.get().kind == "nausea_vomiting"


def test_another_sites_infusion_is_a_404_over_the_api_and_audited(
    flow: Flow,
    make_user: Callable[..., User],
    west_hartford: Site,
    api_client_for: Callable[[User], Client],
) -> None:
    outsider = make_user(Role.NURSE, west_hartford)
    client = api_client_for(outsider)
    assert client.get(f"/api/v1/infusions/{flow.infusion.pk}").status_code == 404
    response = client.post(
        f"/api/v1/infusions/{flow.infusion.pk}/vitals", json.dumps({"hr": 70}), content_type=JSON
    )
    assert response.status_code == 404
    assert VitalsEntry.objects.count() == 0
    assert (
        AuditEvent.objects.filter(
            actor=outsider, action="access_denied", patient=flow.infusion.patient
        ).count()
        == 2
    )


def test_the_chair_board_endpoint(
    flow: Flow, nurse: User, api_client_for: Callable[[User], Client]
) -> None:
    flow.started(minutes_ago=25)
    body = api_client_for(nurse).get("/api/v1/infusions/chair-board").json()
    (row,) = body["items"]
    assert (row["infusion_id"], row["status"], row["elapsed_minutes"]) == (
        flow.infusion.pk,
        "running",
        25,
    )
    assert row["vitals_overdue"] is True  # started 25 min ago, vitals every 10, none charted

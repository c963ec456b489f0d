from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.patients.codes import ICD10CM_SYSTEM
from ketaclinic.patients.models import AddictionTarget, BodyMeasurement


def _targets_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/addiction-targets"


def _measurements_url(patient) -> str:
    return f"/api/v1/patients/{patient.pk}/measurements"


def test_create_addiction_target_returns_201_with_the_stored_code_system(
    physician, patient, api_client_for
):
    response = api_client_for(physician).post(
        _targets_url(patient),
        {"target": "gambling", "unit": "money_usd", "code": "F63.0", "quit_date": "2026-02-01"},
        content_type="application/json",
    )

    assert response.status_code == 201
    target = AddictionTarget.objects.get()
    assert response.json() == {
        "id": target.pk,
        "kind": "behavioural",
        "target": "gambling",
        "label": "",
        "unit": "money_usd",
        "quit_date": "2026-02-01",
        "code": "F63.0",
        "code_system": ICD10CM_SYSTEM,
        "is_active": True,
        "recorded_by": "physician",
        "recorded_at": response.json()["recorded_at"],
        "ended_at": None,
        "ended_reason": "",
    }
    events = AuditEvent.objects.filter(target_type="addiction_target").order_by("id")
    assert list(events.values_list("action", "target_type")) == [
        (Action.READ, "addiction_target"),
        (Action.CREATE, "addiction_target"),
    ]


def test_create_refusal_is_400_naming_the_field_and_saves_nothing(
    physician, patient, api_client_for
):
    response = api_client_for(physician).post(
        _targets_url(patient),
        {"target": "food", "unit": "binge_episodes", "code": "F50.81"},
        content_type="application/json",
    )

    assert response.status_code == 400
    message = (
        "Food addiction has no ICD-10-CM code: leave the code empty (it is recorded as a "
        "behavioural target)."
    )
    assert response.json() == {
        "detail": message,
        "code": "invalid_input",
        "errors": [{"field": "code", "messages": [message]}],
    }
    assert not AddictionTarget.objects.exists()


def test_unknown_fields_and_unknown_targets_are_422(physician, patient, api_client_for):
    client = api_client_for(physician)

    extra = client.post(
        _targets_url(patient),
        {"target": "alcohol", "unit": "standard_drinks", "severity": "high"},
        content_type="application/json",
    )
    unknown = client.post(
        _targets_url(patient),
        {"target": "caffeine", "unit": "use_episodes"},
        content_type="application/json",
    )

    assert (extra.status_code, unknown.status_code) == (422, 422)
    assert "severity" in extra.json()["detail"]
    assert "target" in unknown.json()["detail"]
    assert not AddictionTarget.objects.exists()


def test_therapist_can_list_but_not_create(therapist, patient, target_factory, api_client_for):
    target_factory(patient=patient)
    client = api_client_for(therapist)

    listed = client.get(_targets_url(patient))
    created = client.post(
        _targets_url(patient),
        {"target": "cannabis", "unit": "use_episodes"},
        content_type="application/json",
    )

    assert (listed.status_code, listed.json()["count"]) == (200, 1)
    assert created.status_code == 403
    assert created.json()["code"] == "permission_denied"
    assert AddictionTarget.objects.count() == 1
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=therapist).count() == 1


def test_list_addiction_targets_is_paginated(physician, patient, target_factory, api_client_for):
    first = target_factory(patient=patient, target="alcohol")
    target_factory(patient=patient, target="gambling", kind="behavioural", unit="money_usd")

    body = api_client_for(physician).get(_targets_url(patient), {"limit": 1}).json()

    assert (body["count"], body["limit"], body["offset"]) == (2, 1, 0)
    assert [item["id"] for item in body["items"]] == [first.pk]


def test_end_addiction_target(nurse, patient, target_factory, api_client_for):
    target = target_factory(patient=patient)
    client = api_client_for(nurse)
    url = f"{_targets_url(patient)}/{target.pk}/end"

    ended = client.post(url, {"reason": "merged with another"}, content_type="application/json")
    again = client.post(url, {"reason": "again"}, content_type="application/json")

    assert ended.status_code == 200
    assert (ended.json()["is_active"], ended.json()["ended_reason"]) == (
        False,
        "merged with another",
    )
    assert again.status_code == 400
    assert again.json()["code"] == "conflict"
    target.refresh_from_db()
    assert target.ended_reason == "merged with another"


def test_end_with_an_empty_reason_is_refused(nurse, patient, target_factory, api_client_for):
    target = target_factory(patient=patient)

    response = api_client_for(nurse).post(
        f"{_targets_url(patient)}/{target.pk}/end", {"reason": ""}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "reason",
            "messages": [
                "Give a reason for ending this target, for example 'entered twice by mistake'."
            ],
        }
    ]
    target.refresh_from_db()
    assert target.is_active


def test_end_a_target_of_another_patient_is_404(
    nurse, patient, patient_factory, target_factory, api_client_for
):
    other = target_factory(patient=patient_factory(site=patient.site))

    response = api_client_for(nurse).post(
        f"{_targets_url(patient)}/{other.pk}/end", {"reason": "x"}, content_type="application/json"
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_create_measurement_and_list_newest_first(nurse, patient, api_client_for):
    client = api_client_for(nurse)

    created = client.post(
        _measurements_url(patient),
        {"measured_at": "2026-01-10T08:15:00-05:00", "weight_kg": "81.35", "height_cm": 178.5},
        content_type="application/json",
    )
    client.post(
        _measurements_url(patient),
        {"measured_at": "2026-01-20T08:15:00-05:00", "weight_kg": 80},
        content_type="application/json",
    )
    listed = client.get(_measurements_url(patient))

    assert created.status_code == 201
    assert (created.json()["weight_kg"], created.json()["height_cm"]) == ("81.35", "178.5")
    assert created.json()["measured_at"] == "2026-01-10T08:15:00-05:00"
    body = listed.json()
    assert body["items"][1]["measured_at"] == "2026-01-10T13:15:00Z"
    assert body["count"] == 2
    assert [item["weight_kg"] for item in body["items"]] == ["80.00", "81.35"]
    assert body["items"][0]["recorded_by"] == "nurse"


def test_measurement_out_of_range_is_400_and_nothing_saved(nurse, patient, api_client_for):
    response = api_client_for(nurse).post(
        _measurements_url(patient),
        {"measured_at": timezone.now().isoformat(), "weight_kg": 15},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "weight_kg",
            "messages": [
                "Weight must be between 20 and 400 kg: check the reading and that it is in "
                "kilograms, not pounds."
            ],
        }
    ]
    assert not BodyMeasurement.objects.exists()


def test_measurement_without_offset_is_refused(nurse, patient, api_client_for):
    response = api_client_for(nurse).post(
        _measurements_url(patient),
        {"measured_at": "2026-01-10T08:15:00", "weight_kg": 70},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Give the time with its UTC offset")
    assert not BodyMeasurement.objects.exists()


def test_west_hartford_staff_get_404_on_every_endpoint_and_each_denial_is_audited(
    wh_nurse, patient, target_factory, api_client_for
):
    target = target_factory(patient=patient)
    client = api_client_for(wh_nurse)
    json = "application/json"

    responses = [
        client.get(_targets_url(patient)),
        client.post(_targets_url(patient), {"target": "cannabis", "unit": "use_episodes"}, json),
        client.post(f"{_targets_url(patient)}/{target.pk}/end", {"reason": "x"}, json),
        client.get(_measurements_url(patient)),
        client.post(
            _measurements_url(patient),
            {"measured_at": timezone.now().isoformat(), "weight_kg": 70},
            json,
        ),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert all(
        r.json() == {"detail": "No patient with that id at your sites.", "code": "not_found"}
        for r in responses
    )
    denials = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=wh_nurse)
    assert list(denials.order_by("id").values_list("patient_id", "target_type", "outcome")) == [
        (patient.pk, "addiction_target", Outcome.DENIED),
        (patient.pk, "addiction_target", Outcome.DENIED),
        (patient.pk, "addiction_target", Outcome.DENIED),
        (patient.pk, "body_measurement", Outcome.DENIED),
        (patient.pk, "body_measurement", Outcome.DENIED),
    ]
    assert AddictionTarget.objects.count() == 1
    assert AddictionTarget.objects.get().is_active
    assert not BodyMeasurement.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def _count_queries(client, url: str, expected_items: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url, {"limit": 50}).json()
    assert len(body["items"]) == expected_items
    return len(queries)


def test_list_endpoints_run_the_same_number_of_queries_for_1_and_10_rows(
    nurse, patient, target_factory, measurement_factory, api_client_for
):
    client = api_client_for(nurse)
    target_factory(patient=patient, label="0")
    measurement_factory(patient=patient)
    one = (
        _count_queries(client, _targets_url(patient), 1),
        _count_queries(client, _measurements_url(patient), 1),
    )

    for index in range(1, 10):
        target_factory(patient=patient, label=str(index))
        measurement_factory(patient=patient, measured_at=timezone.now() - dt.timedelta(days=index))
    ten = (
        _count_queries(client, _targets_url(patient), 10),
        _count_queries(client, _measurements_url(patient), 10),
    )

    assert one == ten


def test_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert set(paths["/api/v1/patients/{patient_id}/addiction-targets"]) == {"get", "post"}
    assert set(paths["/api/v1/patients/{patient_id}/measurements"]) == {"get", "post"}
    assert "post" in paths["/api/v1/patients/{patient_id}/addiction-targets/{target_id}/end"]


def test_weight_is_returned_as_an_exact_decimal_string(
    nurse, patient, measurement_factory, api_client_for
):
    measurement_factory(patient=patient, weight_kg=Decimal("72.05"))

    body = api_client_for(nurse).get(_measurements_url(patient)).json()

    assert body["items"][0]["weight_kg"] == "72.05"

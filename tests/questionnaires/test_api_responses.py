from __future__ import annotations

from collections.abc import Mapping

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.questionnaires.models import QuestionnaireResponse, SafetyAlert
from ketaclinic.questionnaires.services import instrument_site_setting_set
from tests.questionnaires.factories import PHQ9_ITEM9, PHQ9_MODERATE, submit
from tests.questionnaires.helpers import answers_for

JSON = "application/json"


def _post(client, url: str, body: Mapping[str, object]):
    return client.post(url, body, content_type=JSON)


def test_submit_returns_the_stored_response_with_its_score(nurse, patient, api_client_for):
    response = _post(
        api_client_for(nurse),
        f"/api/v1/patients/{patient.pk}/responses",
        {"instrument": "phq9", "answers": answers_for("phq9", PHQ9_ITEM9)},
    )

    assert response.status_code == 201
    body = response.json()
    stored = QuestionnaireResponse.objects.get()
    alert = SafetyAlert.objects.get()
    assert body["id"] == stored.pk
    assert (body["instrument"], body["version"], body["source"], body["entered_by"]) == (
        "phq9",
        "1.0",
        "api",
        "nurse",
    )
    assert body["answers"] == answers_for("phq9", PHQ9_ITEM9)
    assert body["score"] | {"interpretation": ""} == {
        "total": 10,
        "total_percent_of_max": 37.04,
        "band": {"code": "moderate", "label": "Moderate depression"},
        "risk_level": None,
        "flags": ["suicide_risk"],
        "subscales": {},
        "interpretation": "",
    }
    assert (body["supersedes"], body["is_superseded"]) == (None, False)
    assert [(a["id"], a["code"], a["level"]) for a in body["safety_alerts"]] == [
        (alert.pk, "suicide_risk", "same_day")
    ]


def test_submit_accepts_item_numbers_like_the_scoring_endpoint(nurse, patient, api_client_for):
    answers = {str(n): v for n, v in enumerate(PHQ9_MODERATE, start=1)}

    response = _post(
        api_client_for(nurse),
        f"/api/v1/patients/{patient.pk}/responses",
        {"instrument": "phq9", "answers": answers},
    )

    assert (response.status_code, response.json()["score"]["total"]) == (201, 10)


def test_a_missing_item_is_a_400_naming_it_and_nothing_is_stored(nurse, patient, api_client_for):
    answers = answers_for("phq9", PHQ9_MODERATE)
    del answers["phq9_9"]

    response = _post(
        api_client_for(nurse),
        f"/api/v1/patients/{patient.pk}/responses",
        {"instrument": "phq9", "answers": answers},
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Not answered: item 9 (phq9_9). Answer every item, then save again. "
        "Nothing was stored.",
        "code": "invalid_input",
        "errors": [{"field": "phq9_9", "messages": ["Answer this item."]}],
    }
    assert not QuestionnaireResponse.objects.exists()
    assert not AuditEvent.objects.filter(
        target_type="questionnaire_response", action=Action.CREATE
    ).exists()


def test_unknown_fields_are_refused(nurse, patient, api_client_for):
    response = _post(
        api_client_for(nurse),
        f"/api/v1/patients/{patient.pk}/responses",
        {"instrument": "phq9", "answers": {}, "score": 3},
    )

    assert response.status_code == 422
    assert not QuestionnaireResponse.objects.exists()


def test_a_correction_through_the_api_supersedes(nurse, patient, api_client_for):
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    client = api_client_for(nurse)

    response = _post(
        client,
        f"/api/v1/patients/{patient.pk}/responses",
        {
            "instrument": "phq9",
            "answers": answers_for("phq9", [0] * 9),
            "supersedes": original.pk,
            "correction_reason": "entered for the wrong day",
        },
    )
    listed = client.get(f"/api/v1/patients/{patient.pk}/responses").json()

    assert response.status_code == 201
    # The correction keeps the original's completion time; the newer id lists first.
    assert [(r["id"], r["is_superseded"], r["supersedes"]) for r in listed["items"]] == [
        (response.json()["id"], False, original.pk),
        (original.pk, True, None),
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/patients/{pk}/responses"),
        ("post", "/api/v1/patients/{pk}/responses"),
        ("get", "/api/v1/patients/{pk}/responses/{rid}/fhir"),
        ("post", "/api/v1/patients/{pk}/questionnaire-responses"),
    ],
)
def test_west_hartford_staff_get_404_for_a_boston_patient_audited(
    nurse, wh_therapist, patient, api_client_for, method, path
):
    stored = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    before = QuestionnaireResponse.objects.count()
    url = path.format(pk=patient.pk, rid=stored.pk)
    body = {"instrument": "phq9", "answers": answers_for("phq9", PHQ9_MODERATE)}
    if "questionnaire-responses" in path:
        body = {"resourceType": "QuestionnaireResponse", "status": "completed"}

    client = api_client_for(wh_therapist)
    response = client.get(url) if method == "get" else _post(client, url, body)

    assert (response.status_code, response.json()["detail"]) == (
        404,
        "No patient with that id at your sites.",
    )
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.outcome) == (
        wh_therapist,
        patient.pk,
        Outcome.DENIED,
    )
    assert QuestionnaireResponse.objects.count() == before


def test_list_is_paginated_newest_first_filters_and_audits_the_read(nurse, patient, api_client_for):
    first = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    second = submit(nurse, patient, "gad7", [1] * 7)
    client = api_client_for(nurse)

    page = client.get(f"/api/v1/patients/{patient.pk}/responses", {"limit": 1, "offset": 1}).json()
    only_gad7 = client.get(f"/api/v1/patients/{patient.pk}/responses", {"instrument": "gad7"})

    assert (page["count"], page["limit"], page["offset"]) == (2, 1, 1)
    assert [r["id"] for r in page["items"]] == [first.pk]
    assert [r["id"] for r in only_gad7.json()["items"]] == [second.pk]
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="questionnaire_response")
    assert list(reads.values_list("patient_id", flat=True)) == [patient.pk, patient.pk]


def test_list_runs_the_same_number_of_queries_for_1_and_20_responses(
    nurse, patient, api_client_for
):
    client = api_client_for(nurse)
    url = f"/api/v1/patients/{patient.pk}/responses"
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url, {"limit": 50}).json()["items"]) == 1
    for code, values in [("phq9", PHQ9_ITEM9), ("meq30", [2] * 30)] * 5 + [("gad7", [0] * 7)] * 9:
        submit(nurse, patient, code, values)
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get(url, {"limit": 50}).json()["items"]) == 20

    assert len(one) == len(twenty)


def test_safety_alerts_lists_open_alerts_at_your_sites_most_urgent_first(
    nurse, physician, patient, wh_patient, make_user, west_hartford, api_client_for
):
    from ketaclinic.accounts.roles import Role

    same_day = submit(nurse, patient, "phq9", PHQ9_ITEM9).safety_alerts.get()
    immediate = submit(
        nurse,
        patient,
        "cssrs_screen",
        {"cssrs_1": 1, "cssrs_2": 0, "cssrs_6": 1},
    ).safety_alerts.get()
    wh_nurse = make_user(Role.NURSE, west_hartford)
    submit(wh_nurse, wh_patient, "phq9", PHQ9_ITEM9)

    body = api_client_for(physician).get("/api/v1/safety-alerts").json()

    assert body["count"] == 2
    assert [(a["id"], a["level"]) for a in body["items"]] == [
        (immediate.pk, "immediate"),
        (same_day.pk, "same_day"),
    ]
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="safety_alert_list")
    assert list(reads.values_list("patient_id", flat=True)) == [patient.pk]


def test_safety_alert_list_query_count_is_the_same_for_1_and_10_alerts(
    nurse, physician, boston, patient_factory, api_client_for
):
    client = api_client_for(physician)
    submit(nurse, patient_factory(site=boston), "phq9", PHQ9_ITEM9)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/safety-alerts").json()["count"] == 1
    for _ in range(9):
        submit(nurse, patient_factory(site=boston), "phq9", PHQ9_ITEM9)
    with CaptureQueriesContext(connection) as ten:
        assert client.get("/api/v1/safety-alerts").json()["count"] == 10

    assert len(one) == len(ten)


def test_acknowledge_endpoint_records_the_action_and_refuses_an_empty_one(
    nurse, physician, patient, api_client_for
):
    alert = submit(nurse, patient, "phq9", PHQ9_ITEM9).safety_alerts.get()
    client = api_client_for(physician)
    url = f"/api/v1/safety-alerts/{alert.pk}/acknowledge"

    empty = _post(client, url, {"action_taken": " "})
    done = _post(client, url, {"action_taken": "Phoned the patient; no intent; plan agreed."})

    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "action_taken"
    assert done.status_code == 200
    assert (done.json()["acknowledged_by"], done.json()["action_taken"]) == (
        "physician",
        "Phoned the patient; no intent; plan agreed.",
    )
    assert client.get("/api/v1/safety-alerts").json()["count"] == 0
    assert AuditEvent.objects.filter(action=Action.UPDATE, target_type="safety_alert").count() == 1


def test_acknowledging_an_alert_at_another_site_is_404_and_audited(
    nurse, wh_therapist, patient, api_client_for
):
    alert = submit(nurse, patient, "phq9", PHQ9_ITEM9).safety_alerts.get()

    response = _post(
        api_client_for(wh_therapist),
        f"/api/v1/safety-alerts/{alert.pk}/acknowledge",
        {"action_taken": "Saw it"},
    )

    assert response.status_code == 404
    assert AuditEvent.objects.get(action=Action.ACCESS_DENIED).actor == wh_therapist
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_instrument_fhir_endpoint_returns_a_valid_questionnaire(nurse, api_client_for):
    response = api_client_for(nurse).get("/api/v1/instruments/gad7/fhir")

    assert (response.status_code, response["Content-Type"]) == (200, "application/fhir+json")
    Questionnaire.model_validate(response.json())
    assert response.json()["code"][0]["code"] == "69737-5"


def test_response_fhir_endpoint_returns_a_valid_bundle(nurse, patient, api_client_for):
    stored = submit(nurse, patient, "phq9", PHQ9_MODERATE)

    response = api_client_for(nurse).get(
        f"/api/v1/patients/{patient.pk}/responses/{stored.pk}/fhir"
    )

    assert response.status_code == 200
    Bundle.model_validate(response.json())
    assert [e["resource"]["resourceType"] for e in response.json()["entry"]] == [
        "QuestionnaireResponse",
        "Observation",
    ]


def test_fhir_round_trip_export_then_import_stores_the_same_answers(
    nurse, patient, patient_factory, boston, api_client_for
):
    """Given a response exported as FHIR, when posted for another patient, then the same
    answers and score are stored with source fhir."""
    client = api_client_for(nurse)
    stored = submit(nurse, patient, "phq9", PHQ9_ITEM9)
    exported = client.get(f"/api/v1/patients/{patient.pk}/responses/{stored.pk}/fhir").json()
    other = patient_factory(site=boston)
    resource = exported["entry"][0]["resource"] | {"subject": {"reference": f"Patient/{other.pk}"}}
    del resource["id"]

    response = _post(client, f"/api/v1/patients/{other.pk}/questionnaire-responses", resource)

    assert response.status_code == 201
    body = response.json()
    assert (body["answers"], body["source"], body["score"]["total"]) == (
        stored.answers,
        "fhir",
        10,
    )
    assert body["completed_at"].startswith(stored.completed_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert SafetyAlert.objects.filter(patient=other).count() == 1


def test_fhir_post_for_an_unknown_questionnaire_is_a_clear_400(nurse, patient, api_client_for):
    response = _post(
        api_client_for(nurse),
        f"/api/v1/patients/{patient.pk}/questionnaire-responses",
        {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": "http://example.org/Questionnaire/bdi-ii",
            "status": "completed",
        },
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "Unknown questionnaire 'http://example.org/Questionnaire/bdi-ii'"
    )
    assert not QuestionnaireResponse.objects.exists()


def test_a_disabled_instrument_is_refused_for_storage_but_still_scored_statelessly(
    nurse, clinic_admin, patient, boston, api_client_for
):
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="gad7", enabled=False
    )
    client = api_client_for(nurse)
    answers = answers_for("gad7", [1] * 7)

    stored = _post(
        client,
        f"/api/v1/patients/{patient.pk}/responses",
        {"instrument": "gad7", "answers": answers},
    )
    scored = _post(client, "/api/v1/instruments/gad7/score", {"answers": answers})

    assert stored.status_code == 400
    assert "GAD-7 is switched off at Boston, MA" in stored.json()["detail"]
    assert (scored.status_code, scored.json()["total"]) == (200, 7)
    assert not QuestionnaireResponse.objects.exists()

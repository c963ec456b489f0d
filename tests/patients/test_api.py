from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketaclinic.accounts.services import api_token_revoke
from ketaclinic.audit.models import Action, AuditEvent, Outcome


def test_list_returns_only_own_site_patients_with_paging_fields(
    physician, boston, west_hartford, patient_factory, api_client_for
):
    mine = patient_factory(site=boston, last_name="Alderwood", mrn="BOS000001")
    patient_factory(site=west_hartford, last_name="Birchfield")

    response = api_client_for(physician).get("/api/v1/patients")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (1, 25, 0)
    assert body["items"] == [
        {
            "id": mine.pk,
            "site": "boston",
            "mrn": "BOS000001",
            "first_name": mine.first_name,
            "last_name": "Alderwood",
            "preferred_name": "",
            "date_of_birth": "1980-05-17",
            "sex": "female",
            "phone": "(617) 555-0100",
            "email": mine.email,
        }
    ]
    reads = AuditEvent.objects.filter(action=Action.READ)
    assert list(reads.values_list("patient_id", "target_type")) == [(mine.pk, "patient_list")]


def test_list_search_limit_and_offset(physician, boston, patient_factory, api_client_for):
    for name in ["Aspen", "Alder", "Birch"]:
        patient_factory(site=boston, last_name=name)
    client = api_client_for(physician)

    searched = client.get("/api/v1/patients", {"q": "a"}).json()
    paged = client.get("/api/v1/patients", {"limit": 1, "offset": 1}).json()

    assert [p["last_name"] for p in searched["items"]] == ["Alder", "Aspen"]
    assert (paged["count"], [p["last_name"] for p in paged["items"]]) == (3, ["Aspen"])


def test_unknown_query_parameter_is_rejected_with_json_error(physician, api_client_for):
    response = api_client_for(physician).get("/api/v1/patients", {"name": "x"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unknown query parameter(s): name. Allowed: limit, offset, q.",
        "code": "invalid_input",
    }
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def test_out_of_range_limit_is_a_422_naming_the_field(physician, api_client_for):
    response = api_client_for(physician).get("/api/v1/patients", {"limit": 500})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["detail"].startswith("Invalid input: limit: ")


def test_missing_or_revoked_token_is_401(physician, api_client_for):
    client = api_client_for(physician)
    token = physician.api_tokens.get()
    api_token_revoke(actor=physician, token_id=token.pk)

    revoked = client.get("/api/v1/patients")
    anonymous = Client().get("/api/v1/patients")

    assert (revoked.status_code, anonymous.status_code) == (401, 401)
    assert anonymous.json()["code"] == "not_authenticated"
    denials = AuditEvent.objects.filter(action=Action.ACCESS_DENIED).order_by("id")
    assert list(denials.values_list("target_id", "detail", "outcome")) == [
        ("/api/v1/patients", "invalid or revoked token", Outcome.DENIED),
        ("/api/v1/patients", "no token", Outcome.DENIED),
    ]
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def test_get_patient_at_another_site_is_404_and_denial_is_audited(
    wh_therapist, boston, patient_factory, api_client_for
):
    patient = patient_factory(site=boston)

    response = api_client_for(wh_therapist).get(f"/api/v1/patients/{patient.pk}")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No patient with that id at your sites.",
        "code": "not_found",
    }
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor_username, denial.patient_id, denial.outcome) == (
        "wh-therapist",
        patient.pk,
        Outcome.DENIED,
    )


def test_get_patient_returns_it_and_audits_the_read(
    physician, boston, patient_factory, api_client_for
):
    patient = patient_factory(site=boston, mrn="BOS000042")

    response = api_client_for(physician).get(f"/api/v1/patients/{patient.pk}")

    assert (response.status_code, response.json()["mrn"]) == (200, "BOS000042")
    event = AuditEvent.objects.get(action=Action.READ)
    assert (event.patient_id, event.target_type, event.request_id != "") == (
        patient.pk,
        "patient",
        True,
    )


def test_list_runs_the_same_number_of_queries_for_1_and_50_patients(
    physician, boston, patient_factory, api_client_for
):
    client = api_client_for(physician)
    patient_factory(site=boston)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/patients", {"limit": 50}).json()["items"]) == 1
    patient_factory.create_batch(49, site=boston)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get("/api/v1/patients", {"limit": 50}).json()["items"]) == 50

    assert len(one) == len(fifty)


def test_openapi_schema_and_docs_are_served_without_external_assets(client):
    schema = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert {"/api/v1/patients", "/api/v1/patients/{patient_id}"} <= set(schema.json()["paths"])
    assert docs.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content
    assert b"https://" not in docs.content

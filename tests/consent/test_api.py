from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.consent.models import PatientConsent
from tests.consent.factories import PART2_FIELDS, sign_treatment


def _url(patient, suffix: str = "") -> str:
    return f"/api/v1/patients/{patient.pk}/consents{suffix}"


def _post(client, url: str, body: dict[str, object]):
    return client.post(url, json.dumps(body), content_type="application/json")


def _part2(**changes) -> dict[str, object]:
    return {
        "kind": "part2_disclosure",
        **PART2_FIELDS,
        "signature_name": "Avery Testpatient",
        "witnessed": True,
        **changes,
    }


def test_sign_a_treatment_consent_returns_201_with_its_status(
    physician, patient, shipped_treatment, api_client_for
):
    response = _post(
        api_client_for(physician),
        _url(patient),
        {"kind": "treatment_ketamine", "signature_name": "Avery Testpatient", "witnessed": True},
    )

    assert response.status_code == 201
    body = response.json()
    consent = PatientConsent.objects.get()
    assert {k: body[k] for k in ("id", "kind", "status", "template_id", "template_version")} == {
        "id": consent.pk,
        "kind": "treatment_ketamine",
        "status": "valid",
        "template_id": shipped_treatment.pk,
        "template_version": 1,
    }
    assert (body["witnessed_by"], body["signed_via"], body["patient_name"]) == (
        "physician",
        "witnessed",
        "Avery Testpatient",
    )


def test_sign_a_part2_consent_with_the_all_tpo_class(physician, patient, api_client_for):
    response = _post(
        api_client_for(physician), _url(patient), _part2(recipients="", recipients_all_tpo=True)
    )

    assert response.status_code == 201
    assert response.json()["recipients_all_tpo"] is True
    assert response.json()["revocation_statement"] == PART2_FIELDS["revocation_statement"]


def test_part2_consent_missing_purpose_and_recipients_is_400_and_saves_nothing(
    physician, patient, api_client_for
):
    response = _post(api_client_for(physician), _url(patient), _part2(purpose="", recipients=""))

    assert response.status_code == 400
    assert response.json() == {
        "detail": (
            "Cannot save this consent: Recipients are missing: name who may receive the "
            "information (a person, an organisation or a class of recipients), or tick 'All "
            "future treatment, payment and health care operations uses'. Purpose is missing: "
            "state why the information is disclosed."
        ),
        "code": "invalid_input",
        "errors": [
            {
                "field": "recipients",
                "messages": [
                    "Recipients are missing: name who may receive the information (a person, "
                    "an organisation or a class of recipients), or tick 'All future treatment, "
                    "payment and health care operations uses'."
                ],
            },
            {
                "field": "purpose",
                "messages": ["Purpose is missing: state why the information is disclosed."],
            },
        ],
    }
    assert not PatientConsent.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE, target_type="patient_consent")


def test_unknown_fields_are_refused(physician, patient, api_client_for):
    response = _post(api_client_for(physician), _url(patient), _part2(notes="x"))

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert not PatientConsent.objects.exists()


def test_list_shows_consents_with_status_and_paging_and_audits_the_read(
    physician, patient, api_client_for
):
    consent = sign_treatment(actor=physician, patient=patient)

    response = api_client_for(physician).get(_url(patient), {"limit": 10})

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (1, 10, 0)
    assert [(item["id"], item["status"]) for item in body["items"]] == [(consent.pk, "valid")]
    read = AuditEvent.objects.get(action=Action.READ)
    assert (read.patient_id, read.target_type) == (patient.pk, "patient_consents")


def test_revoke_returns_the_revoked_consent(physician, patient, api_client_for):
    consent = sign_treatment(actor=physician, patient=patient)

    response = _post(
        api_client_for(physician),
        _url(patient, f"/{consent.pk}/revoke"),
        {"reason": "Patient wrote to withdraw.", "received_via": "in_writing"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["revoked_by"], body["revocation_received_via"]) == (
        "revoked",
        "physician",
        "in_writing",
    )


def test_revoke_without_reason_is_400_and_changes_nothing(physician, patient, api_client_for):
    consent = sign_treatment(actor=physician, patient=patient)

    response = _post(
        api_client_for(physician), _url(patient, f"/{consent.pk}/revoke"), {"reason": ""}
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Reason is missing")
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_consent_templates_list_for_staff(frontdesk, api_client_for):
    response = api_client_for(frontdesk).get("/api/v1/consent-templates", {"status": "active"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert {(t["kind"], t["version"], t["site"]) for t in body["items"]} == {
        ("treatment_ketamine", 1, None),
        ("part2_disclosure", 1, None),
        ("counselling_notes_part2", 1, None),
    }


def test_consent_templates_are_refused_to_roles_without_consent_work(make_user, api_client_for):
    from ketaclinic.accounts.roles import Role

    researcher = make_user(Role.RESEARCHER, username="researcher")

    response = api_client_for(researcher).get("/api/v1/consent-templates")

    assert response.status_code == 403
    denial = AuditEvent.objects.get(actor=researcher, action=Action.ACCESS_DENIED)
    assert denial.detail == "missing permission consent.record"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "", {"kind": "treatment_ketamine", "signature_name": "A", "witnessed": True}),
        ("post", "/{consent}/revoke", {"reason": "x"}),
    ],
)
def test_west_hartford_staff_get_404_on_every_endpoint_and_it_is_audited(
    physician, wh_therapist, patient, api_client_for, method, suffix, body
):
    consent = sign_treatment(actor=physician, patient=patient)
    client = api_client_for(wh_therapist)
    url = _url(patient, suffix.format(consent=consent.pk))

    response = client.get(url) if method == "get" else _post(client, url, body or {})

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No patient with that id at your sites.",
        "code": "not_found",
    }
    denial = AuditEvent.objects.get(actor=wh_therapist, action=Action.ACCESS_DENIED)
    assert (denial.patient_id, denial.detail, denial.outcome) == (
        patient.pk,
        "outside user's sites",
        Outcome.DENIED,
    )
    consent.refresh_from_db()
    assert (PatientConsent.objects.count(), consent.revoked_at) == (1, None)


def test_list_runs_the_same_number_of_queries_for_1_and_30_consents(
    physician, patient, consent_factory, api_client_for
):
    client = api_client_for(physician)
    consent_factory(patient=patient)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(_url(patient), {"limit": 50}).json()["items"]) == 1
    consent_factory.create_batch(29, patient=patient)
    with CaptureQueriesContext(connection) as thirty:
        assert len(client.get(_url(patient), {"limit": 50}).json()["items"]) == 30

    assert len(one) == len(thirty)


def test_consent_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {
        "/api/v1/patients/{patient_id}/consents",
        "/api/v1/patients/{patient_id}/consents/{consent_id}/revoke",
        "/api/v1/consent-templates",
    } <= set(paths)


def test_template_list_runs_the_same_number_of_queries_for_few_and_many(
    frontdesk, boston, template_factory, api_client_for
):
    client = api_client_for(frontdesk)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/consent-templates", {"limit": 50}).json()["count"] == 3
    template_factory.create_batch(20, site=boston)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/consent-templates", {"limit": 50}).json()["count"] == 23

    assert len(few) == len(many)

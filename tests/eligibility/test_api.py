from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.eligibility.choices import AsamLevel
from ketaclinic.eligibility.models import (
    ContraindicationScreen,
    EligibilityDecision,
    LevelOfCareAssessment,
    Referral,
    RiskBenefitAssessment,
)
from ketaclinic.eligibility.selectors import active_definitions
from ketaclinic.eligibility.services import referral_create

KEYS = [
    "intoxication_withdrawal",
    "biomedical",
    "emotional_behavioural",
    "readiness_to_change",
    "relapse_potential",
    "recovery_environment",
]


def _answers(present=()):
    return [
        {"code": d.code, "answer": "present" if d.code in present else "absent"}
        for d in active_definitions()
    ]


def _level(values, decided, reason=""):
    body = {key: {"rating": v, "note": ""} for key, v in zip(KEYS, values, strict=True)}
    return body | {"decided_level": decided, "disagreement_reason": reason}


RISK_BODY = {
    "prior_ketamine_use": "recent",
    "family_history": "one_first_degree",
    "peers_who_use": True,
    "current_substances": ["dissociatives"],
    "benefits_discussed": "Craving relief.",
    "monitoring_plan": "Drug screen before each infusion.",
}


def test_get_eligibility_of_a_new_patient_is_empty_and_audited(physician, patient, api_client_for):
    response = api_client_for(physician).get(f"/api/v1/patients/{patient.pk}/eligibility")

    assert response.status_code == 200
    assert response.json() == {
        "patient_id": patient.pk,
        "screen": None,
        "decision": None,
        "decision_is_outdated": False,
        "risk_benefit": None,
        "level_of_care": None,
        "referrals": [],
    }
    read = AuditEvent.objects.get(action=Action.READ)
    assert (read.target_type, read.patient_id) == ("eligibility", patient.pk)


def test_post_screen_then_decision_then_get_shows_them(physician, patient, api_client_for):
    client = api_client_for(physician)

    screen = client.post(
        f"/api/v1/patients/{patient.pk}/contraindication-screens",
        {"answers": _answers(present=["psychosis"])},
        content_type="application/json",
    )
    decision = client.post(
        f"/api/v1/patients/{patient.pk}/eligibility-decisions",
        {"outcome": "eligible_with_conditions", "reasoning": "OK.", "conditions": "No driving."},
        content_type="application/json",
    )
    body = client.get(f"/api/v1/patients/{patient.pk}/eligibility").json()

    assert screen.status_code == 201
    assert screen.json()["relative_present"] == ["psychosis"]
    assert len(screen.json()["answers"]) == 17
    assert screen.json()["answers"][0] == {
        "code": "aneurysm_avm",
        "label": "Aneurysmal vascular disease or arteriovenous malformation",
        "klass": "absolute",
        "answer": "absent",
        "note": "",
    }
    assert decision.status_code == 201
    assert (decision.json()["version"], decision.json()["relative_codes"]) == (1, ["psychosis"])
    assert body["decision"]["outcome"] == "eligible_with_conditions"
    assert body["screen"]["is_complete"] is True


def test_post_screen_with_missing_answers_is_400_and_saves_nothing(
    physician, patient, api_client_for
):
    response = api_client_for(physician).post(
        f"/api/v1/patients/{patient.pk}/contraindication-screens",
        {"answers": _answers()[:-1]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "maoi_use", "messages": ["Answer this item."]}]
    assert ContraindicationScreen.objects.count() == 0


def test_unknown_fields_are_refused(physician, patient, api_client_for):
    response = api_client_for(physician).post(
        f"/api/v1/patients/{patient.pk}/eligibility-decisions",
        {"outcome": "eligible", "reasoning": "x", "force": True},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_eligible_over_an_absolute_contraindication_without_override_is_400(
    physician, patient, api_client_for, record_screen
):
    """The JSON error names the contraindication and the fix; nothing is saved."""
    record_screen(patient, present=["aneurysm_avm"])
    client = api_client_for(physician)
    events_before = AuditEvent.objects.count()

    response = client.post(
        f"/api/v1/patients/{patient.pk}/eligibility-decisions",
        {"outcome": "eligible", "reasoning": "Wants treatment."},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Absolute contraindication present: Aneurysmal vascular disease or "
        "arteriovenous malformation (aneurysm_avm). The patient cannot be recorded as eligible "
        "without an override: write an override reason, or decide not eligible or refer "
        "elsewhere.",
        "code": "invalid_input",
        "errors": [{"field": "override_reason", "messages": ["An override reason is required."]}],
    }
    assert EligibilityDecision.objects.count() == 0
    # Only the read of the patient was written: no decision, no override event.
    new = AuditEvent.objects.order_by("id")[events_before:]
    assert [(e.action, e.target_type) for e in new] == [("read", "eligibility_decision")]


def test_eligible_with_an_override_reason_is_201_and_audited(
    physician, patient, api_client_for, record_screen
):
    record_screen(patient, present=["aneurysm_avm"])

    response = api_client_for(physician).post(
        f"/api/v1/patients/{patient.pk}/eligibility-decisions",
        {"outcome": "eligible", "reasoning": "Reviewed.", "override_reason": "Repaired in 2019."},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["absolute_codes"] == ["aneurysm_avm"]
    assert AuditEvent.objects.get(target_type="eligibility_override").detail == (
        "absolute contraindication override: aneurysm_avm"
    )


def test_a_nurse_cannot_decide_eligibility_via_the_api(
    nurse, patient, api_client_for, record_screen
):
    record_screen(patient)

    response = api_client_for(nurse).post(
        f"/api/v1/patients/{patient.pk}/eligibility-decisions",
        {"outcome": "eligible", "reasoning": "x"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only a physician can decide eligibility. Ask the patient's physician.",
        "code": "permission_denied",
    }
    assert EligibilityDecision.objects.count() == 0
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.detail) == (nurse, "missing permission eligibility.decide")


def test_risk_benefit_is_recorded_with_its_rule_and_then_signed(physician, patient, api_client_for):
    client = api_client_for(physician)

    created = client.post(
        f"/api/v1/patients/{patient.pk}/risk-benefit-assessments",
        RISK_BODY,
        content_type="application/json",
    )
    aid = created.json()["id"]
    signed = client.post(
        f"/api/v1/patients/{patient.pk}/risk-benefit-assessments/{aid}/sign",
        {"signature_name": physician.get_full_name(), "patient_name": "Ann Alderwood"},
        content_type="application/json",
    )
    again = client.post(
        f"/api/v1/patients/{patient.pk}/risk-benefit-assessments/{aid}/sign",
        {"signature_name": physician.get_full_name(), "patient_name": "Ann Alderwood"},
        content_type="application/json",
    )

    assert created.status_code == 201
    body = created.json()
    assert (body["risk_level"], body["rule_code"], body["is_signed"]) == (
        "high",
        "example-v1",
        False,
    )
    assert body["derivation"] == "Derived by rule 'example-v1': 4 risk factors -> high"
    assert body["risk_factors"] == [
        "prior_ketamine_recent",
        "family_history_one_first_degree",
        "peers_who_use",
        "current_dissociative_use",
    ]
    assert signed.status_code == 200
    assert (signed.json()["is_signed"], signed.json()["witnessed_by"]) == (True, "physician")
    assert again.status_code == 400
    assert RiskBenefitAssessment.objects.get().is_signed


def test_level_of_care_and_referral_endpoints(physician, patient, api_client_for):
    client = api_client_for(physician)

    refused = client.post(
        f"/api/v1/patients/{patient.pk}/level-of-care-assessments",
        _level((0, 4, 0, 0, 0, 0), "2.1"),
        content_type="application/json",
    )
    created = client.post(
        f"/api/v1/patients/{patient.pk}/level-of-care-assessments",
        _level((0, 4, 0, 0, 0, 0), "2.1", reason="Medical team on site daily."),
        content_type="application/json",
    )
    referral = client.post(
        f"/api/v1/patients/{patient.pk}/referrals",
        {
            "destination": "Example Hospital",
            "referred_on": "2026-04-01",
            "assessment_id": created.json()["id"],
        },
        content_type="application/json",
    )

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"field": "disagreement_reason", "messages": ["Say why you chose a different level."]}
    ]
    assert created.status_code == 201
    body = created.json()
    assert (body["recommended_levels"], body["refer_inpatient_recommended"]) == (["3.7", "4"], True)
    assert body["dimensions"][1] == {"dimension": "biomedical", "rating": 4, "note": ""}
    assert LevelOfCareAssessment.objects.count() == 1
    assert referral.status_code == 201
    assert (referral.json()["status"], referral.json()["destination"]) == (
        "planned",
        "Example Hospital",
    )


def test_get_eligibility_query_count_does_not_grow_with_referrals(
    physician, patient, api_client_for, record_screen, assess_level
):
    client = api_client_for(physician)
    record_screen(patient)
    assess_level(patient, (4, 0, 0, 0, 0, 0), AsamLevel.MEDICALLY_MONITORED)
    url = f"/api/v1/patients/{patient.pk}/eligibility"

    def refer():
        referral_create(
            actor=physician, patient=patient, destination="Unit", referred_on=dt.date(2026, 1, 1)
        )

    refer()
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()["referrals"]) == 1
    for _ in range(4):
        refer()
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url).json()["referrals"]) == 5

    assert len(one) == len(five)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "eligibility", None),
        ("post", "contraindication-screens", {"answers": []}),
        ("post", "eligibility-decisions", {"outcome": "eligible", "reasoning": "x"}),
        ("post", "risk-benefit-assessments", RISK_BODY),
        (
            "post",
            "risk-benefit-assessments/{rb}/sign",
            {"signature_name": "a", "patient_name": "b"},
        ),
        ("post", "level-of-care-assessments", _level((0, 0, 0, 0, 0, 0), "0.5")),
        ("post", "referrals", {"destination": "X", "referred_on": "2026-01-01"}),
    ],
)
def test_west_hartford_staff_get_404_on_every_endpoint_and_it_is_audited(
    wh_physician, patient, api_client_for, record_risk_benefit, method, path, body
):
    rb = record_risk_benefit(patient)
    client = api_client_for(wh_physician)
    url = f"/api/v1/patients/{patient.pk}/" + path.format(rb=rb.pk)

    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, body, content_type="application/json")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No patient with that id at your sites.",
        "code": "not_found",
    }
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.outcome) == (
        wh_physician,
        patient.pk,
        Outcome.DENIED,
    )
    assert (RiskBenefitAssessment.objects.count(), Referral.objects.count()) == (1, 0)
    assert not RiskBenefitAssessment.objects.get().is_signed


def test_openapi_documents_every_eligibility_endpoint(client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])

    assert {
        "/api/v1/patients/{patient_id}/eligibility",
        "/api/v1/patients/{patient_id}/contraindication-screens",
        "/api/v1/patients/{patient_id}/eligibility-decisions",
        "/api/v1/patients/{patient_id}/risk-benefit-assessments",
        "/api/v1/patients/{patient_id}/risk-benefit-assessments/{assessment_id}/sign",
        "/api/v1/patients/{patient_id}/level-of-care-assessments",
        "/api/v1/patients/{patient_id}/referrals",
    } <= paths

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse

from ketaclinic.core.errors import ApplicationError
from ketaclinic.questionnaires.fhir import (
    parse_questionnaire_response,
    questionnaire_for,
    response_bundle,
)
from ketaclinic.questionnaires.models import Instrument
from ketaclinic.questionnaires.selectors import instruments_active
from tests.questionnaires.factories import PHQ9_ITEM9, PHQ9_MODERATE, submit
from tests.questionnaires.helpers import answers_for

PHQ9_URL = "http://ketaclinic.org/fhir/Questionnaire/phq9"


def _qr(**overrides: object) -> dict[str, object]:
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{PHQ9_URL}|1.0",
        "status": "completed",
        "authored": "2025-03-01T10:30:00-05:00",
        "item": [
            {"linkId": f"phq9_{n}", "answer": [{"valueCoding": {"code": str(v)}}]}
            for n, v in enumerate(PHQ9_MODERATE, start=1)
        ],
    }
    return resource | overrides


@pytest.mark.parametrize("code", ["phq9", "gad7", "audit", "meq30", "cssrs_screen", "craving"])
def test_every_definition_exports_as_a_valid_questionnaire(db, code):
    resource = questionnaire_for(Instrument.objects.get(code=code))

    parsed = Questionnaire.model_validate(resource)
    assert (parsed.version, parsed.status, resource["identifier"][0]["value"]) == (
        "1.0",
        "active",
        code,
    )


def test_phq9_questionnaire_carries_loinc_item_ids_and_answer_values(db):
    resource = questionnaire_for(Instrument.objects.get(code="phq9"))

    assert (resource["url"], resource["id"], resource["name"]) == (PHQ9_URL, "phq9", "PHQ9")
    assert resource["code"] == [
        {"system": "http://loinc.org", "code": "44249-1", "display": "PHQ-9"}
    ]
    assert [item["linkId"] for item in resource["item"]] == [f"phq9_{n}" for n in range(1, 10)]
    assert resource["item"][0]["answerOption"] == [
        {"valueCoding": {"code": "0", "display": "Not at all"}},
        {"valueCoding": {"code": "1", "display": "Several days"}},
        {"valueCoding": {"code": "2", "display": "More than half the days"}},
        {"valueCoding": {"code": "3", "display": "Nearly every day"}},
    ]


def test_cssrs_skip_logic_exports_as_enable_when(db):
    resource = questionnaire_for(Instrument.objects.get(code="cssrs_screen"))

    items = {item["linkId"]: item for item in resource["item"]}
    assert items["cssrs_3"]["enableWhen"] == [
        {"question": "cssrs_2", "operator": "=", "answerCoding": {"code": "1"}}
    ]
    assert "enableWhen" not in items["cssrs_6"]
    assert resource["id"] == "cssrs-screen"
    assert "code" not in resource


def test_response_exports_as_a_bundle_of_response_and_score_observation(nurse, patient):
    response = submit(nurse, patient, "phq9", PHQ9_ITEM9)

    bundle = response_bundle(response, is_superseded=False)

    assert Bundle.model_validate(bundle).type == "collection"
    qr = bundle["entry"][0]["resource"]
    observation = bundle["entry"][1]["resource"]
    FhirResponse.model_validate(qr)
    Observation.model_validate(observation)
    assert (qr["questionnaire"], qr["status"]) == (f"{PHQ9_URL}|1.0", "completed")
    assert qr["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert FhirResponse.model_validate(qr).authored == response.completed_at
    assert [(i["linkId"], i["answer"][0]["valueCoding"]["code"]) for i in qr["item"]] == [
        (f"phq9_{n}", str(v)) for n, v in enumerate(PHQ9_ITEM9, start=1)
    ]
    assert (observation["status"], observation["valueInteger"]) == ("final", 10)
    assert observation["category"][0]["coding"][0]["code"] == "survey"
    assert observation["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "44261-6",
        "display": "PHQ-9 total score",
    }
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response.pk}"}]
    assert Observation.model_validate(observation).effectiveDateTime == response.completed_at
    assert observation["interpretation"] == [{"text": "Moderate depression"}]


def test_meq30_score_is_a_quantity_with_subscale_components(nurse, patient):
    response = submit(nurse, patient, "meq30", [3] * 30)

    observation = response_bundle(response, is_superseded=False)["entry"][1]["resource"]

    assert observation["valueQuantity"] == {
        "value": 3.0,
        "unit": "score",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert observation["code"]["coding"][0] == {
        "system": "http://ketaclinic.org/fhir/CodeSystem/instrument-score",
        "code": "meq30",
        "display": "MEQ-30 (revised Mystical Experience Questionnaire) score",
    }
    assert [c["code"]["coding"][0]["code"] for c in observation["component"]] == [
        "meq30.mystical",
        "meq30.positive_mood",
        "meq30.transcendence",
        "meq30.ineffability",
    ]


def test_a_superseded_response_exports_as_entered_in_error(nurse, patient):
    response = submit(nurse, patient, "craving", [4])

    bundle = response_bundle(response, is_superseded=True)

    statuses = [entry["resource"]["status"] for entry in bundle["entry"]]
    assert statuses == ["entered-in-error", "entered-in-error"]


def test_round_trip_exported_response_parses_back_to_the_same_answers(nurse, patient):
    response = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    exported = response_bundle(response, is_superseded=False)["entry"][0]["resource"]

    incoming = parse_questionnaire_response(
        exported, patient_id=patient.pk, instruments=instruments_active()
    )

    assert (incoming.instrument_code, incoming.answers, incoming.completed_at) == (
        "phq9",
        answers_for("phq9", PHQ9_MODERATE),
        response.completed_at,
    )


def test_parse_accepts_the_loinc_canonical_and_value_integer(db):
    resource = _qr(
        questionnaire="http://loinc.org/q/44249-1",
        item=[{"linkId": "phq9_1", "answer": [{"valueInteger": 2}]}],
    )

    incoming = parse_questionnaire_response(
        resource, patient_id=1, instruments=instruments_active()
    )

    assert (incoming.instrument_code, incoming.answers) == ("phq9", {"phq9_1": 2})
    assert incoming.completed_at == dt.datetime(2025, 3, 1, 15, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"questionnaire": "http://example.org/Questionnaire/bdi"},
            "Unknown questionnaire 'http://example.org/Questionnaire/bdi': set 'questionnaire' "
            "to one this clinic uses: http://ketaclinic.org/fhir/Questionnaire/audit,",
        ),
        (
            {"questionnaire": f"{PHQ9_URL}|0.9"},
            "PHQ-9 version '0.9' is not in use here: send version '1.0'",
        ),
        ({"status": "in-progress"}, "Only completed questionnaire responses can be stored"),
        (
            {"subject": {"reference": "Patient/999"}},
            "The response's subject 'Patient/999' is not this patient (Patient/1)",
        ),
        ({"resourceType": "Observation"}, "Send a FHIR QuestionnaireResponse"),
        ({"authored": "2025-03-01"}, "'authored' needs a date and time with its UTC offset"),
        ({"colour": "red"}, "Not a valid FHIR QuestionnaireResponse: colour: Extra inputs"),
    ],
)
def test_parse_refuses_what_it_cannot_store_with_a_clear_message(db, overrides, message):
    with pytest.raises(ApplicationError) as refused:
        parse_questionnaire_response(
            _qr(**overrides), patient_id=1, instruments=instruments_active()
        )

    assert refused.value.message.startswith(message)
    assert refused.value.status_code == 400

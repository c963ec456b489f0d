"""FHIR R4 for questionnaires: definitions as Questionnaire, responses as QuestionnaireResponse
plus an Observation for the score (DOMAIN.md section 6: category survey, `derivedFrom` the
response), and incoming QuestionnaireResponses parsed for a known instrument.

Built with fhir.resources' R4B models, which are wire-compatible with R4 for these resources
(the package has no plain-R4 module); every resource is validated as it is built.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse
from pydantic import ValidationError

from ketaclinic.core.errors import ApplicationError
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import Instrument, QuestionnaireResponse

# One canonical base for every installation, so the same instrument has the same URL
# everywhere (a canonical URL is an identifier, it need not resolve).
CANONICAL_BASE = "http://ketaclinic.org/fhir"
QUESTIONNAIRE_BASE = f"{CANONICAL_BASE}/Questionnaire/"
INSTRUMENT_SYSTEM = f"{CANONICAL_BASE}/instrument"
SCORE_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/instrument-score"
LOINC = "http://loinc.org"
LOINC_QUESTIONNAIRE_BASE = "http://loinc.org/q/"
UCUM = "http://unitsofmeasure.org"
SURVEY = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "survey",
    "display": "Survey",
}
_ENABLE_OPERATORS = {"equals": "=", "not_equals": "!="}


def canonical_url(code: str) -> str:
    return QUESTIONNAIRE_BASE + code


def _resource_id(code: str) -> str:
    return code.replace("_", "-")  # FHIR ids allow letters, digits, '-' and '.'


# --- Questionnaire --------------------------------------------------------------------------


def questionnaire_for(instrument: Instrument) -> dict[str, Any]:
    """The instrument as a FHIR Questionnaire (validated), JSON-ready."""
    d = instrument.parsed
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _resource_id(d.code),
        "url": canonical_url(d.code),
        "identifier": [{"system": INSTRUMENT_SYSTEM, "value": d.code}],
        "version": d.version,
        "name": d.code.upper(),
        "title": d.title,
        "status": "active" if instrument.is_active else "retired",
        "subjectType": ["Patient"],
        "description": d.description,
        "copyright": f"{d.licence_note} Source: {d.citation}",
        "item": [_question(item) for item in d.items],
    }
    if d.loinc is not None and d.loinc.panel:
        resource["code"] = [{"system": LOINC, "code": d.loinc.panel, "display": d.title}]
    return _validated(Questionnaire, resource)


def _question(item: scoring.Item) -> dict[str, Any]:
    question: dict[str, Any] = {
        "linkId": item.id,
        "prefix": str(item.number),
        "text": item.text,
        "type": "choice",
        "required": item.required,
        "answerOption": [
            {"valueCoding": {"code": str(option.value), "display": option.label}}
            for option in item.options
        ],
    }
    enable = _enable_when(item.show_if)
    if enable:
        question["enableWhen"], behaviour = enable
        if behaviour:
            question["enableBehavior"] = behaviour
    return question


def _enable_when(condition: scoring.Condition | None) -> tuple[list[dict[str, Any]], str] | None:
    """Skip logic as FHIR enableWhen where it maps exactly (answer equals / differs / one
    of); anything else is left to the server, which enforces skip logic when scoring."""
    if isinstance(condition, scoring.Compare) and condition.subject == "item":
        values = condition.operand if isinstance(condition.operand, tuple) else (condition.operand,)
        operator = _ENABLE_OPERATORS.get(condition.op, "=" if condition.op == "in" else "")
        if not operator or condition.op == "not_in":
            return None
        rules = [
            {"question": condition.ref, "operator": operator, "answerCoding": {"code": _code(v)}}
            for v in values
        ]
        return rules, ("any" if len(rules) > 1 else "")
    if isinstance(condition, scoring.AllOf):
        parts = [_enable_when(inner) for inner in condition.conditions]
        if all(p is not None and p[1] == "" for p in parts):
            return [rule for p in parts if p is not None for rule in p[0]], "all"
    return None


def _code(value: Fraction | str) -> str:
    return str(int(value)) if isinstance(value, Fraction) else value


# --- QuestionnaireResponse and Observation --------------------------------------------------


def response_bundle(response: QuestionnaireResponse, *, is_superseded: bool) -> dict[str, Any]:
    """A collection Bundle: the QuestionnaireResponse and the Observation of its score."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": questionnaire_response_for(response, is_superseded=is_superseded)},
            {"resource": score_observation_for(response, is_superseded=is_superseded)},
        ],
    }
    return _validated(Bundle, bundle)


def questionnaire_response_for(
    response: QuestionnaireResponse, *, is_superseded: bool
) -> dict[str, Any]:
    d = response.instrument.parsed
    answers = response.answers
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": f"{canonical_url(d.code)}|{response.version}",
        # A corrected response was replaced by its correction (DOMAIN.md: nothing deleted).
        "status": "entered-in-error" if is_superseded else "completed",
        "subject": {"reference": f"Patient/{response.patient_id}"},
        "authored": response.completed_at.isoformat(),
        "item": [
            {
                "linkId": item.id,
                "text": item.text,
                "answer": [
                    {
                        "valueCoding": {
                            "code": str(answers[item.id]),
                            "display": item.label_for(answers[item.id]),
                        }
                    }
                ],
            }
            for item in d.items
            if item.id in answers
        ],
    }
    if response.completed_by_patient:
        resource["source"] = {"reference": f"Patient/{response.patient_id}"}
    return _validated(FhirResponse, resource)


def score_observation_for(
    response: QuestionnaireResponse, *, is_superseded: bool
) -> dict[str, Any]:
    d = response.instrument.parsed
    loinc_total = d.loinc.total if d.loinc is not None else None
    coding = (
        {"system": LOINC, "code": loinc_total, "display": f"{d.title} total score"}
        if loinc_total
        else {"system": SCORE_SYSTEM, "code": d.code, "display": f"{d.title} score"}
    )
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"score-{response.pk}",
        "status": "entered-in-error" if is_superseded else "final",
        "category": [{"coding": [SURVEY]}],
        "code": {"coding": [coding], "text": coding["display"]},
        "subject": {"reference": f"Patient/{response.patient_id}"},
        "effectiveDateTime": response.completed_at.isoformat(),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}"}],
        "component": [
            {
                "code": {
                    "coding": [{"system": SCORE_SYSTEM, "code": f"{d.code}.{code}"}],
                    "text": sub["label"],
                },
                "valueQuantity": _quantity(sub["score"]),
            }
            for code, sub in response.subscales.items()
        ],
    }
    if d.method == "mean":
        resource["valueQuantity"] = _quantity(response.total)
    else:
        resource["valueInteger"] = int(response.total)
    if response.band_label:
        resource["interpretation"] = [{"text": response.band_label}]
    if not resource["component"]:
        del resource["component"]
    return _validated(Observation, resource)


def _quantity(value: object) -> dict[str, Any]:
    return {"value": value, "unit": "score", "system": UCUM, "code": "{score}"}


def _validated(model: Any, resource: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_validate(resource).model_dump(mode="json")
    return dumped


# --- Incoming QuestionnaireResponse ---------------------------------------------------------


@dataclass(frozen=True)
class IncomingResponse:
    instrument_code: str
    answers: dict[str, int]
    completed_at: dt.datetime | None


def parse_questionnaire_response(
    payload: Mapping[str, Any], *, patient_id: int, instruments: Sequence[Instrument]
) -> IncomingResponse:
    """Validate a FHIR QuestionnaireResponse for a known instrument; refuse anything else with
    a message saying what to change."""
    if payload.get("resourceType") != "QuestionnaireResponse":
        raise ApplicationError(
            "Send a FHIR QuestionnaireResponse (resourceType 'QuestionnaireResponse'), "
            f"not {payload.get('resourceType')!r}."
        )
    try:
        resource = FhirResponse.model_validate(dict(payload))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]
        )
        raise ApplicationError(f"Not a valid FHIR QuestionnaireResponse: {problems}.") from error
    instrument = _instrument_for(resource.questionnaire, instruments)
    if resource.status != "completed":
        raise ApplicationError(
            f"Only completed questionnaire responses can be stored; this one is "
            f"{resource.status!r}. Send it again when the patient has finished."
        )
    expected = f"Patient/{patient_id}"
    if resource.subject is not None and resource.subject.reference != expected:
        raise ApplicationError(
            f"The response's subject {resource.subject.reference!r} is not this patient "
            f"({expected}): send it to that patient's URL or correct the subject."
        )
    return IncomingResponse(
        instrument_code=instrument.code,
        answers=_answers(resource),
        completed_at=_authored(resource.authored),
    )


def _instrument_for(canonical: str | None, instruments: Sequence[Instrument]) -> Instrument:
    url, _, version = (canonical or "").partition("|")
    by_url = {canonical_url(i.code): i for i in instruments}
    for known_instrument in instruments:
        loinc = known_instrument.parsed.loinc
        if loinc is not None and loinc.panel:
            by_url.setdefault(LOINC_QUESTIONNAIRE_BASE + loinc.panel, known_instrument)
    instrument = by_url.get(url)
    if instrument is None:
        known = ", ".join(canonical_url(i.code) for i in instruments)
        raise ApplicationError(
            f"Unknown questionnaire {canonical or '(none given)'!r}: set 'questionnaire' to "
            f"one this clinic uses: {known}."
        )
    if version and version != instrument.version:
        raise ApplicationError(
            f"{instrument.title} version {version!r} is not in use here: send version "
            f"{instrument.version!r} ({canonical_url(instrument.code)}|{instrument.version})."
        )
    return instrument


def _answers(resource: FhirResponse) -> dict[str, int]:
    answers: dict[str, int] = {}
    for item in resource.item or []:
        link_id = str(item.linkId)
        if item.item:
            raise ApplicationError(f"Item {link_id!r} has nested items: send a flat list.")
        if link_id in answers:
            raise ApplicationError(f"Item {link_id!r} appears twice: send each item once.")
        if not item.answer:
            continue  # unanswered: the engine names it if it is required
        if len(item.answer) != 1:
            raise ApplicationError(f"Item {link_id!r} has several answers: send exactly one.")
        answers[link_id] = _answer_value(link_id, item.answer[0])
    return answers


def _answer_value(link_id: str, answer: Any) -> int:
    if answer.valueInteger is not None:
        return int(answer.valueInteger)
    code = answer.valueCoding.code if answer.valueCoding is not None else None
    if code is not None and re.fullmatch(r"-?[0-9]+", code):
        return int(code)
    raise ApplicationError(
        f"Item {link_id!r}: answer with valueCoding.code set to the option's value "
        "(for example '0') or with valueInteger."
    )


def _authored(value: dt.datetime | dt.date | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    raise ApplicationError(
        "'authored' needs a date and time with its UTC offset, e.g. 2026-11-20T09:30:00-05:00."
    )

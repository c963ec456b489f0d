"""Instrument definitions and stateless scoring for integrators: nothing here is stored."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Body, Query, Router, Status
from pydantic import Field

from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.patients.selectors import patient_get
from ketaclinic.questionnaires import fhir, scoring, selectors, services
from ketaclinic.questionnaires.models import (
    DueQuestionnaire,
    QuestionnaireResponse,
    ResponseSource,
    SafetyAlert,
)
from ketaclinic.questionnaires.schemas import (
    AcknowledgeIn,
    AlertOut,
    AlertPage,
    DueOut,
    DuePage,
    InstrumentOut,
    InstrumentSummaryOut,
    ResponseIn,
    ResponseOut,
    ResponsePage,
    ScheduleIn,
    ScoreIn,
)

router = Router(tags=["instruments"])


def _definition(code: str) -> scoring.InstrumentDefinition:
    try:
        return scoring.load_definition(code)
    except scoring.UnknownInstrumentError as error:
        known = ", ".join(d.code for d in scoring.all_definitions())
        raise NotFoundError(f"No instrument {code!r}. Known instruments: {known}.") from error


def _summary(definition: scoring.InstrumentDefinition) -> dict[str, Any]:
    loinc = definition.loinc
    return {
        "code": definition.code,
        "version": definition.version,
        "title": definition.title,
        "item_count": len(definition.items),
        "loinc_panel": loinc.panel if loinc else None,
        "loinc_total": loinc.total if loinc else None,
    }


def _raw(code: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((scoring.DEFINITIONS_DIR / f"{code}.json").read_text())
    return raw


@router.get("/instruments", response={200: list[InstrumentSummaryOut], 401: ErrorOut})
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    """Every instrument the engine scores, with its version and LOINC codes."""
    reject_unknown_params(request, set())
    api_user(request)
    return [_summary(d) for d in scoring.all_definitions()]


@router.get("/instruments/{code}", response={200: InstrumentOut, 401: ErrorOut, 404: ErrorOut})
def get_instrument(request: HttpRequest, code: str) -> dict[str, Any]:
    """One definition with its item ids, wording, answer values, bands and subscales."""
    reject_unknown_params(request, set())
    api_user(request)
    definition = _definition(code)
    raw = _raw(definition.code)
    items = [
        {
            **{k: item[k] for k in ("id", "number", "text", "required", "options")},
            "show_if": item.get("show_if"),
        }
        for item in raw["items"]
    ]
    return {
        **_summary(definition),
        "description": definition.description,
        "citation": definition.citation,
        "licence_note": definition.licence_note,
        "scoring_method": definition.method,
        "items": items,
        "bands": raw.get("bands", []),
        "subscales": raw.get("scoring", {}).get("subscales", []),
    }


def _answers_by_id(
    definition: scoring.InstrumentDefinition, answers: dict[str, int]
) -> dict[str, int]:
    """Accept item ids, or item numbers as a convenience ("9" means phq9_9)."""
    by_number = {str(item.number): item.id for item in definition.items}
    return {by_number.get(key, key): value for key, value in answers.items()}


@router.post(
    "/instruments/{code}/score",
    response={200: dict[str, Any], 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def score_instrument(request: HttpRequest, code: str, payload: ScoreIn) -> dict[str, Any]:
    """Score answers exactly as published, without storing anything."""
    api_user(request)
    definition = _definition(code)
    context = dict(payload.context or {})
    if payload.sex:
        context["sex"] = payload.sex
    try:
        result = scoring.score(
            definition, _answers_by_id(definition, payload.answers), context=context
        )
    except scoring.ScoringError as error:
        field_errors = {item: ["Answer this item."] for item in error.missing}
        raise ApplicationError(str(error), field_errors=field_errors or None) from error
    return result.as_dict()


# --- Stored responses, safety alerts and FHIR (site-scoped and audited) ---------------------

FHIR_JSON = "application/fhir+json"
_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ResponseListParams(PageParams):
    instrument: str = Field("", max_length=40, description="Only this instrument, e.g. phq9.")


def _fhir(body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json.dumps(body), content_type=FHIR_JSON)


@router.get("/instruments/{code}/fhir", response={200: dict[str, Any], **_ERRORS}, tags=["fhir"])
def get_instrument_fhir(request: HttpRequest, code: str) -> HttpResponse:
    """The active version of an instrument as a FHIR R4 Questionnaire (with LOINC codes)."""
    reject_unknown_params(request, set())
    api_user(request)
    return _fhir(fhir.questionnaire_for(selectors.instrument_active_get(code=code)))


@router.post(
    "/patients/{patient_id}/responses",
    response={201: ResponseOut, **_ERRORS, 422: ErrorOut},
    tags=["questionnaire responses"],
)
def submit_response(
    request: HttpRequest, patient_id: int, payload: ResponseIn
) -> Status[QuestionnaireResponse]:
    """Score and store a response (answers kept); safety alerts are raised with it."""
    user = api_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_response")
    known = {i.code: i for i in selectors.instruments_active()}
    answers = payload.answers
    if payload.instrument in known:
        answers = _answers_by_id(known[payload.instrument].parsed, answers)
    response = services.response_submit(
        actor=user,
        patient=patient,
        instrument_code=payload.instrument,
        answers=answers,
        source=ResponseSource.API,
        supersedes=payload.supersedes,
        correction_reason=payload.correction_reason,
        completed_at=payload.completed_at,
        completed_by_patient=payload.completed_by_patient,
    )
    return Status(201, selectors.response_list(patient=patient).get(pk=response.pk))


@router.get(
    "/patients/{patient_id}/responses",
    response={200: ResponsePage, **_ERRORS, 422: ErrorOut},
    tags=["questionnaire responses"],
)
def list_responses(
    request: HttpRequest, patient_id: int, params: Query[ResponseListParams]
) -> dict[str, object]:
    """A patient's responses, newest first, with their scores and safety alerts."""
    reject_unknown_params(request, {"instrument", "limit", "offset"})
    user = api_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_response")
    queryset = selectors.response_list(patient=patient, instrument_code=params.instrument)
    return api_page(queryset, params)


@router.get(
    "/patients/{patient_id}/responses/{response_id}/fhir",
    response={200: dict[str, Any], **_ERRORS},
    tags=["fhir"],
)
def get_response_fhir(request: HttpRequest, patient_id: int, response_id: int) -> HttpResponse:
    """A Bundle of the FHIR QuestionnaireResponse and the Observation of its score."""
    reject_unknown_params(request, set())
    response = selectors.patient_response_get(
        user=api_user(request), patient_id=patient_id, response_id=response_id
    )
    is_superseded = bool(getattr(response, "is_superseded", False))
    return _fhir(fhir.response_bundle(response, is_superseded=is_superseded))


@router.post(
    "/patients/{patient_id}/questionnaire-responses",
    response={201: ResponseOut, **_ERRORS},
    tags=["fhir"],
)
def submit_fhir_response(
    request: HttpRequest, patient_id: int, payload: Body[dict[str, Any]]
) -> Status[QuestionnaireResponse]:
    """Store a FHIR QuestionnaireResponse (status completed) for an instrument in use here."""
    user = api_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_response")
    incoming = fhir.parse_questionnaire_response(
        payload,
        patient_id=patient.pk,
        instruments=selectors.instruments_active(),
    )
    response = services.response_submit(
        actor=user,
        patient=patient,
        instrument_code=incoming.instrument_code,
        answers=incoming.answers,
        completed_at=incoming.completed_at,
        source=ResponseSource.FHIR,
    )
    return Status(201, selectors.response_list(patient=patient).get(pk=response.pk))


@router.get("/safety-alerts", response={200: AlertPage, **_ERRORS, 422: ErrorOut}, tags=["safety"])
def list_safety_alerts(request: HttpRequest, params: Query[PageParams]) -> dict[str, object]:
    """Open safety alerts at your sites, most urgent and then oldest first."""
    reject_unknown_params(request, {"limit", "offset"})
    user = api_user(request)
    queryset = selectors.safety_alerts_open(user=user)
    page = api_page(queryset, params)
    selectors.safety_alerts_audit(user=user, alerts=page["items"])
    return page


@router.post(
    "/safety-alerts/{alert_id}/acknowledge",
    response={200: AlertOut, **_ERRORS, 422: ErrorOut},
    tags=["safety"],
)
def acknowledge_safety_alert(
    request: HttpRequest, alert_id: int, payload: AcknowledgeIn
) -> SafetyAlert:
    """Acknowledge an alert, saying what was done; who and when are recorded and audited."""
    return services.safety_alert_acknowledge(
        actor=api_user(request), alert_id=alert_id, action_taken=payload.action_taken
    )


# --- Due questionnaires (site-scoped and audited) ----------------------------------------


class DueListParams(PageParams):
    upcoming: bool = Field(False, description="Also list open items that are not due yet.")


@router.get(
    "/patients/{patient_id}/due-questionnaires",
    response={200: DuePage, **_ERRORS, 422: ErrorOut},
    tags=["due questionnaires"],
)
def list_due_questionnaires(
    request: HttpRequest, patient_id: int, params: Query[DueListParams]
) -> dict[str, object]:
    """A patient's open questionnaires due now or overdue, oldest first, with `is_overdue`."""
    reject_unknown_params(request, {"upcoming", "limit", "offset"})
    user = api_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="due_questionnaire")
    queryset = selectors.patient_due_list(patient=patient, include_upcoming=params.upcoming)
    return api_page(queryset, params)


@router.post(
    "/patients/{patient_id}/schedule",
    response={201: list[DueOut], **_ERRORS, 422: ErrorOut},
    tags=["due questionnaires"],
)
def schedule_questionnaires(
    request: HttpRequest, patient_id: int, payload: ScheduleIn
) -> Status[list[DueQuestionnaire]]:
    """Schedule the questionnaires of a treatment event from the clinic's schedule rules.
    Idempotent: the event's items are returned, those already scheduled included."""
    user = api_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="due_questionnaire")
    items = services.schedule_event(
        actor=user,
        patient=patient,
        event=payload.event,
        at=payload.at or timezone.now(),
        reference=payload.reference,
    )
    return Status(201, items)

"""Instrument definitions and stateless scoring for integrators: nothing here is stored."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router

from ketaclinic.core.api import ErrorOut, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.schemas import InstrumentOut, InstrumentSummaryOut, ScoreIn

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

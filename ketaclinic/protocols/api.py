"""The protocol library and the dose-plan calculator. No patient data: any staff member."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from ketaclinic.core.api import ErrorOut, PageParams, api_user, reject_unknown_params
from ketaclinic.protocols import selectors
from ketaclinic.protocols.dosing import plan_dose
from ketaclinic.protocols.schemas import (
    DosePlanIn,
    DosePlanOut,
    ProtocolDetailOut,
    ProtocolPage,
    dose_plan_out,
    protocol_detail_out,
    protocol_out,
)

router = Router(tags=["protocols"])

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/protocols", response={200: ProtocolPage, **_ERRORS})
def list_protocols(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    """The protocol library by code, each with its active version, whether that version can
    be used and, if not, why (for example a published protocol without a confirmed dose)."""
    reject_unknown_params(request, {"limit", "offset"})
    selectors.require_staff(user=api_user(request))
    library = selectors.protocol_library()
    page = list(library[params.offset : params.offset + params.limit])
    return {
        "count": library.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": [protocol_out(template) for template in page],
    }


@router.get("/protocols/{code}", response={200: ProtocolDetailOut, **_ERRORS})
def get_protocol(request: HttpRequest, code: str) -> dict[str, Any]:
    """One protocol with every version (newest first) and its phases."""
    selectors.require_staff(user=api_user(request))
    return protocol_detail_out(selectors.template_get(code=code))


@router.post("/protocols/{code}/dose-plan", response={200: DosePlanOut, **_ERRORS})
def dose_plan(request: HttpRequest, code: str, payload: DosePlanIn) -> dict[str, Any]:
    """Compute one session's dose with the protocol's active version. Nothing is stored.

    Numbers may be sent as JSON numbers or numeric strings. Every rounding is half up:
    - phases: those for `session_number`, else those for every session, in order;
    - `dose_mg` = weight_kg x mg_per_kg, to 0.1 mg; `total_mg` = sum of the phase doses;
      `total_mg_per_kg` = sum of the phase mg/kg (0.001);
    - `volume_ml` = dose_mg / concentration_mg_per_ml, to 0.01 mL (`total_volume_ml` from
      total_mg);
    - IV: the whole dose is diluted in one bag of `bag_volume_ml`;
      `rate_ml_per_h` = bag_volume_ml x (dose_mg / total_mg) x 60 / minutes, to 0.1 mL/h;
      no rate for IM, nor for a phase without minutes (with a warning).

    Refused with 400 `{"detail", "code"}`: implausible inputs (weight 20-400 kg,
    concentration 0.1-100 mg/mL, bag 10-1000 mL), a session outside the protocol, a protocol
    without a dose, a dose above `max_mg_per_kg` or `max_total_mg`. Unknown code: 404.
    """
    selectors.require_staff(user=api_user(request))
    version = selectors.active_version(code=code)
    plan = plan_dose(
        version=version,
        weight_kg=payload.weight_kg,
        concentration_mg_per_ml=payload.concentration_mg_per_ml,
        bag_volume_ml=payload.bag_volume_ml,
        session_number=payload.session_number,
    )
    return dose_plan_out(plan)

"""Infusions over the API: lists per course or patient, one infusion's summary, vitals,
adverse events and the chair board. Site-scoped and audited like the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min
from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions import services
from ketaclinic.infusions.models import AlertEvent, Infusion, VitalsEntry
from ketaclinic.infusions.schemas import (
    AdverseEventIn,
    AdverseEventOut,
    BoardOut,
    InfusionPage,
    InfusionSummaryOut,
    VitalsIn,
    VitalsOut,
    VitalsPage,
    VitalsVoidIn,
)
from ketaclinic.infusions.selectors import pages, reads
from ketaclinic.infusions.selectors.state import latest_recovery

router = Router(tags=["infusions"])

_READ_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class InfusionListParams(PageParams):
    course_id: int | None = Field(None, description="The course's infusions, in session order.")
    patient_id: int | None = Field(None, description="The patient's infusions, newest first.")


def _alert(alert: AlertEvent) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "parameter": alert.parameter,
        "phase": alert.phase,
        "observed_value": alert.observed_value,
        "action": alert.action,
        "rule_id": alert.rule_id,
        "is_example_rule": alert.rule.is_example,
        "raised_at": alert.raised_at,
        "response": alert.response,
        "responded_at": alert.responded_at,
        "reading_voided": alert.reading_voided,
    }


def _vitals(entry: VitalsEntry) -> dict[str, Any]:
    fields = ("id", "measured_at", "phase", "sbp", "dbp", "hr", "spo2", "rr", "moaas", "note")
    row: dict[str, Any] = {name: getattr(entry, name) for name in fields}
    row["recorded_by"] = entry.recorded_by.username
    row["voided_at"] = entry.voided_at
    row["voided_by"] = entry.voided_by.username if entry.voided_by else None
    row["void_reason"] = entry.void_reason
    row["alerts"] = [_alert(alert) for alert in entry.alerts.all()]
    return row


@router.get("/infusions", response={200: InfusionPage, **_READ_ERRORS})
def list_infusions(request: HttpRequest, params: Query[InfusionListParams]) -> dict[str, object]:
    """A course's or a patient's infusions (give exactly one of course_id, patient_id)."""
    reject_unknown_params(request, {"course_id", "patient_id", "limit", "offset"})
    user = api_user(request)
    if (params.course_id is None) == (params.patient_id is None):
        raise ApplicationError("Give exactly one of course_id or patient_id.")
    if params.course_id is not None:
        queryset = reads.course_infusions(user=user, course_id=params.course_id)
    else:
        assert params.patient_id is not None
        queryset = reads.patient_infusions(user=user, patient_id=params.patient_id)
    return api_page(queryset, params)


@router.get("/infusions/chair-board", response={200: BoardOut, **_READ_ERRORS})
def chair_board(request: HttpRequest, site_id: int | None = None) -> dict[str, object]:
    """Today's chairs at one of your sites (default: your first site), in its time zone."""
    reject_unknown_params(request, {"site_id"})
    user = api_user(request)
    site = pages.board_site(user=user, site_id=site_id)
    items = [
        {
            "infusion_id": row.infusion.pk,
            "patient_id": row.infusion.patient_id,
            "patient_name": str(row.infusion.patient),
            "chair": row.infusion.chair,
            "session_number": row.infusion.session_number,
            "sessions_planned": row.infusion.course.sessions_planned,
            "status": row.infusion.status,
            "elapsed_minutes": row.elapsed,
            "next_vitals_due": row.next_due,
            "vitals_overdue": row.overdue,
            "open_alerts": row.open_alerts,
            "latest_aldrete": row.latest_aldrete,
            "observation_minutes_left": row.observe_minutes_left,
            "discharge_ready": row.discharge_ready,
        }
        for row in pages.chair_board(user=user, site=site)
    ]
    return {"site_id": site.pk, "items": items}


@router.get("/infusions/{infusion_id}", response={200: InfusionSummaryOut, **_READ_ERRORS})
def get_infusion(request: HttpRequest, infusion_id: int) -> dict[str, object]:
    """One infusion with its summary: dose, times, vitals count, lowest SpO2, highest BP,
    alerts, adverse events, latest recovery score and discharge."""
    reject_unknown_params(request, set())
    infusion = reads.infusion_get(user=api_user(request), infusion_id=infusion_id)
    return _summary(infusion)


def _summary(infusion: Infusion) -> dict[str, object]:
    stats = (
        VitalsEntry.objects.current()
        .filter(infusion=infusion)
        .aggregate(count=Count("id"), min_spo2=Min("spo2"), max_sbp=Max("sbp"), max_dbp=Max("dbp"))
    )
    score = latest_recovery(infusion=infusion)
    discharge = getattr(infusion, "discharge", None) if infusion.discharged_at else None
    return {
        "infusion": infusion,
        "protocol_code": infusion.course.protocol_version.template.code,
        "sessions_planned": infusion.course.sessions_planned,
        "dose": {
            **{
                name: getattr(infusion, name)
                for name in (
                    "weight_kg",
                    "weight_measured_at",
                    "concentration_mg_per_ml",
                    "bag_volume_ml",
                    "planned_mg_per_kg",
                    "planned_total_mg",
                    "planned_total_ml",
                    "administered_mg",
                    "lot_number",
                )
            },
            "verified": infusion.dose_verified_at is not None,
            "phases": list(infusion.dose_phases.order_by("order")),
        },
        "vitals_count": stats["count"],
        "min_spo2": stats["min_spo2"],
        "max_sbp": stats["max_sbp"],
        "max_dbp": stats["max_dbp"],
        "alerts": [
            _alert(a)
            for a in infusion.alerts.select_related("rule", "vitals_entry").order_by("raised_at")
        ],
        "adverse_events": list(infusion.adverse_events.order_by("onset_at", "id")),
        "latest_recovery": score,
        "discharge": discharge,
    }


@router.get("/infusions/{infusion_id}/vitals", response={200: VitalsPage, **_READ_ERRORS})
def list_vitals(
    request: HttpRequest, infusion_id: int, params: Query[PageParams]
) -> dict[str, object]:
    """The infusion's vitals in time order, each with the alerts it raised; voided readings
    are listed with who voided them, when and why (they count nowhere else)."""
    reject_unknown_params(request, {"limit", "offset"})
    infusion = reads.infusion_get(
        user=api_user(request), infusion_id=infusion_id, target_type="infusion_vitals"
    )
    queryset = (
        VitalsEntry.objects.filter(infusion=infusion)
        .select_related("recorded_by", "voided_by")
        .prefetch_related("alerts__rule")
        .order_by("measured_at", "id")
    )
    page = api_page(queryset, params)
    page["items"] = [_vitals(entry) for entry in page["items"]]
    return page


@router.post("/infusions/{infusion_id}/vitals", response={201: VitalsOut, **_WRITE_ERRORS})
def create_vitals(
    request: HttpRequest, infusion_id: int, payload: VitalsIn
) -> Status[dict[str, Any]]:
    """Chart a reading (nurse or physician); the clinic's alert rules are evaluated and any
    alerts raised come back with it. Implausible values are refused with the fix."""
    reject_unknown_params(request, set())
    user = api_user(request)
    infusion = reads.infusion_get(user=user, infusion_id=infusion_id, target_type="infusion_vitals")
    entry = services.vitals_record(actor=user, infusion=infusion, **payload.model_dump())
    return Status(201, _vitals(entry))


@router.post(
    "/infusions/{infusion_id}/vitals/{vitals_id}/void", response={200: VitalsOut, **_WRITE_ERRORS}
)
def void_vitals(
    request: HttpRequest, infusion_id: int, vitals_id: int, payload: VitalsVoidIn
) -> dict[str, Any]:
    """Void a wrongly typed reading with a reason, until the flowsheet is signed. It stays
    listed, marked voided, and no longer counts in the summary, the chart, the vitals clock,
    the start limits or the chair board; its alerts no longer ask for a response."""
    reject_unknown_params(request, set())
    user = api_user(request)
    infusion = reads.infusion_get(user=user, infusion_id=infusion_id, target_type="infusion_vitals")
    entry = services.vitals_void(
        actor=user, infusion=infusion, vitals_id=vitals_id, reason=payload.reason
    )
    return _vitals(entry)


@router.post(
    "/infusions/{infusion_id}/adverse-events", response={201: AdverseEventOut, **_WRITE_ERRORS}
)
def create_adverse_event(
    request: HttpRequest, infusion_id: int, payload: AdverseEventIn
) -> Status[object]:
    """Record an adverse event (DOMAIN.md list) with severity, onset, action and outcome."""
    reject_unknown_params(request, set())
    user = api_user(request)
    infusion = reads.infusion_get(
        user=user, infusion_id=infusion_id, target_type="infusion_adverse_event"
    )
    event = services.adverse_event_record(actor=user, infusion=infusion, **payload.model_dump())
    return Status(201, event)

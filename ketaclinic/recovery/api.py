"""Recovery API: the patient's own check-ins (portal session), staff reads of check-ins,
timeline follow-back entries and per-patient outcomes (bearer token, site-scoped, audited).

The portal endpoints under /portal/ authenticate with the patient's signed-in session (and
its CSRF token for POST); staff endpoints with the API-wide bearer token. The same services
and selectors as the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.security import SessionAuth
from pydantic import Field

from ketaclinic.accounts.models import User
from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery import selectors, services
from ketaclinic.recovery.models import Source, TargetOutcome
from ketaclinic.recovery.rules import percent_days_abstinent
from ketaclinic.recovery.schemas import (
    CheckinIn,
    DailyRecordPage,
    FollowbackIn,
    FollowbackOut,
    OutcomesOut,
    PortalCheckinsOut,
)
from ketaclinic.recovery.services._common import site_today
from ketaclinic.recovery.services.rules import describe

router = Router(tags=["recovery"])

_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_RANGE_DAYS = 366


class PatientSessionAuth(SessionAuth):
    """The signed-in portal session of a patient (not staff: they use bearer tokens)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not isinstance(user, User) or not user.is_authenticated:
            return None
        account = getattr(user, "patient_account", None)
        return user if account is not None and account.is_usable else None


def _own_patient(request: HttpRequest) -> Patient:
    user = api_user(request)
    account = getattr(user, "patient_account", None)
    if account is None:  # PatientSessionAuth let only patients in
        raise PermissionDeniedError("These endpoints are for the patient's own portal login.")
    patient: Patient = account.patient
    return patient


def _range(start: dt.date | None, end: dt.date | None, today: dt.date) -> tuple[dt.date, dt.date]:
    end = end or today
    start = start or end - dt.timedelta(days=29)
    if start > end or (end - start).days >= MAX_RANGE_DAYS:
        raise ApplicationError(
            f"Give start on or before end, at most {MAX_RANGE_DAYS} days apart (YYYY-MM-DD)."
        )
    return start, end


class RangeParams(Schema):
    start: dt.date | None = Field(None, description="Default: 29 days before end.")
    end: dt.date | None = Field(None, description="Default: today at the patient's site.")


# --- The patient's own check-ins (portal session) ----------------------------------------


@router.post(
    "/portal/checkins",
    auth=PatientSessionAuth(),
    response={201: PortalCheckinsOut, **_ERRORS},
)
def post_own_checkin(request: HttpRequest, payload: CheckinIn) -> Status[dict[str, Any]]:
    """Save today's check-in (site time zone); a second POST the same day edits it."""
    patient = _own_patient(request)
    today = site_today(patient.site)
    entries = [services.CheckinEntry(**e.dict()) for e in payload.entries]
    services.checkin_save(actor=api_user(request), patient=patient, day=today, entries=entries)
    return Status(201, _portal_state(patient, today, today, today))


@router.get(
    "/portal/checkins", auth=PatientSessionAuth(), response={200: PortalCheckinsOut, **_ERRORS}
)
def get_own_checkins(request: HttpRequest, params: Query[RangeParams]) -> dict[str, Any]:
    """The patient's own check-ins in a range (default the last 30 days), with streaks."""
    reject_unknown_params(request, {"start", "end"})
    patient = _own_patient(request)
    today = site_today(patient.site)
    start, end = _range(params.start, params.end, today)
    return _portal_state(patient, today, start, end)


def _portal_state(patient: Patient, today: dt.date, start: dt.date, end: dt.date) -> dict[str, Any]:
    runs = selectors.streaks(patient=patient, today=today)
    records = selectors.daily_records(
        patient=patient, source=Source.SELF_REPORT, start=start, end=end
    )
    return {
        "day": today,
        "checked_in_today": selectors.checked_in_today(patient, today),
        "streaks": [{"target_id": tid, **vars(s)} for tid, s in runs.items()],
        "items": list(records),
    }


# --- Staff: check-ins, follow-back, outcomes ---------------------------------------------


class RecordParams(PageParams):
    target_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@router.get("/patients/{patient_id}/checkins", response={200: DailyRecordPage, **_ERRORS})
def list_checkins(
    request: HttpRequest, patient_id: int, params: Query[RecordParams]
) -> dict[str, Any]:
    """The patient's daily self-reports, newest day first."""
    reject_unknown_params(request, {"target_id", "start", "end", "limit", "offset"})
    patient = selectors.recovery_patient_get(user=api_user(request), patient_id=patient_id)
    rows = selectors.daily_records(
        patient=patient,
        source=Source.SELF_REPORT,
        target_id=params.target_id,
        start=params.start,
        end=params.end,
    )
    return api_page(rows, params)


@router.post("/patients/{patient_id}/followback", response={201: FollowbackOut, **_ERRORS})
def post_followback(
    request: HttpRequest, patient_id: int, payload: FollowbackIn
) -> Status[dict[str, Any]]:
    """Save many days from one staff source; other sources are kept and shown as conflicts."""
    user = api_user(request)
    patient = selectors.recovery_patient_get(user=user, patient_id=patient_id)
    target = selectors.target_in_chart(user=user, patient=patient, target_id=payload.target_id)
    entries = [services.FollowbackEntry(**e.dict()) for e in payload.entries]
    services.followback_save(
        actor=user, patient=patient, target=target, source=payload.source, entries=entries
    )
    days = [e.day for e in entries]
    return Status(201, _grid(target, payload.source, min(days), max(days)))


class FollowbackParams(RangeParams):
    target_id: int


@router.get("/patients/{patient_id}/followback", response={200: FollowbackOut, **_ERRORS})
def get_followback(
    request: HttpRequest, patient_id: int, params: Query[FollowbackParams]
) -> dict[str, Any]:
    """Every day of the range with all its records and the resolved status."""
    reject_unknown_params(request, {"target_id", "start", "end"})
    user = api_user(request)
    patient = selectors.recovery_patient_get(user=user, patient_id=patient_id)
    target = selectors.target_in_chart(user=user, patient=patient, target_id=params.target_id)
    start, end = _range(params.start, params.end, site_today(patient.site))
    return _grid(target, Source.INTERVIEW, start, end)


def _grid(target: AddictionTarget, source: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    grid = selectors.followback_grid(target=target, source=source, start=start, end=end)
    return {
        "target_id": target.pk,
        "start": start,
        "end": end,
        "days": [
            {
                "day": d.day,
                "status": d.resolved,
                "records": sorted(([d.own] if d.own else []) + d.others, key=lambda r: r.source),
            }
            for d in grid
        ],
    }


@router.get("/patients/{patient_id}/outcomes", response={200: OutcomesOut, **_ERRORS})
def get_outcomes(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """Per addiction target: days observed, % days abstinent, heavy days, first lapse and
    relapse with days from the start day (first infusion, else quit date), dropout."""
    reject_unknown_params(request, set())
    patient = selectors.recovery_patient_get(user=api_user(request), patient_id=patient_id)
    return {
        "patient_id": patient.pk,
        "items": [_outcome(o) for o in selectors.patient_outcomes(patient=patient)],
    }


def _outcome(o: TargetOutcome) -> dict[str, Any]:
    def since(day: dt.date | None) -> int | None:
        return (day - o.start_day).days if day is not None and o.start_day is not None else None

    return {
        "target_id": o.target_id,
        "target_kind": o.target_kind,
        "rule": describe(o.rule) if o.rule is not None else None,
        "start_day": o.start_day,
        "last_observed_day": o.last_observed_day,
        "days_observed": o.days_observed,
        "days_abstinent": o.days_abstinent,
        "days_used": o.days_used,
        "heavy_days": o.heavy_days,
        "percent_days_abstinent": percent_days_abstinent(o),
        "first_lapse_day": o.first_lapse_day,
        "days_to_first_lapse": since(o.first_lapse_day),
        "relapse_day": o.relapse_day,
        "days_to_relapse": since(o.relapse_day),
        "dropped_out": o.dropped_out,
        "computed_at": o.computed_at,
    }

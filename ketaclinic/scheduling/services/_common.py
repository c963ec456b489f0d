"""Shared by the scheduling services: refusals, the site's clock and the audit row."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.patients.models import Patient

TARGET = "appointment"
REASON_MAX_LENGTH = 300


class BookingConflictError(ApplicationError):
    """The slot is taken (a chair, a room, a clinician or the patient is already booked): the
    API answers 409; pages re-render the form with the message."""

    status_code = 409

    def __init__(self, message: str, *, field: str = "starts_at") -> None:
        super().__init__(message, code=ErrorCode.CONFLICT, field_errors={field: [message]})


def refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, field_errors={field: [message]})


def zone_of(site: Site) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site.time_zone)


def clock(moment: dt.time | dt.datetime) -> str:
    """9:00, 14:30: as the front desk says it."""
    return f"{moment.hour}:{moment.minute:02d}"


def span_label(site: Site, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """'9:00-11:00 on Tue 24 Nov', in the site's time zone."""
    zone = zone_of(site)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return f"{clock(start)}-{clock(end)} on {start:%a} {start.day} {start:%b}"


def require_manager(*, actor: User, site: Site | None = None) -> None:
    """Only a clinic admin configures chairs, rooms, hours and availability, at their sites."""
    require_perm(
        user=actor,
        perm=Perm.SCHEDULE_MANAGE,
        target_type="schedule",
        message="Only a clinic admin can change chairs, rooms, hours and availability.",
    )
    if site is not None and site.pk not in actor.site_ids:
        raise refuse("site", f"You do not work at {site.name}: choose one of your sites.")


def required_reason(reason: str, *, what: str, example: str) -> str:
    reason = reason.strip()
    if not reason:
        raise refuse("reason", f"Give the reason for {what}, for example '{example}'.")
    if len(reason) > REASON_MAX_LENGTH:
        raise refuse("reason", f"Keep the reason under {REASON_MAX_LENGTH} characters.")
    return reason


def audit(
    *,
    actor: User | None,
    action: Action,
    target_type: str,
    target_id: int | str,
    detail: str,
    patient: Patient | None = None,
    site: Site | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        patient=patient,
        site=site,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )

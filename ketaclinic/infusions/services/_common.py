"""Shared by the flowsheet services: access checks, the row lock, times and the audit row."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, require_plausible_time
from ketaclinic.infusions.models import Infusion, InfusionStatus

TARGET = "infusion"
# A clock on a tablet may run a little ahead of the server's; beyond this a time is a typo.
CLOCK_SKEW = dt.timedelta(minutes=5)


def refuse(field: str, message: str, *, conflict: bool = False) -> ApplicationError:
    code = ErrorCode.CONFLICT if conflict else ErrorCode.INVALID_INPUT
    return ApplicationError(message, code=code, field_errors={field: [message]})


def require_chart(
    *, actor: User, infusion: Infusion, perm: Perm = Perm.INFUSION_CHART, target_type: str = TARGET
) -> None:
    """The patient is at one of the actor's sites and the actor's role allows `perm`."""
    require_patient_access(user=actor, patient=infusion.patient, target_type=target_type)
    require_perm(
        user=actor,
        perm=perm,
        target_type=target_type,
        target_id=infusion.pk,
        patient=infusion.patient,
    )


def locked(infusion: Infusion) -> Infusion:
    """The infusion re-read under a row lock: status changes on one infusion take turns."""
    return Infusion.objects.select_for_update().get(pk=infusion.pk)


def require_status(infusion: Infusion, allowed: tuple[str, ...], doing: str) -> None:
    if infusion.status in allowed:
        return
    status = InfusionStatus(infusion.status).label.lower()
    raise refuse(
        "status", f"Cannot {doing}: the infusion is {status}. Reload the flowsheet.", conflict=True
    )


def local(infusion: Infusion, moment: dt.datetime) -> str:
    """A time as the site's staff read it: 14:05, or 2025-03-02 14:05 on another day."""
    return site_time(infusion.site, moment)


def site_time(site: Site, moment: dt.datetime) -> str:
    """A time at `site` as its staff read it: 14:05, or 2025-03-02 14:05 on another day."""
    zone = zoneinfo.ZoneInfo(site.time_zone)
    here = moment.astimezone(zone)
    if here.date() == timezone.now().astimezone(zone).date():
        return f"{here:%H:%M}"
    return f"{here:%Y-%m-%d %H:%M}"


def entry_time(
    infusion: Infusion,
    at: dt.datetime | None,
    *,
    field: str,
    label: str,
    now: dt.datetime,
    earliest: dt.datetime | None = None,
    earliest_label: str = "",
) -> dt.datetime:
    """The time an entry happened: `at` (charted afterwards) or now; never in the future."""
    moment = now if at is None else at
    if timezone.is_naive(moment):
        raise refuse(field, f"{label}: give the time with its time zone.")
    require_plausible_time(moment, field=field)
    if moment > now + CLOCK_SKEW:
        raise refuse(
            field,
            f"{label} {local(infusion, moment)} is in the future: enter the time it happened, "
            "no later than now.",
        )
    if earliest is not None and moment < earliest:
        raise refuse(
            field,
            f"{label} {local(infusion, moment)} is before {earliest_label} "
            f"({local(infusion, earliest)}): check the time.",
        )
    return moment


def audit(
    *,
    actor: User,
    infusion: Infusion,
    action: Action,
    target_type: str,
    target_id: int,
    detail: str,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        patient=infusion.patient,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )

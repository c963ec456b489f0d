"""While the infusion runs: rate changes, pauses, restarts and the end, each with a reason.

Status changes lock the infusion row, so two clinicians cannot pause and end it at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.infusions.models import (
    AlertEvent,
    Infusion,
    InfusionEvent,
    InfusionEventKind,
    InfusionStatus,
)
from ketaclinic.infusions.selectors.state import last_event, max_rate_ml_per_h
from ketaclinic.infusions.services._common import (
    TARGET,
    audit,
    entry_time,
    locked,
    refuse,
    require_chart,
    require_status,
)
from ketaclinic.inventory.models import Lot, Registrant
from ketaclinic.inventory.services.administration import infusion_dose_draw
from ketaclinic.protocols.models import Route

RUNNING = (InfusionStatus.RUNNING,)
UNDER_WAY = (InfusionStatus.RUNNING, InfusionStatus.PAUSED)
_VERB = {
    InfusionEventKind.RATE_CHANGE: "change the rate",
    InfusionEventKind.PAUSE: "pause it",
    InfusionEventKind.RESTART: "restart it",
    InfusionEventKind.STOP: "end it",
}


def _event_time(infusion: Infusion, at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    previous = last_event(infusion=infusion)
    earliest = previous.occurred_at if previous is not None else infusion.started_at
    label = f"the last entry ({previous.get_kind_display().lower()})" if previous else "the start"
    return entry_time(
        infusion, at, field="at", label="Time", now=now, earliest=earliest, earliest_label=label
    )


def record_event(
    *,
    actor: User,
    infusion: Infusion,
    kind: InfusionEventKind,
    reason: str,
    at: dt.datetime | None,
    new_rate_ml_per_h: Decimal | None = None,
    alert: AlertEvent | None = None,
) -> InfusionEvent:
    """Write one event on an infusion already locked and checked by the caller."""
    if not reason.strip():
        raise refuse("reason", f"Give the reason to {_VERB[kind]}.")
    now = timezone.now()
    event = InfusionEvent.objects.create(
        infusion=infusion,
        kind=kind,
        occurred_at=_event_time(infusion, at, now),
        new_rate_ml_per_h=new_rate_ml_per_h,
        reason=reason.strip()[:300],
        alert=alert,
        recorded_by=actor,
        recorded_at=now,
    )
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail=f"{kind.value} (event {event.pk})",
    )
    return event


def pause_locked(
    *,
    actor: User,
    infusion: Infusion,
    reason: str,
    at: dt.datetime | None,
    alert: AlertEvent | None = None,
) -> InfusionEvent:
    require_status(infusion, RUNNING, "pause it")
    event = record_event(
        actor=actor,
        infusion=infusion,
        kind=InfusionEventKind.PAUSE,
        reason=reason,
        at=at,
        alert=alert,
    )
    infusion.status = InfusionStatus.PAUSED
    infusion.save(update_fields=["status"])
    return event


@transaction.atomic
def infusion_pause(
    *, actor: User, infusion: Infusion, reason: str, at: dt.datetime | None = None
) -> InfusionEvent:
    require_chart(actor=actor, infusion=infusion)
    return pause_locked(actor=actor, infusion=locked(infusion), reason=reason, at=at)


@transaction.atomic
def infusion_restart(
    *, actor: User, infusion: Infusion, reason: str, at: dt.datetime | None = None
) -> InfusionEvent:
    require_chart(actor=actor, infusion=infusion)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.PAUSED,), "restart it")
    event = record_event(
        actor=actor, infusion=infusion, kind=InfusionEventKind.RESTART, reason=reason, at=at
    )
    infusion.status = InfusionStatus.RUNNING
    infusion.save(update_fields=["status"])
    return event


@transaction.atomic
def infusion_rate_change(
    *,
    actor: User,
    infusion: Infusion,
    new_rate_ml_per_h: Decimal,
    reason: str,
    at: dt.datetime | None = None,
) -> InfusionEvent:
    """Change the pump rate; never faster than would finish the bag in less than the
    protocol's minimum infusion time."""
    require_chart(actor=actor, infusion=infusion)
    infusion = locked(infusion)
    require_status(infusion, UNDER_WAY, "change the rate")
    version = infusion.course.protocol_version
    if version.route != Route.IV or infusion.bag_volume_ml is None:
        raise refuse(
            "new_rate_ml_per_h", "This is not a pump infusion: there is no rate to change."
        )
    if not new_rate_ml_per_h.is_finite() or new_rate_ml_per_h <= 0:
        raise refuse(
            "new_rate_ml_per_h",
            "The rate must be a positive number of mL/h: to stop the pump, pause the infusion.",
        )
    limit = max_rate_ml_per_h(
        bag_volume_ml=infusion.bag_volume_ml, min_minutes=version.min_infusion_minutes
    )
    if limit is not None and new_rate_ml_per_h > limit:
        raise refuse(
            "new_rate_ml_per_h",
            f"{new_rate_ml_per_h} mL/h would run the {infusion.bag_volume_ml} mL bag faster than "
            f"the protocol's minimum of {version.min_infusion_minutes} minutes: choose "
            f"{limit} mL/h or less.",
        )
    return record_event(
        actor=actor,
        infusion=infusion,
        kind=InfusionEventKind.RATE_CHANGE,
        reason=reason,
        at=at,
        new_rate_ml_per_h=new_rate_ml_per_h.quantize(Decimal("0.1")),
    )


@dataclass(frozen=True)
class RegisterDraw:
    """Where the dose came from in the DEA register, and the witnessed waste of the rest."""

    lot_id: int
    location_id: int
    wasted_mg: Decimal = Decimal(0)
    waste_method: str = ""
    witness: User | None = None
    witness_password: str = ""


def _record_administered_dose(
    *,
    actor: User,
    infusion: Infusion,
    administered_mg: Decimal,
    draw: RegisterDraw | None,
    at: dt.datetime,
) -> None:
    """The one place the administered dose is recorded. Where the site keeps its ketamine
    register in Ketaclinic, the administration and the waste are written to the register here,
    in the infusion's transaction: both are stored, or neither (issue 6, item 4)."""
    infusion.administered_mg = administered_mg
    keeps_register = Registrant.objects.filter(site_id=infusion.site_id).exists()
    if draw is None:
        if keeps_register and administered_mg > 0:
            raise refuse(
                "lot",
                "Choose the lot and location the ketamine was drawn from: this site keeps its "
                "DEA register here, so the dose and any waste are recorded as the infusion ends.",
            )
        return
    if not keeps_register:
        raise refuse(
            "lot",
            "This site has no DEA registration in the register yet: leave the lot empty, or ask "
            "the compliance officer to set up the register first.",
        )
    lot = Lot.objects.filter(pk=draw.lot_id).first()
    if lot is not None and infusion.lot_number and lot.lot_number != infusion.lot_number:
        raise refuse(
            "lot",
            f"The infusion started with lot {infusion.lot_number}, not {lot.lot_number}: "
            "choose the lot the dose was drawn from.",
        )
    infusion_dose_draw(
        actor=actor,
        infusion=infusion,
        lot_id=draw.lot_id,
        location_id=draw.location_id,
        administered_mg=administered_mg,
        wasted_mg=draw.wasted_mg,
        waste_method=draw.waste_method,
        witness=draw.witness,
        witness_password=draw.witness_password,
        occurred_at=at,
    )


def _minutes_text(minutes: Decimal) -> str:
    """1 -> '1 minute', 12 -> '12 minutes', 1.5 -> '1.5 minutes'."""
    shown = minutes.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP).normalize()
    return f"{shown:f} minute" + ("" if shown == 1 else "s")


def _dose_beyond_run_time(*, infusion: Infusion, given_mg: Decimal, end: dt.datetime) -> str | None:
    """The refusal when an IV dose is more than could have run by `end`, else None.

    At most `planned_total_mg x min(1, elapsed / fastest)` can have run, where elapsed is
    end - start (pauses included, so an upper bound) and fastest is the protocol version's
    `min_infusion_minutes`, else the sum of the planned phases' minutes; rounded half up to
    0.1 mg. Not checked for IM injections, nor when neither duration is known.
    """
    version = infusion.course.protocol_version
    planned = infusion.planned_total_mg
    if version.route != Route.IV or planned is None or infusion.started_at is None:
        return None
    fastest = version.min_infusion_minutes
    if not fastest:
        minutes = [phase.minutes for phase in infusion.dose_phases.all()]
        if not minutes or any(m is None for m in minutes):
            return None
        fastest = sum(m for m in minutes if m is not None)
    if not fastest:
        return None
    delta = end - infusion.started_at
    seconds = Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6
    elapsed = seconds / 60
    share = min(Decimal(1), elapsed / fastest)
    most = (planned * share).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if given_mg <= most:
        return None
    return (
        f"In {_minutes_text(elapsed)} at most {most} mg can have run (planned {planned} mg "
        f"over at least {fastest} minutes): enter the dose actually given, read from the pump."
    )


@transaction.atomic
def infusion_stop(
    *,
    actor: User,
    infusion: Infusion,
    reason: str,
    administered_mg: Decimal | None,
    at: dt.datetime | None = None,
    draw: RegisterDraw | None = None,
) -> InfusionEvent:
    """End the infusion (completed as planned, or stopped early) and record the dose given,
    drawn from the register's lot when the site keeps its register here."""
    require_chart(actor=actor, infusion=infusion)
    infusion = locked(infusion)
    require_status(infusion, UNDER_WAY, "end it")
    planned = infusion.planned_total_mg
    if administered_mg is None or not administered_mg.is_finite():
        raise refuse(
            "administered_mg", "Enter the dose given in mg (the planned dose if it ran in full)."
        )
    if administered_mg < 0 or (planned is not None and administered_mg > planned):
        raise refuse(
            "administered_mg",
            f"The dose given must be between 0 and the planned {planned} mg: check the entry.",
        )
    given_mg = administered_mg.quantize(Decimal("0.1"))
    end = _event_time(infusion, at, timezone.now())
    beyond = _dose_beyond_run_time(infusion=infusion, given_mg=given_mg, end=end)
    if beyond is not None:
        raise refuse("administered_mg", beyond)
    event = record_event(
        actor=actor, infusion=infusion, kind=InfusionEventKind.STOP, reason=reason, at=end
    )
    _record_administered_dose(
        actor=actor,
        infusion=infusion,
        administered_mg=given_mg,
        draw=draw,
        at=event.occurred_at,
    )
    infusion.ended_at = event.occurred_at
    infusion.end_reason = event.reason
    infusion.status = InfusionStatus.ENDED
    infusion.save(update_fields=["ended_at", "end_reason", "administered_mg", "status"])
    return event

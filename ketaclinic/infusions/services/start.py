"""Starting the infusion: every checklist item, a verified dose, the course gates and the
start limits must be satisfied; a refused start names every problem and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.courses.gates import require_infusion_gates
from ketaclinic.infusions.models import (
    ChecklistItem,
    Infusion,
    InfusionEvent,
    InfusionEventKind,
    InfusionStatus,
    VitalsEntry,
    VitalsPhase,
)
from ketaclinic.infusions.selectors.state import (
    checklist_latest,
    entry_condition_confirmed,
    has_pre_vitals,
    hold_start_alerts,
)
from ketaclinic.infusions.services._common import (
    TARGET,
    audit,
    entry_time,
    locked,
    require_chart,
    require_status,
)
from ketaclinic.inventory.models import Lot


def _mg_per_ml(value: Decimal) -> str:
    """50.00 -> '50 mg/mL', 12.50 -> '12.5 mg/mL'."""
    return f"{value.normalize():f} mg/mL"


def lot_concentration_problem(*, infusion: Infusion, lot_number: str) -> str | None:
    """When `lot_number` is a register lot at the infusion's site whose product's
    concentration differs from the one the dose was planned at, the refusal; else None.

    The volumes to draw up were computed from the planned concentration: drawing them from a
    50 mg/mL vial when the plan assumed 10 mg/mL gives five times the dose.
    """
    planned = infusion.concentration_mg_per_ml
    number = lot_number.strip()
    if planned is None or not number:
        return None
    stocked = {
        lot.product.concentration_mg_per_ml
        for lot in Lot.objects.filter(
            lot_number__iexact=number, balances__location__site_id=infusion.site_id
        ).select_related("product")
    }
    if not stocked or planned in stocked:
        return None
    actual = _mg_per_ml(min(stocked))
    return (
        f"Lot {number} is {actual} but the dose was planned at {_mg_per_ml(planned)}: re-plan "
        f"the dose at {actual} (the volumes change) and have it verified again before starting."
    )


def start_problems(*, infusion: Infusion, lot_number: str | None = None) -> dict[str, list[str]]:
    """What the flowsheet itself still lacks before the start (the course gates aside)."""
    problems: dict[str, list[str]] = {}
    latest = checklist_latest(infusion=infusion)
    missing = [item.label for item in ChecklistItem if item.value not in latest]
    if missing:
        problems["checklist"] = [
            "Checklist items not recorded: " + "; ".join(missing) + ". Record each one."
        ]
    failed = [ChecklistItem(entry.item).label for entry in latest.values() if not entry.confirmed]
    if failed:
        problems.setdefault("checklist", []).append(
            "Checklist items recorded as a problem: " + "; ".join(failed) + ". Resolve them and "
            "record them again."
        )
    if infusion.planned_total_mg is None:
        problems["dose"] = ["No dose planned: compute the dose from the latest weight."]
    elif infusion.dose_verified_at is None:
        problems["dose"] = ["The dose is not verified: a second clinician must verify it."]
    if not has_pre_vitals(infusion=infusion):
        problems["baseline"] = [
            "No baseline vitals count (none charted, or all voided): chart a baseline reading."
        ]
    held = hold_start_alerts(infusion=infusion)
    if held:
        rules = "; ".join(alert.rule.describe() for alert in held)
        problems["hold_start"] = [
            f"Start held by the latest baseline reading ({rules}): let the patient rest, "
            "measure again, or call the physician."
        ]
    if lot_number is not None and not lot_number.strip():
        problems["lot_number"] = [
            "Enter the lot or vial number of the ketamine drawn up for this infusion."
        ]
    elif lot_number is not None:
        mismatch = lot_concentration_problem(infusion=infusion, lot_number=lot_number)
        if mismatch is not None:
            problems["lot_number"] = [mismatch]
    return problems


@transaction.atomic
def infusion_start(
    *, actor: User, infusion: Infusion, lot_number: str, at: dt.datetime | None = None
) -> Infusion:
    require_chart(actor=actor, infusion=infusion)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.SCHEDULED,), "start it")
    now = timezone.now()
    baseline = (
        VitalsEntry.objects.current()
        .filter(infusion=infusion, phase=VitalsPhase.PRE)
        .order_by("-measured_at")
        .values_list("measured_at", flat=True)
        .first()
    )
    moment = entry_time(
        infusion,
        at,
        field="at",
        label="Start time",
        now=now,
        earliest=baseline,
        earliest_label="the latest baseline reading",
    )
    problems = start_problems(infusion=infusion, lot_number=lot_number)
    gate_error: ApplicationError | None = None
    try:
        require_infusion_gates(
            course=infusion.course,
            session_number=infusion.session_number,
            entry_condition_confirmed=entry_condition_confirmed(infusion=infusion),
        )
    except ApplicationError as error:
        gate_error = error
    if problems or gate_error is not None:
        messages = [message for texts in problems.values() for message in texts]
        if gate_error is not None:
            messages.append(gate_error.message)
            problems.update(gate_error.field_errors)
        raise ApplicationError(
            "The infusion cannot start. " + " ".join(messages),
            code=ErrorCode.CONFLICT,
            field_errors=problems,
        )
    infusion.lot_number = lot_number.strip()[:40]
    infusion.started_at = moment
    infusion.status = InfusionStatus.RUNNING
    if infusion.nurse_id is None:
        infusion.nurse = actor
    infusion.save(update_fields=["lot_number", "started_at", "status", "nurse"])
    event = InfusionEvent.objects.create(
        infusion=infusion,
        kind=InfusionEventKind.START,
        occurred_at=moment,
        reason="Started after the checklist and dose check",
        recorded_by=actor,
        recorded_at=now,
    )
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail=f"started (event {event.pk})",
    )
    return infusion

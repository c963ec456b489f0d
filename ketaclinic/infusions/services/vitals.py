"""Charting vitals, voiding a wrongly typed reading, and evaluating the clinic's alert rules
on every entry.

Each reading is its own row, so two clinicians charting the same infusion at once both
persist; no row lock is taken. The action an alert rule names (pause, stop, ...) is never
carried out automatically: it is shown prominently and the clinician records the response.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import not_in_chart
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import NotFoundError, validated
from ketaclinic.infusions.models import (
    AlertEvent,
    AlertParameter,
    DissociationRating,
    Infusion,
    InfusionStatus,
    VitalsEntry,
)
from ketaclinic.infusions.models.vitals import LIMITS
from ketaclinic.infusions.selectors.state import effective_rules, phase_at
from ketaclinic.infusions.services._common import (
    audit,
    entry_time,
    local,
    locked,
    refuse,
    require_chart,
    require_status,
)

TARGET = "infusion_vitals"
CHARTABLE = (
    InfusionStatus.SCHEDULED,
    InfusionStatus.RUNNING,
    InfusionStatus.PAUSED,
    InfusionStatus.ENDED,
)
# A reading may be voided until the flowsheet is closed (signed, or cancelled).
VOIDABLE = (*CHARTABLE, InfusionStatus.DISCHARGED)
# A baseline reading is taken when the patient arrives, not the day before.
BASELINE_WINDOW = dt.timedelta(hours=12)

# Which vitals field each alert parameter reads.
VITALS_FIELD = {
    AlertParameter.SBP: "sbp",
    AlertParameter.DBP: "dbp",
    AlertParameter.HR: "hr",
    AlertParameter.SPO2: "spo2",
    AlertParameter.RR: "rr",
    AlertParameter.SEDATION: "moaas",
}


def _pair_problem(values: dict[str, int | None]) -> tuple[str, str] | None:
    sbp, dbp = values["sbp"], values["dbp"]
    if all(value is None for value in values.values()):
        return "__all__", "Enter at least one reading (BP, heart rate, SpO2, RR or sedation)."
    if (sbp is None) != (dbp is None):
        missing = "diastolic" if dbp is None else "systolic"
        return (
            "dbp" if dbp is None else "sbp"
        ), f"Enter the {missing} BP too: BP needs both values."
    if sbp is not None and dbp is not None and dbp >= sbp:
        return "dbp", (
            f"Diastolic BP {dbp} must be below systolic {sbp}: check whether the two were swapped."
        )
    return None


def _range_problem(values: dict[str, int | None]) -> tuple[str, str] | None:
    for field, value in values.items():
        label, low, high, unit = LIMITS[field]
        if value is not None and not low <= value <= high:
            unit_text = f" {unit}" if unit else ""
            return field, (
                f"{label} {value} is not plausible: it must be between {low} and "
                f"{high}{unit_text}. Check the reading and re-enter it."
            )
    return None


@transaction.atomic
def vitals_record(
    *,
    actor: User,
    infusion: Infusion,
    measured_at: dt.datetime | None = None,
    sbp: int | None = None,
    dbp: int | None = None,
    hr: int | None = None,
    spo2: int | None = None,
    rr: int | None = None,
    moaas: int | None = None,
    note: str = "",
) -> VitalsEntry:
    """Chart one reading; the phase comes from the infusion's clock at `measured_at`."""
    require_chart(actor=actor, infusion=infusion, target_type=TARGET)
    infusion = Infusion.objects.get(pk=infusion.pk)  # fresh state, no lock: rows never collide
    require_status(infusion, CHARTABLE, "chart vitals")
    values = {"sbp": sbp, "dbp": dbp, "hr": hr, "spo2": spo2, "rr": rr, "moaas": moaas}
    problem = _range_problem(values) or _pair_problem(values)
    if problem is not None:
        raise refuse(*problem)
    now = timezone.now()
    anchor = infusion.started_at or infusion.scheduled_at
    moment = entry_time(
        infusion,
        measured_at,
        field="measured_at",
        label="Time of the reading",
        now=now,
        earliest=min(anchor, now) - BASELINE_WINDOW,
        earliest_label="this infusion's baseline window (12 hours before its start)",
    )
    entry = VitalsEntry(
        infusion=infusion,
        measured_at=moment,
        phase=phase_at(infusion=infusion, moment=moment),
        note=note.strip()[:300],
        recorded_by=actor,
        recorded_at=now,
        **values,
    )
    validated(entry, exclude=["infusion", "recorded_by"]).save()
    alerts = evaluate_vitals(infusion=infusion, entry=entry)
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.CREATE,
        target_type=TARGET,
        target_id=entry.pk,
        detail=f"vitals ({entry.phase}); {len(alerts)} alert(s)",
    )
    return entry


def vitals_of_infusion(*, actor: User, infusion: Infusion, vitals_id: int) -> VitalsEntry:
    """A reading of this infusion, locked; another chart's reading id is the same 404 as a
    missing one (the probe is audited against the patient it belongs to)."""
    entry = (
        VitalsEntry.objects.select_for_update()
        .filter(pk=vitals_id, infusion_id=infusion.pk)
        .first()
    )
    if entry is not None:
        return entry
    message = "No such vitals reading on this infusion: reload the flowsheet."
    other = VitalsEntry.objects.filter(pk=vitals_id).values_list("infusion_id", flat=True).first()
    if other is None:
        raise NotFoundError(message)
    raise not_in_chart(
        user=actor,
        patient=infusion.patient,
        model=Infusion,
        record_id=other,
        target_type=TARGET,
        message=message,
    )


@transaction.atomic
def vitals_void(*, actor: User, infusion: Infusion, vitals_id: int, reason: str) -> VitalsEntry:
    """Void a wrongly typed reading: it stays on the flowsheet, struck through with who, when
    and why, and no longer counts (chart, vitals clock, start limits, board, summary). The
    alerts it raised stay on record, marked "reading voided", and no longer ask for a
    response."""
    require_chart(actor=actor, infusion=infusion, target_type=TARGET)
    infusion = locked(infusion)
    entry = vitals_of_infusion(actor=actor, infusion=infusion, vitals_id=vitals_id)
    if infusion.status not in VOIDABLE:
        status = InfusionStatus(infusion.status).label.lower()
        raise refuse(
            "status",
            f"Cannot void a reading: the flowsheet is {status}. A reading can be voided only "
            "until the flowsheet is signed.",
            conflict=True,
        )
    if entry.voided_at is not None:
        raise refuse(
            "vitals_id",
            f"This reading was already voided at {local(infusion, entry.voided_at)}: reload "
            "the flowsheet.",
            conflict=True,
        )
    text = reason.strip()
    if not text:
        raise refuse(
            "reason",
            "Give the reason for voiding the reading, for example 'typed 190 for 130'.",
        )
    entry.voided_at = timezone.now()
    entry.voided_by = actor
    entry.void_reason = text[:300]
    validated(entry, exclude=["infusion", "recorded_by", "voided_by"]).save(
        update_fields=["voided_at", "voided_by", "void_reason"]
    )
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=entry.pk,
        detail=f"vitals voided ({entry.phase}); {entry.alerts.count()} alert(s) set aside",
    )
    return entry


def evaluate_vitals(*, infusion: Infusion, entry: VitalsEntry) -> list[AlertEvent]:
    """Raise an alert for every rule in force that this reading crosses."""
    alerts: list[AlertEvent] = []
    for rule in effective_rules(site=infusion.site, phase=entry.phase, at=entry.measured_at):
        field = VITALS_FIELD.get(AlertParameter(rule.parameter))
        value = getattr(entry, field) if field else None
        if value is not None and rule.matches(Decimal(value)):
            alerts.append(
                AlertEvent(
                    infusion=infusion,
                    rule=rule,
                    vitals_entry=entry,
                    parameter=rule.parameter,
                    phase=entry.phase,
                    observed_value=Decimal(value),
                    action=rule.action,
                    raised_at=entry.measured_at,
                )
            )
    return AlertEvent.objects.bulk_create(alerts)


def evaluate_dissociation(*, infusion: Infusion, rating: DissociationRating) -> list[AlertEvent]:
    """Dissociation rules (parameter 'dissociation') read the rating's score."""
    phase = phase_at(infusion=infusion, moment=rating.rated_at)
    rules = effective_rules(site=infusion.site, phase=phase, at=rating.rated_at).filter(
        parameter=AlertParameter.DISSOCIATION
    )
    alerts = [
        AlertEvent(
            infusion=infusion,
            rule=rule,
            dissociation_rating=rating,
            parameter=rule.parameter,
            phase=phase,
            observed_value=rating.score,
            action=rule.action,
            raised_at=rating.rated_at,
        )
        for rule in rules
        if rule.matches(rating.score)
    ]
    return AlertEvent.objects.bulk_create(alerts)

"""Adverse events (DOMAIN.md section 2 list) and the dissociation rating after the infusion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import validated
from ketaclinic.infusions.models import (
    AdverseEvent,
    AdverseEventKind,
    AdverseEventOutcome,
    DissociationInstrument,
    DissociationRating,
    Infusion,
    InfusionEffect,
    InfusionStatus,
    Severity,
)
from ketaclinic.infusions.models.recovery import DISSOCIATION_SCORE_MAX
from ketaclinic.infusions.services._common import (
    audit,
    entry_time,
    refuse,
    require_chart,
    require_status,
)
from ketaclinic.infusions.services.vitals import evaluate_dissociation

AE_TARGET = "infusion_adverse_event"
DISSOCIATION_TARGET = "infusion_dissociation"
AE_STATUSES = (
    InfusionStatus.RUNNING,
    InfusionStatus.PAUSED,
    InfusionStatus.ENDED,
    InfusionStatus.DISCHARGED,
)


@transaction.atomic
def adverse_event_record(
    *,
    actor: User,
    infusion: Infusion,
    kind: str,
    severity: str,
    action_taken: str,
    outcome: str,
    infusion_effect: str,
    onset_at: dt.datetime | None = None,
    description: str = "",
) -> AdverseEvent:
    require_chart(actor=actor, infusion=infusion, target_type=AE_TARGET)
    infusion = Infusion.objects.get(pk=infusion.pk)
    require_status(infusion, AE_STATUSES, "record an adverse event (it must have started)")
    for field, given, allowed in (
        ("kind", kind, AdverseEventKind.values),
        ("severity", severity, Severity.values),
        ("outcome", outcome, AdverseEventOutcome.values),
        ("infusion_effect", infusion_effect, InfusionEffect.values),
    ):
        if given not in allowed:
            raise refuse(field, f"Choose the {field.replace('_', ' ')} from the list.")
    if not action_taken.strip():
        raise refuse(
            "action_taken",
            "Write the action taken, for example 'infusion paused, 4 mg ondansetron'.",
        )
    now = timezone.now()
    event = AdverseEvent(
        infusion=infusion,
        kind=kind,
        severity=severity,
        onset_at=entry_time(
            infusion,
            onset_at,
            field="onset_at",
            label="Onset",
            now=now,
            earliest=infusion.started_at,
            earliest_label="the start of the infusion",
        ),
        description=description.strip()[:500],
        action_taken=action_taken.strip()[:500],
        outcome=outcome,
        infusion_effect=infusion_effect,
        recorded_by=actor,
        recorded_at=now,
    )
    validated(event, exclude=["infusion", "recorded_by"]).save()
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.CREATE,
        target_type=AE_TARGET,
        target_id=event.pk,
        detail=f"{kind} ({severity}, {infusion_effect})",
    )
    return event


@transaction.atomic
def dissociation_record(
    *,
    actor: User,
    infusion: Infusion,
    instrument: str,
    score: Decimal,
    rated_at: dt.datetime | None = None,
    note: str = "",
) -> DissociationRating:
    """The CADSS (or short form) total after the infusion; dissociation rules are evaluated."""
    require_chart(actor=actor, infusion=infusion, target_type=DISSOCIATION_TARGET)
    infusion = Infusion.objects.get(pk=infusion.pk)
    require_status(infusion, (InfusionStatus.ENDED,), "rate dissociation (after the infusion ends)")
    if instrument not in DissociationInstrument.values:
        raise refuse("instrument", "Choose the instrument used: CADSS or its short form.")
    if not score.is_finite() or score < 0:
        raise refuse("score", "Enter the instrument's total score (0 or more).")
    most = DISSOCIATION_SCORE_MAX[instrument]
    if score > most:
        name = DissociationInstrument(instrument).label
        raise refuse(
            "score",
            f"A {name} total cannot be above {most} (the full CADSS has 23 items scored 0-4): "
            "check the total and re-enter it.",
        )
    now = timezone.now()
    rating = DissociationRating(
        infusion=infusion,
        instrument=instrument,
        score=score,
        rated_at=entry_time(
            infusion,
            rated_at,
            field="rated_at",
            label="Rating time",
            now=now,
            earliest=infusion.ended_at,
            earliest_label="the end of the infusion",
        ),
        note=note.strip()[:300],
        rated_by=actor,
        recorded_at=now,
    )
    validated(rating, exclude=["infusion", "rated_by"]).save()
    alerts = evaluate_dissociation(infusion=infusion, rating=rating)
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.CREATE,
        target_type=DISSOCIATION_TARGET,
        target_id=rating.pk,
        detail=f"{instrument}; {len(alerts)} alert(s)",
    )
    return rating

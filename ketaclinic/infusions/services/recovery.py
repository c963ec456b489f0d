"""Recovery (modified Aldrete), discharge and signing the flowsheet.

DOMAIN.md section 2: discharge-ready at a modified Aldrete total >= 9, with sedation and
dissociation resolved, an escort present and no-driving advice given; the patient is
monitored after the infusion ("every 15 min after"), so discharge needs at least one vitals
reading that counts, measured after the end. The protocol's
`min_observation_minutes` is the earliest discharge after the infusion ended; earlier needs
a physician's written reason. Signing creates the integration session (therapy) and the
post-infusion questionnaires are due from discharge (MEQ-30, craving).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.core.errors import ApplicationError, validated
from ketaclinic.infusions.models import (
    CirculationVariant,
    Discharge,
    Infusion,
    InfusionStatus,
    RecoveryScore,
)
from ketaclinic.infusions.models.recovery import ALDRETE_DISCHARGE_READY, ALDRETE_ITEMS
from ketaclinic.infusions.selectors.state import has_vitals_after_end, latest_recovery
from ketaclinic.infusions.services._common import (
    TARGET,
    audit,
    entry_time,
    local,
    locked,
    refuse,
    require_chart,
    require_status,
)
from ketaclinic.questionnaires.services import schedule_event
from ketaclinic.therapy.services import integration_schedule

RECOVERY_TARGET = "infusion_recovery"
POST_INFUSION_EVENT = "post_infusion"


@transaction.atomic
def recovery_score_record(
    *,
    actor: User,
    infusion: Infusion,
    activity: int,
    respiration: int,
    circulation: int,
    consciousness: int,
    oxygen: int,
    circulation_variant: str,
    scored_at: dt.datetime | None = None,
) -> RecoveryScore:
    require_chart(actor=actor, infusion=infusion, target_type=RECOVERY_TARGET)
    infusion = Infusion.objects.get(pk=infusion.pk)
    require_status(infusion, (InfusionStatus.ENDED,), "score recovery (after the infusion ends)")
    values = (activity, respiration, circulation, consciousness, oxygen)
    items = dict(zip(ALDRETE_ITEMS, values, strict=True))
    for name, value in items.items():
        if value not in (0, 1, 2):
            raise refuse(name, f"Score {name} as 0, 1 or 2.")
    if circulation_variant not in CirculationVariant.values:
        raise refuse(
            "circulation_variant", "Choose whether circulation was judged in mmHg or percent."
        )
    now = timezone.now()
    score = RecoveryScore(
        infusion=infusion,
        scored_at=entry_time(
            infusion,
            scored_at,
            field="scored_at",
            label="Scoring time",
            now=now,
            earliest=infusion.ended_at,
            earliest_label="the end of the infusion",
        ),
        circulation_variant=circulation_variant,
        total=sum(items.values()),
        scored_by=actor,
        recorded_at=now,
        **items,
    )
    validated(score, exclude=["infusion", "scored_by"]).save()
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.CREATE,
        target_type=RECOVERY_TARGET,
        target_id=score.pk,
        detail=f"modified Aldrete {score.total}/10",
    )
    return score


def _discharge_problems(
    infusion: Infusion,
    *,
    actor: User,
    moment: dt.datetime,
    checks: dict[str, bool],
    early_reason: str,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    score = latest_recovery(infusion=infusion)
    if score is None:
        problems["recovery"] = ["No recovery score yet: score the modified Aldrete first."]
    elif score.total < ALDRETE_DISCHARGE_READY:
        problems["recovery"] = [
            f"The latest modified Aldrete score is {score.total} of 10 (at "
            f"{local(infusion, score.scored_at)}): discharge needs {ALDRETE_DISCHARGE_READY} or "
            "more. Score again when the patient has recovered."
        ]
    fixes = {
        "escort_present": "No escort present: the patient may only leave with an escort.",
        "no_driving_advice_given": "Give the no-driving advice and tick it.",
        "sedation_resolved": "Sedation has not resolved: wait and reassess.",
        "dissociation_resolved": "Dissociation has not resolved: wait and reassess.",
    }
    for field, done in checks.items():
        if not done:
            problems[field] = [fixes[field]]
    if not has_vitals_after_end(infusion=infusion, until=moment):
        problems["vitals"] = [
            "Chart at least one set of vitals after the infusion before discharge."
        ]
    assert infusion.ended_at is not None  # status ENDED guarantees it
    minimum = infusion.course.protocol_version.min_observation_minutes
    earliest = infusion.ended_at + dt.timedelta(minutes=minimum)
    if moment < earliest:
        if not early_reason.strip():
            problems["early_reason"] = [
                f"Discharge at {local(infusion, moment)} is before the protocol's minimum "
                f"observation of {minimum} minutes after the infusion ended (not before "
                f"{local(infusion, earliest)}): wait, or a physician must write the reason."
            ]
        elif not actor.has_role_perm(Perm.GATE_OVERRIDE):
            problems["early_reason"] = [
                f"Only a physician may discharge before {local(infusion, earliest)}: ask the "
                "physician to discharge with the written reason."
            ]
    return problems


@transaction.atomic
def infusion_discharge(
    *,
    actor: User,
    infusion: Infusion,
    escort_present: bool,
    no_driving_advice_given: bool,
    sedation_resolved: bool,
    dissociation_resolved: bool,
    minutes_until_ready: int,
    early_reason: str = "",
    at: dt.datetime | None = None,
) -> Discharge:
    require_chart(actor=actor, infusion=infusion)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.ENDED,), "discharge the patient")
    now = timezone.now()
    moment = entry_time(
        infusion,
        at,
        field="at",
        label="Discharge time",
        now=now,
        earliest=infusion.ended_at,
        earliest_label="the end of the infusion",
    )
    checks = {
        "escort_present": escort_present,
        "no_driving_advice_given": no_driving_advice_given,
        "sedation_resolved": sedation_resolved,
        "dissociation_resolved": dissociation_resolved,
    }
    problems = _discharge_problems(
        infusion, actor=actor, moment=moment, checks=checks, early_reason=early_reason
    )
    if minutes_until_ready < 0:
        problems["minutes_until_ready"] = ["Minutes until ready to leave cannot be negative."]
    if problems:
        raise ApplicationError(
            "The patient cannot be discharged yet. "
            + " ".join(message for texts in problems.values() for message in texts),
            field_errors=problems,
        )
    score = latest_recovery(infusion=infusion)
    assert score is not None  # checked above
    minimum = infusion.course.protocol_version.min_observation_minutes
    assert infusion.ended_at is not None
    is_early = moment < infusion.ended_at + dt.timedelta(minutes=minimum)
    discharge = Discharge(
        infusion=infusion,
        recovery_score=score,
        minutes_until_ready=minutes_until_ready,
        early_reason=early_reason.strip()[:500] if is_early else "",
        discharged_by=actor,
        discharged_at=moment,
        recorded_at=now,
        **checks,
    )
    validated(discharge, exclude=["infusion", "recovery_score", "discharged_by"]).save()
    infusion.discharged_at = moment
    infusion.status = InfusionStatus.DISCHARGED
    infusion.save(update_fields=["discharged_at", "status"])
    # The post-infusion questionnaires (MEQ-30, craving) are due from discharge.
    schedule_event(
        actor=actor,
        patient=infusion.patient,
        event=POST_INFUSION_EVENT,
        at=moment,
        reference=f"infusion:{infusion.pk}",
    )
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail="discharged early with physician reason" if is_early else "discharged",
    )
    return discharge


@transaction.atomic
def infusion_sign(*, actor: User, infusion: Infusion, at: dt.datetime | None = None) -> Infusion:
    """Sign the discharged flowsheet; creates the integration session and makes sure the
    post-infusion questionnaires are due, all in this one transaction."""
    require_chart(actor=actor, infusion=infusion)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.DISCHARGED,), "sign it (discharge the patient first)")
    assert infusion.discharged_at is not None
    moment = entry_time(
        infusion,
        at,
        field="at",
        label="Signature time",
        now=timezone.now(),
        earliest=infusion.discharged_at,
        earliest_label="the discharge",
    )
    infusion.status = InfusionStatus.SIGNED
    infusion.signed_by = actor
    infusion.signed_at = moment
    infusion.save(update_fields=["status", "signed_by", "signed_at"])
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail="signed",
    )
    integration_schedule(infusion=infusion)
    # Idempotent: discharge already scheduled them; this covers a discharge charted before
    # the questionnaire rules existed.
    schedule_event(
        actor=actor,
        patient=infusion.patient,
        event=POST_INFUSION_EVENT,
        at=infusion.discharged_at,
        reference=f"infusion:{infusion.pk}",
    )
    return infusion

"""The clinician's response to an alert, and the clinic admin's alert rules (never edited in
place: a changed threshold is a new rule, the old one is retired)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import validated
from ketaclinic.infusions.models import (
    AlertAction,
    AlertEvent,
    AlertParameter,
    AlertRule,
    Comparator,
    VitalsPhase,
)
from ketaclinic.infusions.models.vitals import LIMITS
from ketaclinic.infusions.services._common import (
    audit,
    entry_time,
    locked,
    refuse,
    require_chart,
)
from ketaclinic.infusions.services.running import pause_locked

TARGET = "infusion_alert"
RULE_TARGET = "alert_rule"

# The plausible range of each parameter's readings (vitals limits; dissociation >= 0).
_RANGES = {
    AlertParameter.SBP: LIMITS["sbp"],
    AlertParameter.DBP: LIMITS["dbp"],
    AlertParameter.HR: LIMITS["hr"],
    AlertParameter.SPO2: LIMITS["spo2"],
    AlertParameter.RR: LIMITS["rr"],
    AlertParameter.SEDATION: LIMITS["moaas"],
}


@transaction.atomic
def alert_respond(
    *,
    actor: User,
    alert: AlertEvent,
    response: str,
    pause_infusion: bool = False,
    at: dt.datetime | None = None,
) -> AlertEvent:
    """Record what the clinician did about an alert; optionally pause the infusion with it."""
    infusion = alert.infusion
    require_chart(actor=actor, infusion=infusion, target_type=TARGET)
    infusion = locked(infusion)
    alert = (
        AlertEvent.objects.select_for_update(of=("self",))
        .select_related("rule", "vitals_entry")
        .get(pk=alert.pk)
    )
    if alert.reading_voided:
        raise refuse(
            "response",
            "The reading that raised this alert was voided as wrongly typed: no response is "
            "needed. Reload the flowsheet.",
            conflict=True,
        )
    if alert.responded_at is not None:
        raise refuse(
            "response",
            f"This alert was already answered at {alert.responded_at:%H:%M} UTC: reload the "
            "flowsheet to see the response.",
            conflict=True,
        )
    if not response.strip():
        raise refuse("response", "Write what you did, for example 'Paused, physician called'.")
    now = timezone.now()
    moment = entry_time(
        infusion,
        at,
        field="at",
        label="Response time",
        now=now,
        earliest=alert.raised_at,
        earliest_label="the alert",
    )
    if pause_infusion:
        pause_locked(
            actor=actor,
            infusion=infusion,
            reason=f"Alert: {alert.rule.describe()}. {response.strip()}",
            at=moment,
            alert=alert,
        )
    alert.response = response.strip()
    alert.responded_by = actor
    alert.responded_at = moment
    alert.save(update_fields=["response", "responded_by", "responded_at"])
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=alert.pk,
        detail=f"alert answered ({alert.action}){'; paused' if pause_infusion else ''}",
    )
    return alert


def _rule_problem(
    parameter: str, phase: str, action: str, value: Decimal
) -> tuple[str, str] | None:
    if action == AlertAction.HOLD_START and phase != VitalsPhase.PRE:
        return "phase", "'Hold the start' applies before the infusion: choose that phase."
    if (
        action in (AlertAction.PAUSE_INFUSION, AlertAction.STOP_INFUSION)
        and phase != VitalsPhase.INTRA
    ):
        return "phase", "Pausing or stopping applies during the infusion: choose that phase."
    if not value.is_finite():
        return "value", "Enter the threshold as a number."
    limits = _RANGES.get(AlertParameter(parameter))
    low, high = (limits[1], limits[2]) if limits else (0, 9999)
    if not low <= value <= high:
        return "value", f"A threshold of {value} is outside the possible readings ({low}-{high})."
    return None


@transaction.atomic
def alert_rule_create(
    *,
    actor: User,
    parameter: str,
    phase: str,
    comparator: str,
    value: Decimal,
    action: str,
    owner: str,
    source: str,
    site: Site | None = None,
    effective_from: dt.datetime | None = None,
) -> AlertRule:
    """A new clinic rule, in force from `effective_from` (default now)."""
    require_perm(user=actor, perm=Perm.ALERT_RULE_MANAGE, target_type=RULE_TARGET)
    if site is not None and site.pk not in actor.site_ids:
        raise refuse("site", "Choose one of your own sites, or all sites.")
    checks = (
        ("parameter", parameter, AlertParameter.values),
        ("phase", phase, VitalsPhase.values),
        ("comparator", comparator, Comparator.values),
        ("action", action, AlertAction.values),
    )
    for field, given, allowed in checks:
        if given not in allowed:
            raise refuse(field, f"Choose a {field} from the list.")
    problem = _rule_problem(parameter, phase, action, value)
    if not owner.strip():
        problem = ("owner", "Name the rule's owner, for example the medical director.")
    if not source.strip():
        problem = (
            "source",
            "Give the rule's source: the publication or clinic protocol it follows.",
        )
    if problem is not None:
        raise refuse(*problem)
    now = timezone.now()
    rule = AlertRule(
        parameter=parameter,
        phase=phase,
        comparator=comparator,
        value=value,
        action=action,
        owner=owner.strip(),
        source=source.strip(),
        site=site,
        effective_from=effective_from or now,
        is_example=False,
        created_by=actor,
        created_at=now,
    )
    validated(rule, exclude=["site", "created_by", "retired_by"]).save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        site=site,
        target_type=RULE_TARGET,
        target_id=rule.pk,
        detail=f"rule {parameter} {comparator} {value} {action} ({phase})",
    )
    return rule


@transaction.atomic
def alert_rule_retire(
    *, actor: User, rule: AlertRule, reason: str, at: dt.datetime | None = None
) -> AlertRule:
    """Retire a rule from `at` (default now); it stays on record for alerts it raised."""
    require_perm(
        user=actor, perm=Perm.ALERT_RULE_MANAGE, target_type=RULE_TARGET, target_id=rule.pk
    )
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    if rule.site_id is not None and rule.site_id not in actor.site_ids:
        raise refuse("rule", "This rule belongs to another site.")
    if rule.effective_to is not None:
        raise refuse("rule", "This rule is already retired.", conflict=True)
    if not reason.strip():
        raise refuse(
            "reason", "Give the reason for retiring the rule (for example 'replaced by rule 12')."
        )
    moment = at or timezone.now()
    if moment < rule.effective_from:
        raise refuse("at", "A rule cannot be retired before it took effect.")
    rule.effective_to = moment
    rule.retired_by = actor
    rule.retire_reason = reason.strip()[:300]
    rule.save(update_fields=["effective_to", "retired_by", "retire_reason"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        site=rule.site,
        target_type=RULE_TARGET,
        target_id=rule.pk,
        detail="rule retired",
    )
    return rule

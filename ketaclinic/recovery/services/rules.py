"""The clinic's lapse and relapse rules: example defaults per site, and new versions.

A rule is never edited: a clinic admin writes the next version, the previous one is kept
inactive for the record, and every target of that kind at the site is recomputed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, validated
from ketaclinic.patients.models import AddictionTarget, RecoveryUnit, Target
from ketaclinic.recovery.models import RecoveryRule, RelapseRuleKind
from ketaclinic.recovery.services._common import fmt_quantity

TARGET_TYPE = "recovery_rule"
_EXAMPLE = "Example, for the medical director to confirm. "

# Alcohol: a relapse is the first heavy drinking day (N=1 heavy day within M=1 day), at the
# DOMAIN.md section 4 thresholds. Time to first heavy drinking day is the relapse outcome of
# Dakwar 2020 and one of the seven definitions Maisto 2016 compared.
ALCOHOL_NOTE = (
    _EXAMPLE + "Relapse = first heavy drinking day: >= 5 US standard drinks (men), >= 4 "
    "(women) (FDA 2015 draft guidance; Dakwar 2020); one of the definitions Maisto 2016 "
    "compared."
)
# Other targets: 7 consecutive days of use, the relapse definition recommended for smoking
# cessation trials (Hughes et al., Nicotine Tob Res 2003) and used for opioids in X:BOT
# (Lee et al., Lancet 2018). No trial standard exists for behavioural addictions.
OTHER_NOTE = (
    _EXAMPLE + "Relapse = 7 consecutive days of use (smoking trials: Hughes 2003; opioids: "
    "X:BOT, Lee 2018). No trial standard exists for behavioural addictions."
)


@dataclass(frozen=True)
class RuleDraft:
    """What a clinic admin enters for the next version of a target's rule."""

    relapse_kind: str
    relapse_days: int | None = None
    relapse_window_days: int | None = None
    heavy_threshold_male: Decimal | None = None
    heavy_threshold_female: Decimal | None = None
    heavy_unit: str = ""
    grace_days: int = 0
    source_note: str = ""


def default_rule(target: str) -> RuleDraft:
    if target == Target.ALCOHOL:
        return RuleDraft(
            relapse_kind=RelapseRuleKind.HEAVY_DAYS_WITHIN,
            relapse_days=1,
            relapse_window_days=1,
            heavy_threshold_male=Decimal(5),
            heavy_threshold_female=Decimal(4),
            heavy_unit=RecoveryUnit.STANDARD_DRINKS,
            source_note=ALCOHOL_NOTE,
        )
    return RuleDraft(
        relapse_kind=RelapseRuleKind.CONSECUTIVE_USE_DAYS, relapse_days=7, source_note=OTHER_NOTE
    )


@transaction.atomic
def recovery_rules_ensure(*, site: Site) -> list[RecoveryRule]:
    """Give every target kind without a rule at this site the example default (version 1).

    Idempotent; the system writes it (no actor), so recomputing never waits for an admin.
    """
    have = set(RecoveryRule.objects.filter(site=site).values_list("target", flat=True))
    missing = [t for t in Target.values if t not in have]
    if missing:
        now = timezone.now()
        rules = [_rule(site, t, 1, default_rule(t), None, now) for t in missing]
        for rule in rules:
            validated(rule, validate_constraints=False)
        RecoveryRule.objects.bulk_create(rules)
        audit_record(
            actor=None,
            actor_username="system",
            action=Action.CREATE,
            site=site,
            target_type=TARGET_TYPE,
            detail=f"example default rules for {', '.join(missing)}"[:300],
        )
    return list(RecoveryRule.objects.filter(site=site, is_active=True).order_by("target"))


def _rule(
    site: Site, target: str, version: int, draft: RuleDraft, actor: User | None, now: dt.datetime
) -> RecoveryRule:
    return RecoveryRule(
        site=site,
        target=target,
        version=version,
        relapse_kind=draft.relapse_kind,
        relapse_days=draft.relapse_days,
        relapse_window_days=draft.relapse_window_days,
        heavy_threshold_male=draft.heavy_threshold_male,
        heavy_threshold_female=draft.heavy_threshold_female,
        heavy_unit=draft.heavy_unit,
        grace_days=draft.grace_days,
        source_note=draft.source_note.strip(),
        created_by=actor,
        created_at=now,
    )


_DENIED = "Only a clinic admin changes the lapse and relapse rules. Ask your clinic admin."


def recovery_rule_create(*, actor: User, site: Site, target: str, draft: RuleDraft) -> RecoveryRule:
    """Write the next version of the site's rule for `target`, retire the previous one, and
    recompute every target of that kind at the site (synchronously: demo scale)."""
    require_perm(
        user=actor, perm=Perm.RECOVERY_RULE_MANAGE, target_type=TARGET_TYPE, message=_DENIED
    )
    if site.pk not in actor.site_ids:
        raise ApplicationError("You do not work at that site: choose one of your sites.")
    if target not in Target.values:
        raise ApplicationError(f"Unknown addiction target {target!r}: choose one from the list.")
    _check_draft(draft)
    with transaction.atomic():
        recovery_rules_ensure(site=site)
        current = RecoveryRule.objects.select_for_update().filter(site=site, target=target)
        version = (current.aggregate(v=Max("version"))["v"] or 0) + 1
        current.filter(is_active=True).update(is_active=False)
        rule = validated(_rule(site, target, version, draft, actor, timezone.now()))
        rule.save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            site=site,
            target_type=TARGET_TYPE,
            target_id=rule.pk,
            detail=f"{target} rule v{version}: {describe(rule)}"[:300],
        )
        from ketaclinic.recovery.services.recompute import recompute_site_kind

        recompute_site_kind(site=site, target_kind=target)
        return rule


def _check_draft(draft: RuleDraft) -> None:
    errors: dict[str, list[str]] = {}
    if draft.relapse_kind not in RelapseRuleKind.values:
        errors["relapse_kind"] = ["Choose how a relapse is defined."]
    if draft.relapse_kind in (
        RelapseRuleKind.HEAVY_DAYS_WITHIN,
        RelapseRuleKind.CONSECUTIVE_USE_DAYS,
    ) and (not draft.relapse_days or draft.relapse_days < 1):
        errors["relapse_days"] = ["Enter N, the number of days that make a relapse (1 or more)."]
    if draft.relapse_kind == RelapseRuleKind.HEAVY_DAYS_WITHIN:
        if not draft.relapse_window_days or draft.relapse_window_days < (draft.relapse_days or 1):
            errors["relapse_window_days"] = ["Enter M, the window in days: at least N."]
        for name in ("heavy_threshold_male", "heavy_threshold_female"):
            value = getattr(draft, name)
            if value is None or value <= 0:
                errors[name] = ["Enter the heavy-use threshold (more than 0)."]
        if draft.heavy_unit not in RecoveryUnit.values:
            errors["heavy_unit"] = ["Choose the unit the heavy-use thresholds are in."]
    if draft.grace_days < 0 or draft.grace_days > 365:
        errors["grace_days"] = ["The grace period is 0 to 365 days."]
    if errors:
        summary = " ".join(m for messages in errors.values() for m in messages)
        raise ApplicationError(f"Please correct the rule: {summary}", field_errors=errors)


def describe(rule: RecoveryRule) -> str:
    """The rule in one line a nurse can read."""
    grace = (
        f"; use up to {rule.grace_days} day(s) after the start day not counted"
        if rule.grace_days
        else ""
    )
    if rule.relapse_kind == RelapseRuleKind.ANY_USE:
        text = "relapse = any use"
    elif rule.relapse_kind == RelapseRuleKind.CONSECUTIVE_USE_DAYS:
        text = f"relapse = {rule.relapse_days} consecutive days of use"
    else:
        unit = RecoveryUnit(rule.heavy_unit).label.split(" (")[0].lower() if rule.heavy_unit else ""
        text = (
            f"relapse = {rule.relapse_days} heavy day(s) within {rule.relapse_window_days} "
            f"day(s); heavy = >= {fmt_quantity(rule.heavy_threshold_male)} {unit} (men), "
            f">= {fmt_quantity(rule.heavy_threshold_female)} (women, intersex, unknown)"
        )
    return f"lapse = any use; {text}{grace}"


def active_rule_for(*, target: AddictionTarget) -> RecoveryRule:
    site = target.patient.site
    rule = RecoveryRule.objects.filter(site=site, target=target.target, is_active=True).first()
    if rule is None:
        recovery_rules_ensure(site=site)
        rule = RecoveryRule.objects.get(site=site, target=target.target, is_active=True)
    return rule


def recovery_site_recompute(*, actor: User, site: Site) -> int:
    """Recompute every target at the site now (the nightly job does the same for all)."""
    require_perm(
        user=actor, perm=Perm.RECOVERY_RULE_MANAGE, target_type=TARGET_TYPE, message=_DENIED
    )
    if site.pk not in actor.site_ids:
        raise ApplicationError("You do not work at that site: choose one of your sites.")
    from ketaclinic.recovery.services.recompute import recompute_site_kind

    with transaction.atomic():
        recovery_rules_ensure(site=site)
        count = sum(recompute_site_kind(site=site, target_kind=t) for t in Target.values)
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            site=site,
            target_type=TARGET_TYPE,
            detail=f"recomputed {count} addiction target(s)",
        )
        return count

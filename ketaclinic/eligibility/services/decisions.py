"""The physician's eligibility decision, and the audited override of an absolute contraindication.

DOMAIN.md §2: absolute contraindications block treatment unless a physician overrides them in
writing. Relative ones (active substance use included, which an addiction programme treats
on purpose) never block: the physician's reasoning is recorded instead.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.eligibility.choices import TREATABLE_OUTCOMES, EligibilityOutcome
from ketaclinic.eligibility.models import (
    ContraindicationDefinition,
    ContraindicationScreen,
    EligibilityDecision,
)
from ketaclinic.eligibility.selectors import current_screen
from ketaclinic.eligibility.services._common import guard, lock_patient, next_version, refuse
from ketaclinic.patients.models import Patient


def _screen_to_decide_on(patient: Patient, screen_id: int | None) -> ContraindicationScreen:
    screen = current_screen(patient=patient)
    if screen is None:
        raise refuse(
            "No contraindication screen on file: record the contraindication checklist "
            "before deciding eligibility."
        )
    if not screen.is_complete:
        unknown = ", ".join(definition.label for definition in screen.unknown)
        raise refuse(
            f"The contraindication screen (version {screen.version}) is incomplete: "
            f"{unknown} still 'unknown'. Record a new screen with every item answered before "
            "deciding eligibility."
        )
    if screen_id is not None and screen_id != screen.pk:
        raise ApplicationError(
            f"The contraindication screen changed while you were deciding: version "
            f"{screen.version} is now current. Review it and decide again.",
            code=ErrorCode.CONFLICT,
        )
    return screen


def _describe(definitions: list[ContraindicationDefinition]) -> str:
    return "; ".join(f"{d.label} ({d.code})" for d in definitions)


def _check(
    *,
    outcome: EligibilityOutcome,
    reasoning: str,
    conditions: str,
    override_reason: str,
    absolute: list[ContraindicationDefinition],
) -> None:
    errors: dict[str, str] = {}
    if not reasoning:
        errors["reasoning"] = "Write your reasoning: every eligibility decision needs it."
    if outcome == EligibilityOutcome.ELIGIBLE_WITH_CONDITIONS and not conditions:
        errors["conditions"] = "Write the conditions the patient is eligible under."
    if errors:
        raise refuse(" ".join(errors.values()), **errors)
    needs_override = outcome in TREATABLE_OUTCOMES and bool(absolute)
    if needs_override and not override_reason:
        message = (
            f"Absolute contraindication present: {_describe(absolute)}. The patient cannot be "
            f"recorded as {outcome.label.lower()} without an override: write an override "
            "reason, or decide not eligible or refer elsewhere."
        )
        raise refuse(message, override_reason="An override reason is required.")
    if override_reason and not needs_override:
        message = (
            "Leave the override reason empty: an override is only for deciding eligible "
            "despite an absolute contraindication."
        )
        raise refuse(message, override_reason="Leave this empty.")


def _audit(actor: User, decision: EligibilityDecision) -> None:
    """The decision, and an override as its own event so compliance can list overrides."""
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=decision.patient,
        target_type="eligibility_decision",
        target_id=decision.pk,
        detail=f"version {decision.version}; outcome {decision.outcome}; "
        f"screen v{decision.screen.version}",
    )
    if decision.override_reason:
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=decision.patient,
            target_type="eligibility_override",
            target_id=decision.pk,
            detail=f"absolute contraindication override: {', '.join(decision.absolute_codes)}",
        )


def eligibility_decide(
    *,
    actor: User,
    patient: Patient,
    outcome: EligibilityOutcome,
    reasoning: str,
    conditions: str = "",
    override_reason: str = "",
    screen_id: int | None = None,
) -> EligibilityDecision:
    """A new decision version on the current (complete) screen; `screen_id` guards staleness."""
    guard(
        actor=actor,
        patient=patient,
        perm=Perm.ELIGIBILITY_DECIDE,
        target_type="eligibility_decision",
        message="Only a physician can decide eligibility. Ask the patient's physician.",
    )
    with transaction.atomic():
        lock_patient(patient)
        screen = _screen_to_decide_on(patient, screen_id)
        absolute, relative = screen.present_absolute, screen.present_relative
        reasoning, conditions = reasoning.strip(), conditions.strip()
        override_reason = override_reason.strip()
        _check(
            outcome=outcome,
            reasoning=reasoning,
            conditions=conditions,
            override_reason=override_reason,
            absolute=absolute,
        )
        decision = EligibilityDecision(
            patient=patient,
            version=next_version(patient.eligibility_decisions.all()),
            supersedes=patient.eligibility_decisions.order_by("-version").first(),
            screen=screen,
            outcome=outcome,
            reasoning=reasoning,
            conditions=conditions,
            override_reason=override_reason,
            absolute_codes=[d.code for d in absolute],
            relative_codes=[d.code for d in relative],
            decided_by=actor,
            decided_at=timezone.now(),
        )
        decision.full_clean()
        decision.save()
        _audit(actor, decision)
        return decision

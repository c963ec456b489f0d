"""The ketamine-misuse risk-benefit assessment: record a version, then sign it with the patient."""

from __future__ import annotations

import dataclasses
import re

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFoundError
from ketaclinic.eligibility.models import RiskBenefitAssessment, RiskRuleSet
from ketaclinic.eligibility.rules import RiskFacts, risk_derive, risk_rule_parse
from ketaclinic.eligibility.selectors import current_risk_rule_set
from ketaclinic.eligibility.services._common import guard, lock_patient, next_version, refuse
from ketaclinic.patients.models import Patient

_TARGET = "risk_benefit_assessment"


def _same_name(typed: str, expected: str) -> bool:
    def norm(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip().casefold()

    return bool(norm(typed)) and norm(typed) == norm(expected)


def _guard(actor: User, patient: Patient) -> None:
    guard(
        actor=actor,
        patient=patient,
        perm=Perm.RISK_BENEFIT_SIGN,
        target_type=_TARGET,
        message="Only a physician can record and sign the risk-benefit assessment.",
    )


def _rule_in_force() -> RiskRuleSet:
    rule_set = current_risk_rule_set()
    if rule_set is None:
        raise refuse("No risk rule is in force: ask your medical director to set one.")
    return rule_set


def _check_texts(texts: dict[str, str]) -> None:
    errors = {}
    if not texts["benefits_discussed"]:
        errors["benefits_discussed"] = "Write which benefits you discussed with the patient."
    if not texts["monitoring_plan"]:
        errors["monitoring_plan"] = "Write the monitoring plan (for example drug screens)."
    if errors:
        raise refuse(" ".join(errors.values()), **errors)


def risk_benefit_record(
    *,
    actor: User,
    patient: Patient,
    facts: RiskFacts,
    benefits_discussed: str,
    monitoring_plan: str,
    current_substances_note: str = "",
    psychiatric_notes: str = "",
) -> RiskBenefitAssessment:
    """A new, unsigned version. The risk level comes from the clinic's rule in force."""
    _guard(actor, patient)
    texts = {
        "benefits_discussed": benefits_discussed.strip(),
        "monitoring_plan": monitoring_plan.strip(),
        "current_substances_note": current_substances_note.strip(),
        "psychiatric_notes": psychiatric_notes.strip(),
    }
    _check_texts(texts)
    rule_set = _rule_in_force()
    derived = risk_derive(facts, rule_code=rule_set.code, rule=risk_rule_parse(rule_set.rule))
    recorded = dataclasses.asdict(facts) | texts
    recorded["current_substances"] = [substance.value for substance in facts.current_substances]
    with transaction.atomic():
        lock_patient(patient)
        earlier = patient.risk_benefit_assessments.all()
        assessment = RiskBenefitAssessment(
            patient=patient,
            version=next_version(earlier),
            supersedes=earlier.order_by("-version").first(),
            **recorded,
            risk_level=derived.level,
            rule_set=rule_set,
            rule_code=rule_set.code,
            rule_label=rule_set.label,
            risk_factors=list(derived.factors),
            derivation=derived.text,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        assessment.full_clean()
        assessment.save()
        detail = f"version {assessment.version}; risk {derived.level.value} by {rule_set.code}"
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            target_type=_TARGET,
            target_id=assessment.pk,
            detail=detail,
        )
    return assessment


def _signable(patient: Patient, assessment_id: int) -> RiskBenefitAssessment:
    assessments = patient.risk_benefit_assessments.select_for_update()
    assessment = assessments.filter(pk=assessment_id).first()
    if assessment is None:
        raise NotFoundError("No risk-benefit assessment with that id for this patient.")
    if assessment.is_signed:
        raise refuse(
            f"Version {assessment.version} is already signed and cannot change: record a new "
            "version to change anything."
        )
    latest = patient.risk_benefit_assessments.order_by("-version").first()
    if latest is not None and latest.pk != assessment.pk:
        raise refuse(
            f"Version {assessment.version} was replaced by version {latest.version}: sign the "
            "current version."
        )
    return assessment


def _check_names(actor: User, patient: Patient, signature_name: str, patient_name: str) -> None:
    errors = {}
    own_name = actor.get_full_name() or actor.username
    if not _same_name(signature_name, own_name):
        errors["signature_name"] = f"Type your full name as on your account ({own_name}) to sign."
    if not _same_name(patient_name, f"{patient.first_name} {patient.last_name}"):
        errors["patient_name"] = (
            "The patient types their first and last name as registered on the chart."
        )
    if errors:
        raise refuse(" ".join(errors.values()), **errors)


def risk_benefit_sign(
    *, actor: User, patient: Patient, assessment_id: int, signature_name: str, patient_name: str
) -> RiskBenefitAssessment:
    """The physician signs by typing their name; the patient acknowledges by typing theirs.

    Both happen together in front of the physician, who is recorded as the witness. After
    this the version never changes: a change is a new version.
    """
    _guard(actor, patient)
    _check_names(actor, patient, signature_name, patient_name)
    with transaction.atomic():
        lock_patient(patient)
        assessment = _signable(patient, assessment_id)
        now = timezone.now()
        assessment.signed_by, assessment.signed_at = actor, now
        assessment.signature_name = signature_name.strip()
        assessment.acknowledged_by_patient_name = patient_name.strip()
        assessment.acknowledged_at, assessment.witnessed_by = now, actor
        assessment.full_clean()
        assessment.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=patient,
            target_type=_TARGET,
            target_id=assessment.pk,
            detail=f"signed version {assessment.version}; patient acknowledged",
        )
    return assessment

"""Readiness for enrolment: what is still missing before a treatment course may start.

The treatment-course work calls `patient_readiness` as its gate, so the chart, the API and
the enrolment service all agree on one list. It writes no audit row: callers load the
patient through `patient_get`, which audits the read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone

from ketaclinic.consent.models import ConsentKind
from ketaclinic.consent.selectors import valid_consent
from ketaclinic.eligibility.selectors import current_eligibility, current_risk_benefit
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import latest_weight


@dataclass(frozen=True)
class ReadinessItem:
    code: str
    label: str
    done: bool
    detail: str  # what is on file, or what to do next


@dataclass(frozen=True)
class Readiness:
    items: tuple[ReadinessItem, ...]

    @property
    def ready(self) -> bool:
        return all(item.done for item in self.items)

    @property
    def missing(self) -> list[str]:
        return [item.detail for item in self.items if not item.done]


def _day(moment: dt.datetime, patient: Patient) -> str:
    """The date at the patient's site, which is what the clinic sees on its calendar."""
    return timezone.localtime(moment, ZoneInfo(patient.site.time_zone)).strftime("%Y-%m-%d")


def _eligibility(patient: Patient) -> ReadinessItem:
    decision = current_eligibility(patient=patient)
    label = "Eligibility decision by a physician"
    if decision is None:
        return ReadinessItem(
            "eligibility",
            label,
            False,
            "No eligibility decision yet: a physician records one after the "
            "contraindication screen.",
        )
    if not decision.allows_treatment:
        return ReadinessItem(
            "eligibility",
            label,
            False,
            f"The current decision is “{decision.get_outcome_display()}”: "
            "a physician must decide the patient is eligible.",
        )
    return ReadinessItem(
        "eligibility",
        label,
        True,
        f"{decision.get_outcome_display()} ({_day(decision.decided_at, patient)}).",
    )


def _risk_benefit(patient: Patient) -> ReadinessItem:
    assessment = current_risk_benefit(patient=patient)
    label = "Ketamine-misuse risk-benefit assessment, signed"
    if assessment is None:
        return ReadinessItem(
            "risk_benefit",
            label,
            False,
            "No risk-benefit assessment yet: a physician records and signs one with the patient.",
        )
    if assessment.signed_at is None:
        return ReadinessItem(
            "risk_benefit",
            label,
            False,
            "The risk-benefit assessment is not signed: the physician and the patient sign it.",
        )
    return ReadinessItem(
        "risk_benefit",
        label,
        True,
        f"Risk {assessment.get_risk_level_display().lower()}, signed "
        f"{_day(assessment.signed_at, patient)}.",
    )


def _treatment_consent(patient: Patient, on: dt.datetime) -> ReadinessItem:
    consent = valid_consent(patient=patient, kind=ConsentKind.TREATMENT_KETAMINE, on=on)
    label = "Informed consent for ketamine treatment, valid"
    if consent is None:
        return ReadinessItem(
            "treatment_consent",
            label,
            False,
            "No valid treatment consent: the patient signs the ketamine "
            "treatment consent (a revoked or expired one does not count).",
        )
    until = f", valid until {consent.expires_on:%Y-%m-%d}" if consent.expires_on else ""
    return ReadinessItem(
        "treatment_consent", label, True, f"Signed {_day(consent.signed_at, patient)}{until}."
    )


def _baseline_weight(patient: Patient) -> ReadinessItem:
    weight = latest_weight(patient=patient)
    label = "Baseline weight"
    if weight is None:
        return ReadinessItem(
            "baseline_weight",
            label,
            False,
            "No weight on file: weigh the patient and record it in the chart.",
        )
    return ReadinessItem(
        "baseline_weight",
        label,
        True,
        f"{weight.weight_kg} kg on {_day(weight.measured_at, patient)}.",
    )


def patient_readiness(*, patient: Patient, on: dt.datetime | None = None) -> Readiness:
    """Eligibility, signed risk-benefit, valid treatment consent and a baseline weight."""
    moment = on or timezone.now()
    return Readiness(
        items=(
            _eligibility(patient),
            _risk_benefit(patient),
            _treatment_consent(patient, moment),
            _baseline_weight(patient),
        )
    )

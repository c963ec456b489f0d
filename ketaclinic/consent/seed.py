"""Demo consents, written through the services. Synthetic recipients only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.consent import services
from ketaclinic.consent.examples import create_examples
from ketaclinic.consent.models import (
    ConsentKind,
    ConsentTemplate,
    PatientConsent,
    RedisclosureNotice,
)
from ketaclinic.consent.services.signing import Part2Elements
from ketaclinic.patients.models import Patient

_RECIPIENTS = [
    "Example Family Practice, Dr. Sample Person (synthetic)",
    "Example Community Health Center primary care team (synthetic)",
    "",  # the class "all future treatment, payment and health care operations uses"
]
_PURPOSES = [
    "Coordinate care with the patient's primary care physician.",
    "Let the referring provider follow the patient's progress in treatment.",
    "Treatment, payment and health care operations.",
]


def ensure_example_templates() -> int:
    """The example templates and notice of migration 0002, if a flushed database lost them."""
    return create_examples(
        template_model=ConsentTemplate, notice_model=RedisclosureNotice, now=timezone.now()
    )


def seed_treatment_consent(*, patient: Patient, witness: User, seed: int) -> PatientConsent:
    """A witnessed treatment consent on the active template; `seed` is kept for symmetry."""
    ensure_example_templates()
    return services.consent_sign(
        actor=witness,
        patient=patient,
        kind=ConsentKind.TREATMENT_KETAMINE,
        signature_name=f"{patient.first_name} {patient.last_name}",
        witnessed=True,
    )


def seed_part2_consent(*, patient: Patient, witness: User, seed: int) -> PatientConsent:
    """A Part 2 consent whose recipients, purpose and expiry vary deterministically with seed."""
    ensure_example_templates()
    choice = seed % len(_RECIPIENTS)
    by_date = seed % 2 == 0
    elements = Part2Elements(
        discloser=f"{patient.site.name} ketamine programme",
        information_description="Dates of attendance, diagnoses and a treatment summary.",
        recipients=_RECIPIENTS[choice],
        recipients_all_tpo=_RECIPIENTS[choice] == "",
        purpose=_PURPOSES[choice],
        ending_event="" if by_date else "When treatment at this clinic ends.",
    )
    expires_on = timezone.localdate() + dt.timedelta(days=365) if by_date else None
    return services.consent_sign(
        actor=witness,
        patient=patient,
        kind=ConsentKind.PART2_DISCLOSURE,
        signature_name=f"{patient.first_name} {patient.last_name}",
        witnessed=True,
        elements=elements,
        expires_on=expires_on,
    )

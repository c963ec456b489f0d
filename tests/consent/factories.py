"""Factories for the consent tests (the suite-wide ones live in tests/factories.py)."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.models import User
from ketaclinic.consent.models import (
    ConsentKind,
    ConsentTemplate,
    PatientConsent,
    SignedVia,
    TemplateStatus,
)
from ketaclinic.consent.services import consent_sign
from ketaclinic.consent.services.signing import Part2Elements
from ketaclinic.patients.models import Patient
from tests.factories import PatientFactory, UserFactory

# Every Part 2 element filled in; tests blank one at a time.
PART2_FIELDS: dict[str, str] = {
    "discloser": "Boston ketamine programme",
    "information_description": "Dates of attendance and a treatment summary.",
    "recipients": "Example Family Practice (synthetic)",
    "purpose": "Coordinate care with the primary care physician.",
    "revocation_statement": "You may revoke this consent at any time by telling staff.",
    "ending_event": "When treatment at this clinic ends.",
}


class ConsentTemplateFactory(DjangoModelFactory[ConsentTemplate]):
    """A draft version; numbers start at 100 so they never meet the shipped version 1."""

    class Meta:
        model = ConsentTemplate

    kind = ConsentKind.PART2_DISCLOSURE
    version = factory.Sequence(lambda n: 100 + n)
    title = factory.Sequence(lambda n: f"Test consent form {n}")
    body = "Synthetic consent text for tests."
    revocation_statement = "You may revoke this consent at any time by telling staff."
    site = None
    status = TemplateStatus.DRAFT


class PatientConsentFactory(DjangoModelFactory[PatientConsent]):
    """A complete, witnessed Part 2 consent row written straight to the table."""

    class Meta:
        model = PatientConsent

    patient = factory.SubFactory(PatientFactory)
    template = factory.SubFactory(ConsentTemplateFactory)
    kind = ConsentKind.PART2_DISCLOSURE
    patient_name = factory.LazyAttribute(lambda o: f"{o.patient.first_name} {o.patient.last_name}")
    discloser = "Boston ketamine programme"
    information_description = "Dates of attendance and a treatment summary."
    recipients = "Example Family Practice (synthetic)"
    purpose = "Coordinate care with the primary care physician."
    revocation_statement = "You may revoke this consent at any time by telling staff."
    expires_on = None
    ending_event = "When treatment at this clinic ends."
    signature_name = factory.LazyAttribute(lambda o: o.patient_name)
    signed_at = factory.LazyFunction(timezone.now)
    signed_via = SignedVia.WITNESSED
    witnessed_by = factory.SubFactory(UserFactory)
    recorded_by = factory.SelfAttribute("witnessed_by")


def sign_part2(*, actor: User, patient: Patient, **overrides: Any) -> PatientConsent:
    """Sign a Part 2 consent through the service with every element, changed by `overrides`."""
    fields: dict[str, Any] = {**PART2_FIELDS, **overrides}
    expires_on = fields.pop("expires_on", None)
    kind = fields.pop("kind", ConsentKind.PART2_DISCLOSURE)
    return consent_sign(
        actor=actor,
        patient=patient,
        kind=kind,
        signature_name=fields.pop("signature_name", "Avery Testpatient"),
        witnessed=fields.pop("witnessed", True),
        elements=Part2Elements(**fields),
        expires_on=expires_on,
    )


def sign_treatment(*, actor: User, patient: Patient, **overrides: Any) -> PatientConsent:
    return consent_sign(
        actor=actor,
        patient=patient,
        kind=ConsentKind.TREATMENT_KETAMINE,
        signature_name=overrides.pop("signature_name", f"{patient.first_name} {patient.last_name}"),
        witnessed=overrides.pop("witnessed", True),
        **overrides,
    )

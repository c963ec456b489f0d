"""Builders shared by the protocol, course, therapy and infusion tests.

`ready_patient` goes through the real eligibility, consent and chart services, so a test
starts from a state the application itself produces. The factories build course and
infusion rows directly for tests that are about something else (the chair board, the
flowsheet); the course and therapy services are tested on their own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.models import User
from ketaclinic.consent.seed import ensure_example_templates, seed_treatment_consent
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.eligibility import seed as eligibility_seed
from ketaclinic.infusions.models import Infusion
from ketaclinic.patients.models import Patient
from ketaclinic.patients.services import body_measurement_record
from ketaclinic.protocols.models import ProtocolVersion
from ketaclinic.protocols.seed import seed_library
from ketaclinic.therapy.models import NoteStatus, PreparationSession


def ready_patient(
    *, patient: Patient, physician: User, weight_kg: Decimal = Decimal("70.00"), seed: int = 7
) -> Patient:
    """Eligible, signed risk-benefit, valid treatment consent and a weight taken yesterday."""
    eligibility_seed.seed_configuration()
    ensure_example_templates()
    eligibility_seed.seed_eligible_with_risk_benefit(patient, physician, seed)
    seed_treatment_consent(patient=patient, witness=physician, seed=seed)
    body_measurement_record(
        actor=physician,
        patient=patient,
        weight_kg=weight_kg,
        measured_at=timezone.now() - dt.timedelta(days=1),
    )
    return patient


def protocol_version(code: str = "kare-2022") -> ProtocolVersion:
    """The seeded active version of a library protocol. The data migration installs the
    library; a transactional test's flush removes it, so it is put back when missing."""
    seed_library()
    return ProtocolVersion.objects.select_related("template").get(
        template__code=code, status="active"
    )


class TreatmentCourseFactory(DjangoModelFactory[TreatmentCourse]):
    """An ACTIVE course; pass patient=, protocol_version=, supervising_physician=."""

    class Meta:
        model = TreatmentCourse

    status = CourseStatus.ACTIVE
    sessions_planned = factory.LazyAttribute(lambda o: o.protocol_version.sessions_planned)
    planned_start = factory.LazyFunction(lambda: timezone.localdate())
    enrolled_by = factory.SelfAttribute("supervising_physician")
    enrolled_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyFunction(timezone.now)


class SignedPreparationFactory(DjangoModelFactory[PreparationSession]):
    """A preparation note the physician held yesterday and signed; pass course=, physician=."""

    class Meta:
        model = PreparationSession

    held_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    intentions = "To stop drinking and rebuild trust at home (synthetic)."
    expectations = "Dissociation for about 40 minutes, then calm (synthetic)."
    set_and_setting = "Quiet room, eyeshades, chosen music (synthetic)."
    questions = "None (synthetic)."
    consent_reviewed = True
    status = NoteStatus.SIGNED
    signed_by = factory.SelfAttribute("physician")
    signed_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))


class InfusionFactory(DjangoModelFactory[Infusion]):
    """A scheduled infusion of `course` today in Chair 1; pass course= and created_by=."""

    class Meta:
        model = Infusion

    patient = factory.SelfAttribute("course.patient")
    site = factory.LazyAttribute(lambda o: o.course.patient.site)
    session_number = 1
    scheduled_at = factory.LazyFunction(timezone.now)
    chair = "Chair 1"
    created_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("supervising_physician", kwargs["course"].supervising_physician)
        return kwargs

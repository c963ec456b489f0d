"""Factories for the clinical parts of the chart; each row is valid as built."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.roles import Role
from ketaclinic.patients.codes import ICD10CM_SYSTEM
from ketaclinic.patients.models import (
    AddictionTarget,
    Allergy,
    AllergySeverity,
    BodyMeasurement,
    Diagnosis,
    HistoryCondition,
    HistoryItem,
    HistoryStatus,
    Medication,
    RecoveryUnit,
    Route,
    Target,
    TargetKind,
)
from tests.factories import PatientFactory, UserFactory


class _ClinicalFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    patient = factory.SubFactory(PatientFactory)
    recorded_by = factory.SubFactory(UserFactory, roles=[Role.NURSE])


class AddictionTargetFactory(_ClinicalFactory):
    class Meta:
        model = AddictionTarget

    kind = TargetKind.SUBSTANCE
    target = Target.ALCOHOL
    unit = RecoveryUnit.STANDARD_DRINKS
    code = ""
    code_system = factory.LazyAttribute(lambda o: ICD10CM_SYSTEM if o.code else "")


class DiagnosisFactory(DjangoModelFactory):
    class Meta:
        model = Diagnosis

    patient = factory.SubFactory(PatientFactory)
    noted_by = factory.SubFactory(UserFactory, roles=[Role.PHYSICIAN])
    code = "F10.20"
    code_system = ICD10CM_SYSTEM
    display = "Alcohol dependence"


class HistoryItemFactory(_ClinicalFactory):
    class Meta:
        model = HistoryItem

    condition = HistoryCondition.HYPERTENSION
    status = HistoryStatus.CURRENT


class MedicationFactory(_ClinicalFactory):
    class Meta:
        model = Medication

    name = factory.Sequence(lambda n: f"Testdrug{n}")
    dose_text = "10 mg"
    route = Route.ORAL
    frequency = "once daily"
    start_date = dt.date(2026, 1, 5)


class AllergyFactory(_ClinicalFactory):
    class Meta:
        model = Allergy

    substance = "Penicillin"
    reaction = "Rash"
    severity = AllergySeverity.MILD


class BodyMeasurementFactory(_ClinicalFactory):
    class Meta:
        model = BodyMeasurement

    measured_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    weight_kg = Decimal("72.50")
    height_cm = None

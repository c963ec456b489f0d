"""The database itself refuses clinical rows that break an invariant (a backstop for code
that skips full_clean, such as bulk seeding)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.patients.codes import ICD10CM_SYSTEM
from ketaclinic.patients.models import AddictionTarget, BodyMeasurement, Medication


@pytest.mark.parametrize(
    "fields",
    [
        {"target": "food", "kind": "behavioural", "unit": "binge_episodes", "code": "F50.2"},
        {"target": "gambling", "kind": "substance", "unit": "money_usd"},
        {"target": "cannabis", "kind": "substance", "unit": "standard_drinks"},
        {"target": "opioids", "kind": "substance", "unit": "minutes"},
        {"target": "other", "kind": "substance", "unit": "use_episodes", "label": ""},
        {"target": "alcohol", "kind": "substance", "unit": "standard_drinks", "is_active": False},
    ],
)
def test_database_refuses_inconsistent_addiction_targets(patient, nurse, fields):
    row = AddictionTarget(patient=patient, recorded_by=nurse, **fields)
    row.code_system = ICD10CM_SYSTEM if row.code else ""

    with pytest.raises(IntegrityError), transaction.atomic():
        AddictionTarget.objects.bulk_create([row])

    assert AddictionTarget.objects.count() == 0


def test_database_refuses_a_code_without_its_system(patient, nurse):
    row = AddictionTarget(
        patient=patient,
        recorded_by=nurse,
        target="alcohol",
        kind="substance",
        unit="standard_drinks",
        code="F10.20",
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        AddictionTarget.objects.bulk_create([row])


@pytest.mark.parametrize(
    ("weight", "height"),
    [(Decimal("19.99"), None), (Decimal("400.01"), None), (None, Decimal("251")), (None, None)],
)
def test_database_refuses_implausible_or_empty_measurements(patient, nurse, weight, height):
    row = BodyMeasurement(
        patient=patient,
        recorded_by=nurse,
        measured_at=timezone.now(),
        weight_kg=weight,
        height_cm=height,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        BodyMeasurement.objects.bulk_create([row])

    assert BodyMeasurement.objects.count() == 0


def test_database_refuses_a_stopped_medication_without_a_reason(patient, nurse):
    row = Medication(
        patient=patient,
        recorded_by=nurse,
        name="Lorazepam",
        is_active=False,
        stop_date=timezone.localdate(),
        stopped_at=timezone.now(),
        stopped_by=nurse,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Medication.objects.bulk_create([row])


def test_flags_are_listed_in_a_fixed_order():
    medication = Medication(is_maoi=True, is_sedative=True, is_opioid=True)

    assert medication.flags == ["Sedative", "Opioid", "MAOI"]

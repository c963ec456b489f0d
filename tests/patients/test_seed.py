from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.accounts.seed import seed_sites_and_staff
from ketaclinic.audit.models import AuditEvent
from ketaclinic.patients import selectors
from ketaclinic.patients.models import (
    AddictionTarget,
    Allergy,
    BodyMeasurement,
    CareTeam,
    Diagnosis,
    HistoryItem,
    Medication,
    Patient,
)
from ketaclinic.patients.seed import seed_clinical_records, seed_patients

CLINICAL_MODELS = [
    AddictionTarget,
    Allergy,
    BodyMeasurement,
    CareTeam,
    Diagnosis,
    HistoryItem,
    Medication,
]


@pytest.fixture
def seeded_patients(db) -> list[Patient]:
    sites = seed_sites_and_staff()
    seed_patients(sites=sites, count=40, seed=7)
    return list(Patient.objects.order_by("id"))


def _signature() -> list[tuple[object, ...]]:
    return list(
        AddictionTarget.objects.order_by("patient_id", "target").values_list(
            "patient__mrn", "target", "unit", "code", "quit_date"
        )
    ) + list(Medication.objects.order_by("id").values_list("patient__mrn", "name", "is_sedative"))


def test_every_seeded_patient_gets_1_or_2_targets_and_every_row_is_valid(seeded_patients):
    written = seed_clinical_records(patients=seeded_patients, seed=7)

    assert written == sum(model._default_manager.count() for model in CLINICAL_MODELS)
    for model in CLINICAL_MODELS:
        for row in model._default_manager.all():
            row.full_clean()
    per_patient = {p.pk: p.addiction_targets.count() for p in seeded_patients}
    assert set(per_patient.values()) <= {1, 2}
    assert AddictionTarget.objects.filter(kind="behavioural").exists()
    assert AddictionTarget.objects.filter(kind="substance").exists()
    assert not AddictionTarget.objects.filter(target__in=["food", "sex", "shopping"]).exclude(
        code=""
    )
    assert Medication.objects.filter(is_sedative=True).exists()
    assert Allergy.objects.filter(is_nkda=True).exists()
    assert Allergy.objects.filter(is_nkda=False).exists()
    assert AuditEvent.objects.filter(target_type="clinical_record_batch").count() == 2


def test_most_seeded_patients_have_a_realistic_weight_from_the_last_two_weeks(seeded_patients):
    seed_clinical_records(patients=seeded_patients, seed=7)

    weights = [selectors.latest_weight(patient=p) for p in seeded_patients]
    recent = [w for w in weights if w and w.measured_at >= timezone.now() - dt.timedelta(days=14)]
    assert len(recent) >= len(seeded_patients) * 0.6
    assert all(Decimal(50) <= (w.weight_kg or 0) <= Decimal(130) for w in weights if w)


def test_seeding_is_deterministic_for_a_seed(seeded_patients):
    seed_clinical_records(patients=seeded_patients, seed=11)
    first = _signature()
    for model in CLINICAL_MODELS:
        model._default_manager.all().delete()

    seed_clinical_records(patients=reversed(seeded_patients), seed=11)

    assert _signature() == first

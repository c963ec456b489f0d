from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients import selectors


def test_latest_weight_is_the_newest_valid_weighing_and_writes_no_audit_row(
    nurse, patient, measurement_factory
):
    """Given an older weight, a newer height-only row and a newer voided weight, the latest
    weight is the older valid one; heights and voided entries never count."""
    now = timezone.now()
    expected = measurement_factory(
        patient=patient, measured_at=now - dt.timedelta(days=5), weight_kg=Decimal("70.00")
    )
    measurement_factory(
        patient=patient, measured_at=now - dt.timedelta(days=9), weight_kg=Decimal("71.00")
    )
    measurement_factory(
        patient=patient, measured_at=now - dt.timedelta(days=1), weight_kg=None, height_cm=170
    )
    measurement_factory(
        patient=patient,
        measured_at=now - dt.timedelta(hours=1),
        weight_kg=Decimal("7.50") * 10,
        is_active=False,
        voided_at=now,
        voided_by=nurse,
        voided_reason="wrong scale",
    )

    assert selectors.latest_weight(patient=patient) == expected
    assert not AuditEvent.objects.exists()


def test_latest_weight_is_none_without_a_weight(patient, measurement_factory):
    measurement_factory(patient=patient, weight_kg=None, height_cm=Decimal("170.0"))

    assert selectors.latest_weight(patient=patient) is None


def test_latest_weight_is_one_query(patient, measurement_factory):
    measurement_factory.create_batch(5, patient=patient)

    with CaptureQueriesContext(connection) as queries:
        selectors.latest_weight(patient=patient)

    assert len(queries) == 1


def test_clinical_record_get_loads_every_part_and_audits_one_read(
    physician, patient, target_factory, medication_factory, allergy_factory, measurement_factory
):
    target = target_factory(patient=patient)
    sedative = medication_factory(patient=patient, is_sedative=True)
    plain = medication_factory(patient=patient)
    nkda = allergy_factory(patient=patient, is_nkda=True, substance="", reaction="")
    weight = measurement_factory(patient=patient)

    record = selectors.clinical_record_get(user=physician, patient_id=patient.pk)

    assert record.patient == patient
    assert record.addiction_targets == [target]
    assert record.flagged_medications == [sedative]
    assert set(record.medications) == {sedative, plain}
    assert (record.allergies, record.has_nkda) == ([nkda], True)
    assert (record.measurements, record.latest_weight) == ([weight], weight)
    assert (record.care_team, record.referring_provider, record.primary_care) == (None, None, None)
    event = AuditEvent.objects.get()
    assert (event.action, event.target_type, event.patient_id) == (
        Action.READ,
        "clinical_record",
        patient.pk,
    )


def test_clinical_record_get_for_a_boston_patient_from_west_hartford_is_not_found(
    wh_therapist, patient
):
    with pytest.raises(NotFoundError):
        selectors.clinical_record_get(user=wh_therapist, patient_id=patient.pk)

    denial = AuditEvent.objects.get()
    assert (denial.action, denial.outcome, denial.patient_id, denial.target_type) == (
        Action.ACCESS_DENIED,
        Outcome.DENIED,
        patient.pk,
        "clinical_record",
    )


def _load_queries(patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        selectors.clinical_record_load(patient=patient)
    return len(queries)


def test_clinical_record_load_runs_nine_queries_for_1_or_10_rows_of_each_part(
    patient,
    target_factory,
    medication_factory,
    measurement_factory,
    allergy_factory,
    diagnosis_factory,
    history_factory,
):
    factories = [
        medication_factory,
        measurement_factory,
        allergy_factory,
        diagnosis_factory,
        history_factory,
    ]
    target_factory(patient=patient, label="0")
    for factory in factories:
        factory(patient=patient)
    one = _load_queries(patient)
    for index in range(1, 10):
        target_factory(patient=patient, label=str(index))
    for factory in factories:
        factory.create_batch(9, patient=patient)
    ten = _load_queries(patient)

    assert (one, ten) == (9, 9)


def test_measurements_shown_are_capped_newest_first(patient, measurement_factory):
    now = timezone.now()
    for days in range(25):
        measurement_factory(patient=patient, measured_at=now - dt.timedelta(days=days))

    record = selectors.clinical_record_load(patient=patient)

    assert len(record.measurements) == selectors.MEASUREMENTS_SHOWN == 20
    assert record.measurements[0].measured_at == now
    assert record.more_measurements is True


def test_care_team_candidates_are_active_staff_with_the_role_at_the_patient_site(
    physician, nurse, make_user, boston, west_hartford, patient
):
    make_user(Role.PHYSICIAN, west_hartford, username="wh-doc")
    gone = make_user(Role.PHYSICIAN, boston, username="gone")
    gone.is_active = False
    gone.save()
    both = make_user(Role.PHYSICIAN, boston, west_hartford, username="both-sites")

    candidates = selectors.care_team_candidates(patient=patient, role=Role.PHYSICIAN)

    assert set(candidates) == {physician, both}

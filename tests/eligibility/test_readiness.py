from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.consent.models import PatientConsent, RevocationChannel
from ketaclinic.consent.seed import seed_treatment_consent
from ketaclinic.consent.services import consent_revoke
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.eligibility.seed import seed_eligible_with_risk_benefit, seed_not_eligible
from ketaclinic.patients.services import body_measurement_record


def _ready_patient(patient, physician):
    seed_eligible_with_risk_benefit(patient, physician, 1)
    seed_treatment_consent(patient=patient, witness=physician, seed=1)
    body_measurement_record(
        actor=physician,
        patient=patient,
        weight_kg=Decimal("72.5"),
        measured_at=timezone.now() - dt.timedelta(hours=1),
    )
    return patient


def test_a_new_patient_misses_all_four_items_with_what_to_do(patient_factory, boston):
    readiness = patient_readiness(patient=patient_factory(site=boston))

    assert readiness.ready is False
    assert [(i.code, i.done) for i in readiness.items] == [
        ("eligibility", False),
        ("risk_benefit", False),
        ("treatment_consent", False),
        ("baseline_weight", False),
    ]
    assert readiness.missing[3] == (
        "No weight on file: weigh the patient and record it in the chart."
    )


def test_eligible_signed_consented_and_weighed_is_ready(patient_factory, boston, physician):
    patient = _ready_patient(patient_factory(site=boston), physician)

    readiness = patient_readiness(patient=patient)

    assert (readiness.ready, readiness.missing) == (True, [])
    assert readiness.items[3].detail.startswith("72.50 kg on ")


def test_revoking_the_treatment_consent_makes_the_patient_not_ready_at_once(
    patient_factory, boston, physician
):
    patient = _ready_patient(patient_factory(site=boston), physician)
    consent = PatientConsent.objects.get(patient=patient)
    consent_revoke(
        actor=physician,
        consent=consent,
        reason="Patient withdrew by phone",
        received_via=RevocationChannel.BY_PHONE,
    )

    readiness = patient_readiness(patient=patient)

    assert [i.code for i in readiness.items if not i.done] == ["treatment_consent"]


def test_not_eligible_decision_blocks_readiness_with_its_outcome(
    patient_factory, boston, physician
):
    patient = patient_factory(site=boston)
    seed_not_eligible(patient, physician, 2)

    item = patient_readiness(patient=patient).items[0]

    assert (item.done, item.detail) == (
        False,
        "The current decision is “Not eligible”: a physician must decide the patient is eligible.",
    )


def test_readiness_section_and_api_are_scoped_and_audited(
    patient_factory, boston, physician, wh_therapist, client_for, api_client_for
):
    patient = _ready_patient(patient_factory(site=boston), physician)

    page = client_for(physician).get(f"/eligibility/patients/{patient.pk}/readiness/")
    api = api_client_for(physician).get(f"/api/v1/patients/{patient.pk}/readiness")
    foreign_page = client_for(wh_therapist).get(f"/eligibility/patients/{patient.pk}/readiness/")
    foreign_api = api_client_for(wh_therapist).get(f"/api/v1/patients/{patient.pk}/readiness")

    assert "Ready for enrolment in a treatment course" in page.content.decode()
    assert (api.json()["ready"], api.json()["missing"]) == (True, [])
    assert (foreign_page.status_code, foreign_api.status_code) == (404, 404)
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="readiness")
    assert reads.count() == 2
    assert AuditEvent.objects.filter(actor=wh_therapist, action=Action.ACCESS_DENIED).count() == 2


def test_readiness_runs_a_fixed_number_of_queries(patient_factory, boston, physician):
    patient = _ready_patient(patient_factory(site=boston), physician)

    with CaptureQueriesContext(connection) as queries:
        patient_readiness(patient=patient)

    assert len(queries) == 4

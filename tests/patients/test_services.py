from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.patients import services
from ketaclinic.patients.codes import ICD10CM_SYSTEM, SNOMED_CT_SYSTEM
from ketaclinic.patients.models import (
    AddictionTarget,
    Allergy,
    BodyMeasurement,
    CareTeam,
    Diagnosis,
    HistoryItem,
    Medication,
    PatientContact,
)


def _audit_rows() -> list[tuple[str, str, str]]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "target_type", "detail"))


# --- Addiction targets ----------------------------------------------------------------------


def test_target_create_stores_code_with_its_system_and_derives_the_kind(physician, patient):
    target = services.addiction_target_create(
        actor=physician,
        patient=patient,
        target="alcohol",
        unit="standard_drinks",
        code=" f10.20 ",
        quit_date=dt.date(2026, 3, 1),
    )

    target.refresh_from_db()
    assert (target.kind, target.code, target.code_system, target.quit_date) == (
        "substance",
        "F10.20",
        ICD10CM_SYSTEM,
        dt.date(2026, 3, 1),
    )
    assert (target.is_active, target.recorded_by) == (True, physician)
    assert _audit_rows() == [
        ("create", "addiction_target", "alcohol in standard_drinks code F10.20")
    ]


def test_patient_can_have_several_targets_including_behavioural_without_code(physician, patient):
    services.addiction_target_create(
        actor=physician, patient=patient, target="cocaine_stimulants", unit="use_episodes"
    )
    services.addiction_target_create(
        actor=physician, patient=patient, target="shopping", unit="money_usd"
    )
    services.addiction_target_create(
        actor=physician,
        patient=patient,
        target="other",
        kind="behavioural",
        label="online gaming",
        unit="minutes",
    )

    assert list(
        AddictionTarget.objects.order_by("id").values_list("target", "kind", "code", "label")
    ) == [
        ("cocaine_stimulants", "substance", "", ""),
        ("shopping", "behavioural", "", ""),
        ("other", "behavioural", "", "online gaming"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        (
            {"target": "gambling", "unit": "standard_drinks"},
            "unit",
            "Standard drinks (US, 14 g ethanol each) measure alcohol only",
        ),
        (
            {"target": "opioids", "unit": "minutes"},
            "unit",
            "Minutes measure behaviours such as gambling, not substances",
        ),
        (
            {"target": "sex", "unit": "minutes", "code": "F52.8"},
            "code",
            "Sex addiction has no ICD-10-CM code: leave the code empty",
        ),
        (
            {"target": "shopping", "unit": "money_usd", "code": "F63.0"},
            "code",
            "Shopping addiction has no ICD-10-CM code",
        ),
        (
            {"target": "alcohol", "unit": "standard_drinks", "code": "F11.20"},
            "code",
            "F11.20 is coded for opioids, not alcohol: check the code or the target.",
        ),
        (
            {"target": "alcohol", "unit": "use_episodes", "code": "10.20"},
            "code",
            "'10.20' is not an ICD-10-CM code: write it like F10.20",
        ),
        (
            {"target": "other", "unit": "use_episodes", "label": "kratom"},
            "kind",
            "Say whether this 'Other' target is a substance or a behaviour.",
        ),
        (
            {"target": "other", "kind": "substance", "unit": "use_episodes"},
            "label",
            "Name the 'Other' target",
        ),
        (
            {"target": "caffeine", "unit": "use_episodes"},
            "target",
            "'caffeine' is not an addiction target: choose one from the list, or 'Other'.",
        ),
        (
            {"target": "gambling", "kind": "substance", "unit": "money_usd"},
            "kind",
            "Gambling is a behavioural target.",
        ),
    ],
)
def test_target_create_refuses_mismatches_and_writes_nothing(
    physician, patient, kwargs, field, message
):
    with pytest.raises(ApplicationError) as refused:
        services.addiction_target_create(actor=physician, patient=patient, **kwargs)

    assert message in refused.value.message
    assert message in refused.value.field_errors[field][0]
    assert AddictionTarget.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_second_active_target_of_the_same_kind_is_refused(physician, patient, target_factory):
    target_factory(patient=patient, target="alcohol")

    with pytest.raises(ApplicationError) as refused:
        services.addiction_target_create(
            actor=physician, patient=patient, target="alcohol", unit="grams_ethanol"
        )

    assert "already has this addiction target: end the old one first" in refused.value.message
    assert AddictionTarget.objects.count() == 1


def test_target_end_keeps_the_row_with_reason_and_actor(nurse, patient, target_factory):
    target = target_factory(patient=patient)

    services.addiction_target_end(
        actor=nurse, patient=patient, target_id=target.pk, reason=" entered twice "
    )

    target.refresh_from_db()
    assert (target.is_active, target.ended_by, target.ended_reason) == (
        False,
        nurse,
        "entered twice",
    )
    assert target.ended_at is not None
    assert _audit_rows() == [("update", "addiction_target", "ended")]


def test_target_end_needs_a_reason_and_cannot_end_twice(nurse, patient, target_factory):
    target = target_factory(patient=patient)

    with pytest.raises(ApplicationError) as no_reason:
        services.addiction_target_end(actor=nurse, patient=patient, target_id=target.pk, reason=" ")
    target.refresh_from_db()
    assert target.is_active
    services.addiction_target_end(actor=nurse, patient=patient, target_id=target.pk, reason="done")
    with pytest.raises(ApplicationError) as twice:
        services.addiction_target_end(
            actor=nurse, patient=patient, target_id=target.pk, reason="again"
        )

    assert no_reason.value.message.startswith("Give a reason for ending this target")
    assert twice.value.message.startswith("This addiction target was already closed on ")
    assert twice.value.code == "conflict"
    target.refresh_from_db()
    assert target.ended_reason == "done"


def test_target_of_another_patient_is_not_found(nurse, patient, patient_factory, target_factory):
    other = target_factory(patient=patient_factory(site=patient.site))

    with pytest.raises(NotFoundError):
        services.addiction_target_end(actor=nurse, patient=patient, target_id=other.pk, reason="x")

    other.refresh_from_db()
    assert other.is_active


# --- Who may write ----------------------------------------------------------------------------


def test_therapist_cannot_write_and_the_denial_is_audited(therapist, patient):
    with pytest.raises(PermissionDeniedError):
        services.medication_create(actor=therapist, patient=patient, name="Sertraline")

    assert Medication.objects.count() == 0
    denial = AuditEvent.objects.get()
    assert (denial.action, denial.outcome, denial.patient_id, denial.detail) == (
        Action.ACCESS_DENIED,
        Outcome.DENIED,
        patient.pk,
        "missing permission chart.edit",
    )


def test_west_hartford_nurse_gets_not_found_for_a_boston_patient(wh_nurse, patient):
    with pytest.raises(NotFoundError):
        services.body_measurement_record(
            actor=wh_nurse,
            patient=patient,
            measured_at=timezone.now(),
            weight_kg=Decimal("70"),
        )

    assert BodyMeasurement.objects.count() == 0
    denial = AuditEvent.objects.get()
    assert (denial.action, denial.detail, denial.site_id) == (
        Action.ACCESS_DENIED,
        "outside user's sites",
        patient.site_id,
    )


# --- Measurements -----------------------------------------------------------------------------


def test_measurements_are_added_never_overwritten(nurse, patient):
    first = services.body_measurement_record(
        actor=nurse,
        patient=patient,
        measured_at=timezone.now() - dt.timedelta(days=3),
        weight_kg=Decimal("80.25"),
        height_cm=Decimal("180.5"),
    )
    second = services.body_measurement_record(
        actor=nurse, patient=patient, measured_at=timezone.now(), weight_kg=Decimal("79.10")
    )

    assert list(BodyMeasurement.objects.order_by("id").values_list("weight_kg", "height_cm")) == [
        (Decimal("80.25"), Decimal("180.5")),
        (Decimal("79.10"), None),
    ]
    assert first.pk != second.pk
    assert _audit_rows() == [
        ("create", "body_measurement", "weight and height recorded"),
        ("create", "body_measurement", "weight recorded"),
    ]


@pytest.mark.parametrize(
    ("weight", "height", "field", "message"),
    [
        (Decimal("19.9"), None, "weight_kg", "Weight must be between 20 and 400 kg"),
        (Decimal("400.01"), None, "weight_kg", "Weight must be between 20 and 400 kg"),
        (Decimal("1500"), None, "weight_kg", "Weight must be between 20 and 400 kg"),
        (Decimal("70.123"), None, "weight_kg", "Record weight to at most 2 decimals"),
        (None, Decimal("49"), "height_cm", "Height must be between 50 and 250 cm"),
        (None, Decimal("251"), "height_cm", "Height must be between 50 and 250 cm"),
        (None, None, "weight_kg", "Enter a weight, a height or both."),
    ],
)
def test_implausible_measurements_are_refused_and_nothing_is_saved(
    nurse, patient, weight, height, field, message
):
    with pytest.raises(ApplicationError) as refused:
        services.body_measurement_record(
            actor=nurse,
            patient=patient,
            measured_at=timezone.now(),
            weight_kg=weight,
            height_cm=height,
        )

    assert refused.value.field_errors[field][0].startswith(message)
    assert BodyMeasurement.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_bounds_themselves_are_accepted(nurse, patient):
    services.body_measurement_record(
        actor=nurse,
        patient=patient,
        measured_at=timezone.now(),
        weight_kg=Decimal("20"),
        height_cm=Decimal("250"),
    )
    services.body_measurement_record(
        actor=nurse, patient=patient, measured_at=timezone.now(), weight_kg=Decimal("400")
    )

    assert BodyMeasurement.objects.count() == 2


@pytest.mark.parametrize(
    ("measured_at", "message"),
    [
        (dt.datetime(2026, 1, 1, 9, 0), "Give the time with its UTC offset"),
        (timezone.now() + dt.timedelta(hours=1), "The measurement time is in the future"),
    ],
)
def test_naive_or_future_measurement_times_are_refused(nurse, patient, measured_at, message):
    with pytest.raises(ApplicationError) as refused:
        services.body_measurement_record(
            actor=nurse, patient=patient, measured_at=measured_at, weight_kg=Decimal("70")
        )

    assert refused.value.message.startswith(message)
    assert BodyMeasurement.objects.count() == 0


def test_void_keeps_the_row_and_records_why(nurse, patient, measurement_factory):
    measurement = measurement_factory(patient=patient)

    services.body_measurement_void(
        actor=nurse, patient=patient, measurement_id=measurement.pk, reason="typed 07.5"
    )

    measurement.refresh_from_db()
    assert (measurement.is_active, measurement.voided_by, measurement.voided_reason) == (
        False,
        nurse,
        "typed 07.5",
    )


# --- Medications -----------------------------------------------------------------------------


def test_medication_create_and_stop(physician, patient):
    medication = services.medication_create(
        actor=physician,
        patient=patient,
        name="Buprenorphine-naloxone",
        dose_text="8 mg/2 mg",
        route="sublingual",
        frequency="once daily",
        start_date=dt.date(2025, 12, 1),
        is_opioid=True,
    )

    services.medication_stop(
        actor=physician,
        patient=patient,
        medication_id=medication.pk,
        reason="switched",
        stop_date=dt.date(2026, 1, 15),
    )

    medication.refresh_from_db()
    assert medication.flags == ["Opioid"]
    assert (medication.is_active, medication.stop_date, medication.stopped_reason) == (
        False,
        dt.date(2026, 1, 15),
        "switched",
    )
    assert _audit_rows() == [
        ("create", "medication", "flags opioid"),
        ("update", "medication", "stopped"),
    ]


def test_medication_stop_before_its_start_is_refused(nurse, patient, medication_factory):
    medication = medication_factory(patient=patient, start_date=dt.date(2026, 2, 1))

    with pytest.raises(ApplicationError) as refused:
        services.medication_stop(
            actor=nurse,
            patient=patient,
            medication_id=medication.pk,
            reason="x",
            stop_date=dt.date(2026, 1, 1),
        )

    assert refused.value.message == (
        "The stop date is before the start date (2026-02-01): check the dates."
    )
    medication.refresh_from_db()
    assert (medication.is_active, medication.stop_date) == (True, None)


def test_medication_stop_defaults_to_today_at_the_site(nurse, patient, medication_factory):
    medication = medication_factory(patient=patient)

    services.medication_stop(actor=nurse, patient=patient, medication_id=medication.pk, reason="x")

    medication.refresh_from_db()
    assert medication.stop_date == timezone.localdate()


# --- Diagnoses and history ---------------------------------------------------------------------


def test_diagnosis_create_and_resolve(physician, patient):
    diagnosis = services.diagnosis_create(
        actor=physician,
        patient=patient,
        code="f63.0",
        display="Pathological gambling",
        onset_date=dt.date(2020, 5, 1),
    )

    services.diagnosis_resolve(
        actor=physician,
        patient=patient,
        diagnosis_id=diagnosis.pk,
        reason="in sustained remission",
        resolved_on=dt.date(2026, 1, 2),
    )

    diagnosis.refresh_from_db()
    assert (diagnosis.code, diagnosis.code_system, diagnosis.status) == (
        "F63.0",
        ICD10CM_SYSTEM,
        "resolved",
    )
    assert (diagnosis.resolved_on, diagnosis.resolved_by) == (dt.date(2026, 1, 2), physician)
    assert _audit_rows() == [
        ("create", "diagnosis", "ICD-10-CM F63.0"),
        ("update", "diagnosis", "resolved"),
    ]


@pytest.mark.parametrize(
    ("system", "code", "message"),
    [
        (ICD10CM_SYSTEM, "F1020", "'F1020' is not an ICD-10-CM code"),
        (SNOMED_CT_SYSTEM, "F10.20", "'F10.20' is not a SNOMED CT concept id"),
    ],
)
def test_diagnosis_with_a_malformed_code_is_refused(physician, patient, system, code, message):
    with pytest.raises(ApplicationError) as refused:
        services.diagnosis_create(
            actor=physician, patient=patient, code=code, code_system=system, display="x"
        )

    assert refused.value.field_errors["code"][0].startswith(message)
    assert Diagnosis.objects.count() == 0


def test_diagnosis_accepts_a_snomed_code(physician, patient):
    diagnosis = services.diagnosis_create(
        actor=physician,
        patient=patient,
        code="373464007",
        code_system=SNOMED_CT_SYSTEM,
        display="Ketamine (substance)",
    )

    assert (diagnosis.code, diagnosis.code_system) == ("373464007", SNOMED_CT_SYSTEM)


def test_history_item_create_and_retract(nurse, patient):
    item = services.history_item_create(
        actor=nurse,
        patient=patient,
        condition="bipolar_disorder",
        status="current",
        note="on lithium",
    )

    services.history_item_retract(
        actor=nurse, patient=patient, item_id=item.pk, reason="wrong patient"
    )

    item.refresh_from_db()
    assert (item.condition, item.status, item.note) == ("bipolar_disorder", "current", "on lithium")
    assert (item.is_active, item.retracted_reason, item.retracted_by) == (
        False,
        "wrong patient",
        nurse,
    )


def test_history_other_needs_a_name(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        services.history_item_create(actor=nurse, patient=patient, condition="other", status="past")

    assert refused.value.field_errors == {"label": ["Name the condition, for example 'epilepsy'."]}
    assert HistoryItem.objects.count() == 0


# --- Allergies ---------------------------------------------------------------------------------


def test_nkda_is_recorded_then_superseded_by_an_allergy(nurse, patient):
    nkda = services.allergy_record_nkda(actor=nurse, patient=patient)

    allergy = services.allergy_create(
        actor=nurse, patient=patient, substance="Penicillin", reaction="Rash", severity="mild"
    )

    nkda.refresh_from_db()
    assert (nkda.is_nkda, nkda.is_active, nkda.retracted_reason) == (
        True,
        False,
        "Superseded: an allergy was recorded.",
    )
    assert (allergy.substance, allergy.is_active) == ("Penicillin", True)
    assert _audit_rows() == [
        ("create", "allergy", "nkda"),
        ("update", "allergy", "nkda superseded by an allergy"),
        ("create", "allergy", "allergy severity mild"),
    ]


def test_nkda_is_refused_while_allergies_are_recorded(nurse, patient, allergy_factory):
    allergy_factory(patient=patient)

    with pytest.raises(ApplicationError) as refused:
        services.allergy_record_nkda(actor=nurse, patient=patient)

    assert refused.value.message == (
        "This patient has 1 recorded allergy: retract them first if they were entered in error."
    )
    assert Allergy.objects.count() == 1


def test_nkda_twice_and_duplicate_allergy_are_refused(nurse, patient, allergy_factory):
    services.allergy_record_nkda(actor=nurse, patient=patient)
    with pytest.raises(ApplicationError) as twice:
        services.allergy_record_nkda(actor=nurse, patient=patient)
    allergy_factory(patient=patient, substance="Latex")
    with pytest.raises(ApplicationError) as duplicate:
        services.allergy_create(actor=nurse, patient=patient, substance="latex")

    assert twice.value.message == "No known drug allergies is already recorded for this patient."
    assert duplicate.value.message == "An allergy to latex is already recorded for this patient."
    assert Allergy.objects.count() == 2


def test_allergy_retract(nurse, patient, allergy_factory):
    allergy = allergy_factory(patient=patient)

    services.allergy_retract(
        actor=nurse, patient=patient, allergy_id=allergy.pk, reason="tolerated on challenge"
    )

    allergy.refresh_from_db()
    assert (allergy.is_active, allergy.retracted_reason) == (False, "tolerated on challenge")


# --- Care team and contacts --------------------------------------------------------------------


def test_care_team_set_then_change(nurse, physician, therapist, make_user, boston, patient):
    second = make_user(Role.PHYSICIAN, boston, username="physician2")

    services.care_team_set(actor=nurse, patient=patient, physician=physician, therapist=None)
    services.care_team_set(actor=nurse, patient=patient, physician=second, therapist=therapist)

    team = CareTeam.objects.get()
    assert (team.physician, team.therapist, team.updated_by) == (second, therapist, nurse)
    assert _audit_rows() == [
        ("create", "care_team", "changed physician"),
        ("update", "care_team", "changed physician,therapist"),
    ]


@pytest.mark.parametrize("who", ["nurse_as_physician", "wh_physician", "inactive_physician"])
def test_care_team_refuses_staff_without_the_role_at_the_site(
    nurse, make_user, boston, west_hartford, patient, who
):
    """A nurse named as physician, a physician at another site, or one who left: refused."""
    candidate = {
        "nurse_as_physician": lambda: nurse,
        "wh_physician": lambda: make_user(Role.PHYSICIAN, west_hartford, username="wh-doc"),
        "inactive_physician": lambda: make_user(Role.PHYSICIAN, boston, username="gone"),
    }[who]()
    if who == "inactive_physician":
        candidate.is_active = False
        candidate.save()

    with pytest.raises(ApplicationError) as refused:
        services.care_team_set(actor=nurse, patient=patient, physician=candidate, therapist=None)

    assert refused.value.field_errors["physician"] == [
        f"{candidate} is not a physician at Boston, MA: choose a physician who works at the "
        "patient's site."
    ]
    assert CareTeam.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_care_team_refuses_a_physician_as_therapist(nurse, physician, patient):
    with pytest.raises(ApplicationError) as refused:
        services.care_team_set(actor=nurse, patient=patient, physician=None, therapist=physician)

    assert "is not a therapist at Boston, MA" in refused.value.message
    assert CareTeam.objects.count() == 0


def test_contact_needs_a_name_or_organisation_and_is_replaced_in_place(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        services.patient_contact_set(actor=nurse, patient=patient, role="primary_care")
    services.patient_contact_set(
        actor=nurse, patient=patient, role="primary_care", organisation="Example Health"
    )
    services.patient_contact_set(
        actor=nurse,
        patient=patient,
        role="primary_care",
        name="Dr Grey",
        organisation="Example Health",
        email="grey@example.org",
    )

    assert refused.value.field_errors == {"name": ["Enter a name, an organisation or both."]}
    contact = PatientContact.objects.get()
    assert (contact.name, contact.organisation, contact.email) == (
        "Dr Grey",
        "Example Health",
        "grey@example.org",
    )
    assert [row[0] for row in _audit_rows()] == ["create", "update"]


def test_contact_with_a_bad_email_is_refused(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        services.patient_contact_set(
            actor=nurse, patient=patient, role="referring_provider", name="A", email="not-an-email"
        )

    assert list(refused.value.field_errors) == ["email"]
    assert PatientContact.objects.count() == 0


def test_stopping_another_patients_medication_is_404_and_audited_against_them(
    physician, boston, patient_factory, medication_factory
):
    """A medication id from another chart is a probe: the same 404, and that patient's site
    sees the attempt in the audit log (written again at the request boundary after the
    refused write's rollback); the medication is untouched."""
    from ketaclinic.audit.models import Action, AuditEvent
    from ketaclinic.core.errors import NotFoundError
    from ketaclinic.patients.models import Medication
    from ketaclinic.patients.services import medication_stop

    mine, theirs = patient_factory(site=boston), patient_factory(site=boston)
    their_med = medication_factory(patient=theirs)

    with pytest.raises(NotFoundError) as refused:
        medication_stop(
            actor=physician, patient=mine, medication_id=their_med.pk, reason="entered twice"
        )
    refused.value.record_refusal()

    assert Medication.objects.get(pk=their_med.pk).is_active is True
    denials = AuditEvent.objects.filter(action=Action.ACCESS_DENIED)
    assert list(denials.values_list("patient_id", "target_id", "detail")) == [
        (theirs.pk, str(their_med.pk), "record of another patient")
    ]

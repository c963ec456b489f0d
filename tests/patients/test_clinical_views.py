from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.patients.models import (
    AddictionTarget,
    BodyMeasurement,
    CareTeam,
    Medication,
    PatientContact,
)

HTMX = {"HX-Request": "true"}


def _section_url(patient) -> str:
    return f"/patients/{patient.pk}/clinical/"


def _add_url(patient, kind: str) -> str:
    return f"/patients/{patient.pk}/clinical/{kind}/add/"


def _close_url(patient, kind: str, item_id: int) -> str:
    return f"/patients/{patient.pk}/clinical/{kind}/{item_id}/close/"


def test_section_shows_every_part_and_is_audited_as_one_clinical_record_read(
    physician, patient, target_factory, medication_factory, measurement_factory, client_for
):
    """Given a chart with a target, a flagged medication and a weight, when a physician opens
    the section, then all show, the sedative carries a warning badge, and one read is audited."""
    target_factory(patient=patient, code="F10.20")
    medication_factory(patient=patient, name="Lorazepam", is_sedative=True)
    measurement_factory(patient=patient, weight_kg=Decimal("81.30"))

    response = client_for(physician).get(_section_url(patient), headers=HTMX)

    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "patients/clinical/section.html"
    html = response.content.decode()
    for heading in [
        "Addiction targets",
        "Diagnoses",
        "Medical and psychiatric history",
        "Medications",
        "Allergies",
        "Weight and height",
        "Care team and contacts",
    ]:
        assert f">{heading}</h3>" in html
    assert "F10.20" in html
    assert 'Lorazepam <span class="badge warn">Sedative</span>' in html
    assert "Review before ketamine:" in html
    assert "<strong>81.30 kg</strong>" in html
    assert 'id="add-medication"' in html
    reads = AuditEvent.objects.filter(action=Action.READ)
    assert list(reads.values_list("target_type", "patient_id", "actor_id")) == [
        ("clinical_record", patient.pk, physician.pk)
    ]


def test_stopped_flagged_medication_has_no_warning_badge(
    physician, patient, medication_factory, client_for
):
    medication_factory(
        patient=patient,
        name="Zolpidem",
        is_sedative=True,
        is_active=False,
        stop_date=dt.date(2026, 2, 1),
        stopped_at=timezone.now(),
        stopped_by=physician,
        stopped_reason="course finished",
    )

    html = client_for(physician).get(_section_url(patient)).content.decode()

    assert "Zolpidem" in html
    assert 'class="badge warn"' not in html
    assert "Review before ketamine:" not in html


def test_section_is_read_only_for_a_therapist(therapist, patient, target_factory, client_for):
    """A therapist may read the record but sees no add or close forms."""
    target_factory(patient=patient)

    response = client_for(therapist).get(_section_url(patient))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alcohol" in html
    assert "<form" not in html
    assert "clinical.js" not in html


def test_htmx_add_medication_saves_and_rerenders_the_whole_section(nurse, patient, client_for):
    """Given a nurse, when she adds a flagged medication, then it is saved, audited, and the
    response is the section retargeted at #clinical-section."""
    response = client_for(nurse).post(
        _add_url(patient, "medication"),
        {
            "medication-name": "Methylphenidate",
            "medication-dose_text": "10 mg",
            "medication-route": "oral",
            "medication-frequency": "twice daily",
            "medication-start_date": "2026-03-01",
            "medication-is_stimulant": "on",
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#clinical-section", "innerHTML")
    assert response["HX-Trigger"] == "chart-changed"  # readiness reloads itself
    assert next(t.name for t in response.templates) == "patients/clinical/section.html"
    medication = Medication.objects.get()
    assert (medication.name, medication.is_stimulant, medication.is_sedative) == (
        "Methylphenidate",
        True,
        False,
    )
    assert (medication.start_date, medication.recorded_by) == (dt.date(2026, 3, 1), nurse)
    assert 'Methylphenidate <span class="badge warn">Stimulant</span>' in response.content.decode()
    created = AuditEvent.objects.get(action=Action.CREATE)
    assert (created.target_type, created.target_id, created.detail) == (
        "medication",
        str(medication.pk),
        "flags stimulant",
    )


def test_out_of_range_weight_returns_the_form_with_values_kept_and_400(nurse, patient, client_for):
    """Given a weight typed in pounds by mistake, then the form comes back (400) with every
    typed value and a message, and nothing is saved."""
    response = client_for(nurse).post(
        _add_url(patient, "measurement"),
        {
            "measurement-measured_at": "2026-01-10T08:15",
            "measurement-weight_kg": "450",
            "measurement-height_cm": "172.5",
        },
        headers=HTMX,
    )

    assert response.status_code == 400
    assert next(t.name for t in response.templates) == "patients/clinical/_add_form.html"
    html = response.content.decode()
    assert (
        "Weight must be between 20 and 400 kg: check the reading and that it is in kilograms"
        in html
    )
    assert 'value="450"' in html
    assert 'value="172.5"' in html
    assert 'value="2026-01-10T08:15"' in html
    assert "data-swap-400" in html
    assert not BodyMeasurement.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_measurement_time_is_read_in_the_clinic_time_zone(nurse, patient, client_for):
    client_for(nurse).post(
        _add_url(patient, "measurement"),
        {"measurement-measured_at": "2026-01-10T08:15", "measurement-weight_kg": "70.2"},
        headers=HTMX,
    )

    measurement = BodyMeasurement.objects.get()
    assert measurement.measured_at == dt.datetime(2026, 1, 10, 13, 15, tzinfo=dt.UTC)
    assert measurement.weight_kg == Decimal("70.20")


def test_code_on_a_food_target_is_refused_on_the_field_and_nothing_saved(
    physician, patient, client_for
):
    response = client_for(physician).post(
        _add_url(patient, "addiction_target"),
        {
            "addiction_target-target": "food",
            "addiction_target-unit": "binge_episodes",
            "addiction_target-code": "F50.2",
            "addiction_target-quit_date": "2026-02-01",
        },
        headers=HTMX,
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Food addiction has no ICD-10-CM code: leave the code empty" in html
    assert 'value="F50.2"' in html
    assert 'value="2026-02-01"' in html
    assert '<option value="binge_episodes" selected>' in html
    assert not AddictionTarget.objects.exists()


def test_therapist_cannot_add_and_the_refusal_is_audited(therapist, patient, client_for):
    response = client_for(therapist).post(
        _add_url(patient, "allergy"),
        {"allergy-substance": "Penicillin", "allergy-severity": "mild"},
        headers=HTMX,
    )

    assert response.status_code == 403
    assert b"Only a physician or a nurse can change the clinical record" in response.content
    assert not patient.allergies.exists()
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor_id, denial.patient_id, denial.detail) == (
        therapist.pk,
        patient.pk,
        "missing permission chart.edit",
    )


def test_west_hartford_staff_get_404_on_section_add_and_close_and_each_is_audited(
    wh_nurse, patient, medication_factory, client_for
):
    """West Hartford staff see a Boston patient's record nowhere, and change nothing."""
    medication = medication_factory(patient=patient)
    client = client_for(wh_nurse)

    responses = [
        client.get(_section_url(patient)),
        client.post(_add_url(patient, "medication"), {"medication-name": "X"}, headers=HTMX),
        client.post(_close_url(patient, "medication", medication.pk), {"reason": "x"}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert all(patient.last_name.encode() not in r.content for r in responses)
    assert Medication.objects.count() == 1
    assert Medication.objects.get().is_active
    denials = AuditEvent.objects.filter(actor=wh_nurse, action=Action.ACCESS_DENIED)
    assert (
        list(denials.values_list("patient_id", "target_type", "outcome"))
        == [(patient.pk, "clinical_record", Outcome.DENIED)] * 3
    )
    assert not AuditEvent.objects.filter(action__in=[Action.READ, Action.UPDATE]).exists()


def test_stop_without_reason_returns_the_close_form_with_400_then_stops_with_one(
    nurse, patient, medication_factory, client_for
):
    medication = medication_factory(patient=patient, name="Lorazepam", is_sedative=True)
    client = client_for(nurse)
    url = _close_url(patient, "medication", medication.pk)

    refused = client.post(url, {"reason": "", "on_date": "2026-03-02"}, headers=HTMX)
    medication.refresh_from_db()
    assert refused.status_code == 400
    assert next(t.name for t in refused.templates) == "patients/clinical/_close_form.html"
    assert b"This field is required." in refused.content
    assert b'value="2026-03-02"' in refused.content
    assert medication.is_active

    stopped = client.post(url, {"reason": "tapered off", "on_date": "2026-03-02"}, headers=HTMX)

    medication.refresh_from_db()
    assert stopped.status_code == 200
    assert stopped["HX-Retarget"] == "#clinical-section"
    assert (medication.is_active, medication.stop_date, medication.stopped_reason) == (
        False,
        dt.date(2026, 3, 2),
        "tapered off",
    )
    assert b"Stopped 2026-03-02" in stopped.content


def test_service_refusal_without_a_matching_field_shows_as_a_form_error(
    nurse, patient, medication_factory, client_for
):
    """A stop date in the future is refused by the service; the close form shows why."""
    medication = medication_factory(patient=patient)
    tomorrow = timezone.localdate() + dt.timedelta(days=2)

    response = client_for(nurse).post(
        _close_url(patient, "medication", medication.pk),
        {"reason": "course finished", "on_date": tomorrow.isoformat()},
        headers=HTMX,
    )

    assert response.status_code == 400
    assert b"The stop date is in the future" in response.content
    assert b'value="course finished"' in response.content
    medication.refresh_from_db()
    assert medication.is_active


def test_plain_form_post_without_htmx_redirects_to_the_chart(nurse, patient, client_for):
    response = client_for(nurse).post(
        _add_url(patient, "allergy"), {"allergy-substance": "Latex", "allergy-severity": "severe"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/#clinical-section"
    assert patient.allergies.get().substance == "Latex"


def test_plain_form_error_without_htmx_is_a_full_page(nurse, patient, client_for):
    response = client_for(nurse).post(_add_url(patient, "allergy"), {"allergy-substance": ""})

    assert response.status_code == 400
    assert next(t.name for t in response.templates) == "patients/form.html"
    assert b"<html" in response.content


def test_unknown_kind_is_404(nurse, patient, client_for):
    response = client_for(nurse).post(_add_url(patient, "tattoos"), {}, headers=HTMX)

    assert response.status_code == 404


def test_nkda_button_records_the_statement(nurse, patient, client_for):
    response = client_for(nurse).post(_add_url(patient, "nkda"), {}, headers=HTMX)

    assert response.status_code == 200
    assert patient.allergies.get().is_nkda is True
    assert b"<strong>No known drug allergies</strong>" in response.content


def test_nkda_button_is_offered_only_while_no_allergy_status_is_on_record(
    nurse, patient, allergy_factory, client_for
):
    client = client_for(nurse)
    before = client.get(_section_url(patient)).content.decode()
    allergy_factory(patient=patient)
    after = client.get(_section_url(patient)).content.decode()

    assert 'id="add-nkda"' in before
    assert "No allergy status on record" in before
    assert 'id="add-nkda"' not in after
    assert "No allergy status on record" not in after


def test_care_team_form_offers_only_site_staff_with_the_role_and_refuses_others(
    nurse, physician, make_user, west_hartford, patient, client_for
):
    """Only Boston physicians are offered; posting a West Hartford physician is refused."""
    wh_physician = make_user(Role.PHYSICIAN, west_hartford, username="wh-physician")
    client = client_for(nurse)

    section = client.get(_section_url(patient)).content.decode()
    refused = client.post(
        _add_url(patient, "care_team"), {"care_team-physician": wh_physician.pk}, headers=HTMX
    )
    saved = client.post(
        _add_url(patient, "care_team"), {"care_team-physician": physician.pk}, headers=HTMX
    )

    assert f'<option value="{physician.pk}">' in section
    assert f'<option value="{wh_physician.pk}">' not in section
    assert refused.status_code == 400
    assert b"Choose a physician who works at Boston, MA from the list." in refused.content
    assert saved.status_code == 200
    assert CareTeam.objects.get().physician == physician


def test_referring_provider_contact_is_saved_then_replaced(nurse, patient, client_for):
    client = client_for(nurse)
    url = _add_url(patient, "referring_provider")

    client.post(url, {"referring_provider-name": "Dr Ada Example"}, headers=HTMX)
    client.post(
        url,
        {"referring_provider-name": "Dr Ada Example", "referring_provider-phone": "555-0142"},
        headers=HTMX,
    )

    contact = PatientContact.objects.get()
    assert (contact.role, contact.name, contact.phone) == (
        "referring_provider",
        "Dr Ada Example",
        "555-0142",
    )


def _section_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_section_url(patient), headers=HTMX)
    assert response.status_code == 200
    return len(queries)


def test_section_runs_the_same_number_of_queries_for_1_and_10_rows_of_each_part(
    nurse,
    patient,
    target_factory,
    medication_factory,
    measurement_factory,
    allergy_factory,
    diagnosis_factory,
    history_factory,
    client_for,
):
    client = client_for(nurse)
    factories = [
        medication_factory,
        measurement_factory,
        allergy_factory,
        diagnosis_factory,
        history_factory,
    ]
    target_factory(patient=patient, label="1")
    for factory in factories:
        factory(patient=patient)
    client.get(_section_url(patient))  # warm the session
    one = _section_queries(client, patient)

    for index in range(9):
        target_factory(patient=patient, label=f"label {index}")
    for factory in factories:
        factory.create_batch(9, patient=patient)
    ten = _section_queries(client, patient)

    assert one == ten

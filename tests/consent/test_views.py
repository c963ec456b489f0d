from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.consent.models import PatientConsent
from tests.consent.factories import PART2_FIELDS, sign_part2, sign_treatment


def _sign_url(patient, kind: str) -> str:
    return f"/consents/patients/{patient.pk}/sign/{kind}/"


def _part2_post(template, **changes) -> dict[str, object]:
    return {
        "template_id": template.pk,
        **PART2_FIELDS,
        "signature_name": "Avery Testpatient",
        "witnessed": "on",
        **changes,
    }


def test_chart_section_shows_each_consent_with_its_status_badge(
    physician, patient, consent_factory, client_for
):
    """Given a valid, an expired and a revoked consent, the section shows the three badges."""
    valid = sign_treatment(actor=physician, patient=patient)
    consent_factory(patient=patient, expires_on=dt.date(2024, 1, 31))
    consent_factory(
        patient=patient,
        revoked_at=valid.signed_at,
        revoked_by=physician,
        revocation_reason="By phone.",
    )

    response = client_for(physician).get(f"/consents/patients/{patient.pk}/")

    assert response.status_code == 200
    assert sorted(row.status for row in response.context["rows"]) == ["expired", "revoked", "valid"]
    html = response.content.decode()
    assert '<span class="badge status-valid">Valid</span>' in html
    assert '<span class="badge status-expired">Expired</span>' in html
    assert '<span class="badge status-revoked denied">Revoked</span>' in html
    assert f"witnessed by {physician}" in html
    assert html.count('name="reason"') == 1  # revoke only the valid one
    assert f'href="{_sign_url(patient, "treatment_ketamine")}"' in html
    assert f'href="{_sign_url(patient, "part2_disclosure")}"' in html
    assert "<html" not in html
    read = AuditEvent.objects.get(action=Action.READ)
    assert (read.patient_id, read.target_type) == (patient.pk, "patient_consents")


def test_chart_section_hides_actions_from_roles_that_cannot_record(
    physician, compliance, patient, client_for
):
    sign_treatment(actor=physician, patient=patient)

    html = client_for(compliance).get(f"/consents/patients/{patient.pk}/").content.decode()

    assert "Sign treatment consent" not in html
    assert 'name="reason"' not in html
    assert "Informed consent for ketamine treatment" in html


def test_chart_section_runs_the_same_number_of_queries_for_1_and_20_consents(
    physician, patient, consent_factory, client_for
):
    client = client_for(physician)
    consent_factory(patient=patient)
    client.get(f"/consents/patients/{patient.pk}/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(f"/consents/patients/{patient.pk}/")
    consent_factory.create_batch(19, patient=patient)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(f"/consents/patients/{patient.pk}/")

    assert len(response.context["rows"]) == 20
    assert len(one) == len(twenty)


def test_sign_page_shows_the_active_template_and_prefills_the_revocation_statement(
    physician, patient, shipped_part2, client_for
):
    response = client_for(physician).get(_sign_url(patient, "part2_disclosure"))

    assert response.status_code == 200
    html = response.content.decode()
    assert shipped_part2.title in html
    assert "Example text — have your counsel review before use." in html
    assert shipped_part2.revocation_statement in html
    assert 'name="purpose"' in html
    assert "I witnessed the patient sign" in html


def test_treatment_sign_page_has_no_disclosure_fields(physician, patient, client_for):
    html = client_for(physician).get(_sign_url(patient, "treatment_ketamine")).content.decode()

    assert 'name="purpose"' not in html
    assert 'name="expires_on"' in html
    assert 'name="signature_name"' in html


def test_signing_a_part2_consent_saves_it_and_returns_to_the_chart(
    physician, patient, shipped_part2, client_for
):
    response = client_for(physician).post(
        _sign_url(patient, "part2_disclosure"), _part2_post(shipped_part2)
    )

    assert (response.status_code, response["Location"]) == (302, f"/patients/{patient.pk}/")
    consent = PatientConsent.objects.get()
    assert (consent.kind, consent.purpose, consent.witnessed_by) == (
        "part2_disclosure",
        PART2_FIELDS["purpose"],
        physician,
    )


def test_part2_consent_missing_purpose_is_refused_with_every_value_kept(
    physician, patient, shipped_part2, client_for
):
    """Given a form without purpose, the page comes back (400) naming it, typed values kept."""
    response = client_for(physician).post(
        _sign_url(patient, "part2_disclosure"),
        _part2_post(shipped_part2, purpose="", recipients="Dr. Keep This (synthetic)"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Purpose is missing: state why the information is disclosed." in html
    assert "Dr. Keep This (synthetic)" in html
    assert PART2_FIELDS["information_description"] in html
    assert 'value="Avery Testpatient"' in html
    assert 'name="witnessed" id="id_witnessed" checked' in html
    assert not PatientConsent.objects.exists()


def test_a_date_that_is_not_a_date_keeps_the_other_values(
    physician, patient, shipped_treatment, client_for
):
    response = client_for(physician).post(
        _sign_url(patient, "treatment_ketamine"),
        {
            "template_id": shipped_treatment.pk,
            "expires_on": "next spring",
            "signature_name": "Avery Testpatient",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This is not a date: use the date picker or type YYYY-MM-DD." in html
    assert 'value="next spring"' in html
    assert 'value="Avery Testpatient"' in html
    assert not PatientConsent.objects.exists()


def test_unknown_consent_kind_is_404(physician, patient, client_for):
    response = client_for(physician).get(_sign_url(patient, "marketing"))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def test_revoking_from_the_chart_takes_effect_at_once(physician, patient, client_for):
    consent = sign_treatment(actor=physician, patient=patient)

    response = client_for(physician).post(
        f"/consents/patients/{patient.pk}/{consent.pk}/revoke/",
        {"reason": "Patient asked in person.", "received_via": "in_person"},
    )

    assert (response.status_code, response["Location"]) == (302, f"/patients/{patient.pk}/")
    consent.refresh_from_db()
    assert (consent.revoked_by, consent.revocation_reason) == (
        physician,
        "Patient asked in person.",
    )


def test_revoking_without_a_reason_re_shows_the_form(physician, patient, client_for):
    consent = sign_treatment(actor=physician, patient=patient)

    response = client_for(physician).post(
        f"/consents/patients/{patient.pk}/{consent.pk}/revoke/",
        {"reason": "", "received_via": "by_phone"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Say how the patient revoked and why, if they said." in html
    assert '<option value="by_phone" selected>' in html
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_marking_the_ending_event_expires_the_consent(physician, patient, client_for):
    consent = sign_part2(actor=physician, patient=patient)

    response = client_for(physician).post(
        f"/consents/patients/{patient.pk}/{consent.pk}/ending-event/"
    )

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.ending_event_recorded_by == physician


def test_detail_shows_the_exact_text_signed_and_every_element(physician, patient, client_for):
    consent = sign_part2(actor=physician, patient=patient)

    response = client_for(physician).get(f"/consents/patients/{patient.pk}/{consent.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert consent.template.title in html
    for value in PART2_FIELDS.values():
        assert value in html


def test_a_consent_of_another_patient_is_404(physician, patient, patient_factory, client_for):
    other = patient_factory(site=patient.site)
    consent = sign_treatment(actor=physician, patient=other)

    response = client_for(physician).get(f"/consents/patients/{patient.pk}/{consent.pk}/")

    assert response.status_code == 404
    # The probe is audited against the patient whose consent it is, like a foreign patient id.
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.patient_id, denial.target_id, denial.detail) == (
        other.pk,
        str(consent.pk),
        "record of another patient",
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/consents/patients/{patient}/"),
        ("get", "/consents/patients/{patient}/sign/treatment_ketamine/"),
        ("post", "/consents/patients/{patient}/sign/part2_disclosure/"),
        ("get", "/consents/patients/{patient}/{consent}/"),
        ("get", "/consents/patients/{patient}/{consent}/revoke/"),
        ("post", "/consents/patients/{patient}/{consent}/revoke/"),
        ("post", "/consents/patients/{patient}/{consent}/ending-event/"),
    ],
)
def test_west_hartford_staff_get_404_on_every_patient_page_and_it_is_audited(
    physician, wh_therapist, patient, client_for, method, path
):
    consent = sign_part2(actor=physician, patient=patient)
    url = path.format(patient=patient.pk, consent=consent.pk)
    data = {"reason": "x", "received_via": "in_person", **PART2_FIELDS}

    response = getattr(client_for(wh_therapist), method)(url, data if method == "post" else None)

    assert response.status_code == 404
    assert b"No patient with that id at your sites." in response.content
    assert patient.last_name.encode() not in response.content
    denial = AuditEvent.objects.get(actor=wh_therapist)
    assert (denial.action, denial.patient_id, denial.outcome) == (
        Action.ACCESS_DENIED,
        patient.pk,
        Outcome.DENIED,
    )
    consent.refresh_from_db()
    assert (PatientConsent.objects.count(), consent.revoked_at) == (1, None)
    assert consent.ending_event_occurred_at is None


def test_roles_that_cannot_record_consents_get_403_on_the_sign_page(
    compliance, patient, client_for
):
    response = client_for(compliance).get(_sign_url(patient, "treatment_ketamine"))

    assert response.status_code == 403
    denial = AuditEvent.objects.get(actor=compliance)
    assert denial.detail == "missing permission consent.record"


def test_anonymous_visitor_is_sent_to_login(patient, client):
    response = client.get(f"/consents/patients/{patient.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuditEvent.objects.exists()

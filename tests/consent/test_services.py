from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.consent import services
from ketaclinic.consent.models import (
    ConsentKind,
    PatientConsent,
    RevocationChannel,
    SignedVia,
    TemplateStatus,
)
from ketaclinic.consent.selectors import consent_status, valid_consent
from ketaclinic.consent.services.signing import Part2Elements
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from tests.consent.factories import sign_part2, sign_treatment

MISSING = {
    "discloser": (
        "Who may disclose is missing: name the programme or person allowed to disclose "
        "(for example this clinic)."
    ),
    "information_description": (
        "Description of the information is missing: say specifically what may be disclosed "
        "(for example 'dates of attendance and a treatment summary')."
    ),
    "recipients": (
        "Recipients are missing: name who may receive the information (a person, an "
        "organisation or a class of recipients), or tick 'All future treatment, payment and "
        "health care operations uses'."
    ),
    "purpose": "Purpose is missing: state why the information is disclosed.",
    "revocation_statement": (
        "Right to revoke is missing: state that the patient may revoke this consent and how."
    ),
}


def _no_consent_written() -> None:
    assert not PatientConsent.objects.exists()
    assert not AuditEvent.objects.filter(target_type="patient_consent", action=Action.CREATE)


def test_treatment_consent_is_signed_on_the_active_version_and_audited(
    physician, patient, shipped_treatment
):
    consent = sign_treatment(actor=physician, patient=patient)

    assert (consent.kind, consent.template, consent.patient_name, consent.signature_name) == (
        ConsentKind.TREATMENT_KETAMINE,
        shipped_treatment,
        "Avery Testpatient",
        "Avery Testpatient",
    )
    assert (consent.signed_via, consent.witnessed_by, consent.recorded_by) == (
        SignedVia.WITNESSED,
        physician,
        physician,
    )
    assert (consent.expires_on, consent_status(consent=consent)) == (None, "valid")
    event = AuditEvent.objects.get(action=Action.CREATE, target_type="patient_consent")
    assert (event.patient_id, event.target_id, event.detail) == (
        patient.pk,
        str(consent.pk),
        f"treatment_ketamine signed on template {shipped_treatment.pk} v1, witnessed",
    )


def test_front_desk_may_record_a_treatment_consent_with_an_expiry_date(frontdesk, patient):
    expiry = timezone.localdate() + dt.timedelta(days=180)

    consent = sign_treatment(actor=frontdesk, patient=patient, expires_on=expiry)

    assert (consent.expires_on, consent.witnessed_by) == (expiry, frontdesk)


def test_part2_consent_with_every_element_is_saved(physician, patient, shipped_part2):
    consent = sign_part2(actor=physician, patient=patient)

    assert (consent.purpose, consent.recipients, consent.ending_event) == (
        "Coordinate care with the primary care physician.",
        "Example Family Practice (synthetic)",
        "When treatment at this clinic ends.",
    )
    assert consent.template == shipped_part2


@pytest.mark.parametrize("element", sorted(MISSING))
def test_part2_consent_missing_one_element_is_refused_naming_it(physician, patient, element):
    """Given every element but one, when signing, then the refusal names it and nothing is saved."""
    with pytest.raises(ApplicationError) as refused:
        sign_part2(actor=physician, patient=patient, **{element: "  "})

    assert refused.value.message == f"Cannot save this consent: {MISSING[element]}"
    assert list(refused.value.field_errors) == [element]
    _no_consent_written()


def test_part2_consent_without_expiry_date_or_ending_event_is_refused(physician, patient):
    with pytest.raises(ApplicationError) as refused:
        sign_part2(actor=physician, patient=patient, ending_event="", expires_on=None)

    assert "Expiry is missing: give an expiry date or an ending event" in refused.value.message
    assert list(refused.value.field_errors) == ["expires_on"]
    _no_consent_written()


def test_part2_consent_missing_purpose_and_recipients_names_both(physician, patient):
    with pytest.raises(ApplicationError) as refused:
        sign_part2(actor=physician, patient=patient, purpose="", recipients="")

    assert "Recipients are missing" in refused.value.message
    assert "Purpose is missing: state why the information is disclosed." in refused.value.message
    assert sorted(refused.value.field_errors) == ["purpose", "recipients"]
    _no_consent_written()


def test_part2_recipients_may_be_the_class_of_all_future_tpo_uses(physician, patient):
    consent = sign_part2(actor=physician, patient=patient, recipients="", recipients_all_tpo=True)

    assert consent.recipients_label == (
        "All future treatment, payment and health care operations uses"
    )


def test_part2_expiry_date_may_replace_the_ending_event(physician, patient):
    expiry = timezone.localdate() + dt.timedelta(days=365)

    consent = sign_part2(actor=physician, patient=patient, ending_event="", expires_on=expiry)

    assert (consent.expires_on, consent.ending_event) == (expiry, "")


def test_part2_revocation_statement_left_out_takes_the_template_wording(
    physician, patient, shipped_part2
):
    consent = sign_part2(actor=physician, patient=patient, revocation_statement=None)

    assert consent.revocation_statement == shipped_part2.revocation_statement


def test_counselling_notes_need_their_own_consent(physician, patient):
    """A general Part 2 consent is not a consent to disclose counselling notes."""
    sign_part2(actor=physician, patient=patient)

    assert valid_consent(patient=patient, kind=ConsentKind.COUNSELLING_NOTES_PART2) is None
    notes = sign_part2(actor=physician, patient=patient, kind=ConsentKind.COUNSELLING_NOTES_PART2)
    assert valid_consent(patient=patient, kind=ConsentKind.COUNSELLING_NOTES_PART2) == notes


def test_unwitnessed_or_unsigned_consent_is_refused(physician, patient):
    with pytest.raises(ApplicationError) as refused:
        sign_treatment(actor=physician, patient=patient, signature_name=" ", witnessed=False)

    assert refused.value.message == (
        "Cannot save this consent: Signature is missing: have the patient type their full "
        "name. Witness confirmation is missing: tick 'I witnessed the patient sign' once you "
        "have seen the patient sign. Patients will sign on their own in the portal later."
    )
    _no_consent_written()


def test_expiry_date_in_the_past_is_refused(physician, patient):
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    with pytest.raises(ApplicationError, match=f"Expiry date {yesterday:%Y-%m-%d} is in the past"):
        sign_treatment(actor=physician, patient=patient, expires_on=yesterday)

    _no_consent_written()


def test_treatment_consent_with_disclosure_details_is_refused(physician, patient):
    with pytest.raises(ApplicationError, match="A treatment consent takes no disclosure details"):
        sign_treatment(actor=physician, patient=patient, elements=Part2Elements(purpose="x"))

    _no_consent_written()


def test_signing_without_an_active_template_is_refused(
    clinic_admin, physician, patient, shipped_treatment
):
    services.consent_template_retire(actor=clinic_admin, template_id=shipped_treatment.pk)

    with pytest.raises(ApplicationError) as refused:
        sign_treatment(actor=physician, patient=patient)

    assert refused.value.message == (
        "No active 'Informed consent for ketamine treatment' template for Boston, MA: ask your "
        "clinic admin to activate one under Consent templates."
    )
    _no_consent_written()


def test_signing_on_a_version_that_is_no_longer_active_is_refused(
    physician, patient, template_factory
):
    retired = template_factory(kind=ConsentKind.TREATMENT_KETAMINE, status=TemplateStatus.RETIRED)

    with pytest.raises(ApplicationError, match="is no longer offered for signing"):
        sign_treatment(actor=physician, patient=patient, template_id=retired.pk)

    _no_consent_written()


def test_a_site_version_wins_over_the_all_sites_version(
    clinic_admin, physician, patient, template_factory
):
    boston_version = template_factory(kind=ConsentKind.TREATMENT_KETAMINE, site=patient.site)
    services.consent_template_activate(actor=clinic_admin, template_id=boston_version.pk)

    consent = sign_treatment(actor=physician, patient=patient)

    assert consent.template == boston_version


def test_west_hartford_staff_cannot_sign_for_a_boston_patient(wh_therapist, patient):
    with pytest.raises(NotFoundError):
        sign_treatment(actor=wh_therapist, patient=patient)

    assert not PatientConsent.objects.exists()
    denial = AuditEvent.objects.get(actor=wh_therapist, action=Action.ACCESS_DENIED)
    assert (denial.patient_id, denial.detail, denial.outcome) == (
        patient.pk,
        "outside user's sites",
        Outcome.DENIED,
    )


def test_compliance_cannot_record_consents_and_the_denial_is_audited(compliance, patient):
    with pytest.raises(PermissionDeniedError):
        sign_treatment(actor=compliance, patient=patient)

    assert not PatientConsent.objects.exists()
    denial = AuditEvent.objects.get(actor=compliance, action=Action.ACCESS_DENIED)
    assert denial.detail == "missing permission consent.record"


def test_revocation_takes_effect_at_once(physician, frontdesk, patient):
    """Given a valid treatment consent, when revoked, then valid_consent is None immediately."""
    consent = sign_treatment(actor=physician, patient=patient)
    assert valid_consent(patient=patient, kind=ConsentKind.TREATMENT_KETAMINE) == consent

    services.consent_revoke(
        actor=frontdesk,
        consent=consent,
        reason="Patient phoned to withdraw consent.",
        received_via=RevocationChannel.BY_PHONE,
    )

    assert valid_consent(patient=patient, kind=ConsentKind.TREATMENT_KETAMINE) is None
    consent.refresh_from_db()
    assert consent_status(consent=consent) == "revoked"
    assert (consent.revoked_by, consent.revocation_received_via) == (
        frontdesk,
        RevocationChannel.BY_PHONE,
    )
    event = AuditEvent.objects.get(action=Action.UPDATE, target_type="patient_consent")
    assert (event.actor, event.detail) == (frontdesk, "revoked (by_phone)")


def test_revocation_without_a_reason_changes_nothing(physician, patient):
    consent = sign_treatment(actor=physician, patient=patient)

    with pytest.raises(ApplicationError, match="Reason is missing"):
        services.consent_revoke(actor=physician, consent=consent, reason=" ")

    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_a_revoked_consent_cannot_be_revoked_again(physician, patient):
    consent = sign_treatment(actor=physician, patient=patient)
    services.consent_revoke(actor=physician, consent=consent, reason="Asked in person.")
    first = PatientConsent.objects.get().revoked_at

    with pytest.raises(ApplicationError, match="already revoked: there is nothing to revoke"):
        services.consent_revoke(actor=physician, consent=consent, reason="Again.")

    assert PatientConsent.objects.get().revoked_at == first


def test_west_hartford_staff_cannot_revoke_a_boston_consent(physician, wh_therapist, patient):
    consent = sign_treatment(actor=physician, patient=patient)

    with pytest.raises(NotFoundError):
        services.consent_revoke(actor=wh_therapist, consent=consent, reason="x")

    assert PatientConsent.objects.get().revoked_at is None
    assert AuditEvent.objects.filter(actor=wh_therapist, action=Action.ACCESS_DENIED).count() == 1


def test_recording_the_ending_event_expires_the_consent(physician, patient):
    consent = sign_part2(actor=physician, patient=patient)

    services.consent_ending_event_record(actor=physician, consent=consent)

    consent.refresh_from_db()
    assert consent_status(consent=consent) == "expired"
    assert consent.ending_event_recorded_by == physician
    assert valid_consent(patient=patient, kind=ConsentKind.PART2_DISCLOSURE) is None


def test_ending_event_cannot_be_recorded_for_a_consent_without_one(physician, patient):
    consent = sign_treatment(actor=physician, patient=patient)

    with pytest.raises(ApplicationError, match="has no ending event"):
        services.consent_ending_event_record(actor=physician, consent=consent)

    consent.refresh_from_db()
    assert consent.ending_event_occurred_at is None


def test_a_signature_that_is_not_the_patients_name_is_refused_and_nothing_saved(physician, patient):
    """A typed signature must be the patient's registered name, as on the risk-benefit note."""
    from ketaclinic.consent.models import PatientConsent
    from tests.consent.factories import sign_treatment

    with pytest.raises(ApplicationError) as refused:
        sign_treatment(actor=physician, patient=patient, signature_name="Someone Else")

    assert refused.value.field_errors["signature_name"] == [
        "The signature does not match the patient's registered name "
        f"({patient.first_name} {patient.last_name}): the patient types their own first and "
        "last name as registered on the chart."
    ]
    assert PatientConsent.objects.count() == 0

"""Intake services: converting an inquiry to a patient, or attaching it to one."""

from __future__ import annotations

import datetime as dt

import pytest

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.intake import services
from ketaclinic.patients.models import Patient

# --- conversion -----------------------------------------------------------------------


def test_convert_creates_the_patient_from_the_inquiry_and_links_it(
    frontdesk, boston, inquiry_factory, patient_factory
):
    patient_factory(site=boston, mrn="BOS000007", phone="(617) 555-0199")
    inquiry = inquiry_factory(
        site=boston, first_name="Robin", last_name="Quillfeather", email="robin.q@example.org"
    )

    patient = services.inquiry_convert_to_patient(actor=frontdesk, inquiry=inquiry)

    assert (patient.site, patient.mrn, patient.first_name, patient.last_name) == (
        boston,
        "BOS000008",
        "Robin",
        "Quillfeather",
    )
    assert (patient.date_of_birth, patient.phone, patient.email) == (
        dt.date(1985, 4, 12),
        inquiry.phone,
        "robin.q@example.org",
    )
    inquiry.refresh_from_db()
    assert (inquiry.patient, inquiry.converted_at is not None) == (patient, True)
    link = AuditEvent.objects.get(action=Action.UPDATE, target_type="inquiry")
    assert (link.patient_id, link.detail) == (patient.pk, "converted to new patient")
    assert AuditEvent.objects.filter(action=Action.CREATE, target_type="patient").count() == 1


def test_convert_without_date_of_birth_is_refused_until_one_is_given(
    frontdesk, boston, inquiry_factory
):
    inquiry = inquiry_factory(site=boston, date_of_birth=None)

    with pytest.raises(ApplicationError) as refused:
        services.inquiry_convert_to_patient(actor=frontdesk, inquiry=inquiry)

    assert refused.value.field_errors == {"date_of_birth": ["Enter the date of birth."]}
    assert not Patient.objects.exists()
    patient = services.inquiry_convert_to_patient(
        actor=frontdesk, inquiry=inquiry, date_of_birth=dt.date(1990, 2, 3)
    )
    assert patient.date_of_birth == dt.date(1990, 2, 3)


def test_convert_with_a_possible_duplicate_is_refused_with_the_candidates(
    frontdesk, boston, inquiry_factory, patient_factory
):
    existing = patient_factory(site=boston, phone="617.555.0123", mrn="BOS000001")
    inquiry = inquiry_factory(site=boston, phone="(617) 555-0123")

    with pytest.raises(services.DuplicatePatientError) as refused:
        services.inquiry_convert_to_patient(actor=frontdesk, inquiry=inquiry)

    assert refused.value.status_code == 409
    assert [(c.patient, c.matched_on) for c in refused.value.candidates] == [(existing, ("phone",))]
    assert Patient.objects.count() == 1
    inquiry.refresh_from_db()
    assert inquiry.patient is None


def test_convert_anyway_creates_a_second_patient_and_says_so_in_the_audit(
    frontdesk, boston, inquiry_factory, patient_factory
):
    patient_factory(site=boston, phone="(617) 555-0123", mrn="BOS000001")
    inquiry = inquiry_factory(site=boston, phone="(617) 555-0123")

    patient = services.inquiry_convert_to_patient(
        actor=frontdesk, inquiry=inquiry, create_anyway=True
    )

    assert patient.mrn == "BOS000002"
    link = AuditEvent.objects.get(action=Action.UPDATE, target_type="inquiry")
    assert link.detail == "converted to new patient despite possible duplicates"


def test_convert_retries_with_the_next_mrn_when_one_is_taken(
    frontdesk, boston, inquiry_factory, patient_factory, monkeypatch
):
    """Given another registration took the MRN first, the conversion takes the next one."""
    patient_factory(site=boston, mrn="BOS000001", phone="", email="")
    offered = iter(["BOS000001", "BOS000002"])
    monkeypatch.setattr(services.conversion, "next_mrn", lambda *, site: next(offered))
    inquiry = inquiry_factory(site=boston)

    patient = services.inquiry_convert_to_patient(actor=frontdesk, inquiry=inquiry)

    assert patient.mrn == "BOS000002"


def test_next_mrn_ignores_mrns_of_another_shape(boston, patient_factory):
    patient_factory(site=boston, mrn="BOS000041")
    patient_factory(site=boston, mrn="BOS9999999")
    patient_factory(site=boston, mrn="LEGACY-1")

    assert services.next_mrn(site=boston) == "BOS000042"


def test_convert_of_a_linked_inquiry_is_a_conflict(frontdesk, boston, inquiry_factory):
    inquiry = inquiry_factory(site=boston)
    services.inquiry_convert_to_patient(actor=frontdesk, inquiry=inquiry)

    with pytest.raises(services.ConflictError, match="already linked to patient BOS000001"):
        services.inquiry_convert_to_patient(actor=frontdesk, inquiry=inquiry)

    assert Patient.objects.count() == 1


def test_convert_at_another_site_is_404_and_creates_nothing(wh_frontdesk, boston, inquiry_factory):
    inquiry = inquiry_factory(site=boston)

    with pytest.raises(NotFoundError):
        services.inquiry_convert_to_patient(actor=wh_frontdesk, inquiry=inquiry)

    assert not Patient.objects.exists()
    assert AuditEvent.objects.get().action == Action.ACCESS_DENIED


# --- attaching ------------------------------------------------------------------------


def test_attach_links_the_existing_patient_without_creating_one(
    frontdesk, boston, inquiry_factory, patient_factory
):
    existing = patient_factory(site=boston)
    inquiry = inquiry_factory(site=boston)

    patient = services.inquiry_attach_to_patient(
        actor=frontdesk, inquiry=inquiry, patient_id=existing.pk
    )

    assert patient == existing
    assert Patient.objects.count() == 1
    inquiry.refresh_from_db()
    assert inquiry.patient == existing
    link = AuditEvent.objects.get(action=Action.UPDATE)
    assert (link.patient_id, link.detail) == (existing.pk, "attached to existing patient")


def test_attach_to_a_patient_at_another_site_is_404_and_audited(
    frontdesk, boston, west_hartford, inquiry_factory, patient_factory
):
    foreign = patient_factory(site=west_hartford)
    inquiry = inquiry_factory(site=boston)

    with pytest.raises(NotFoundError):
        services.inquiry_attach_to_patient(actor=frontdesk, inquiry=inquiry, patient_id=foreign.pk)

    inquiry.refresh_from_db()
    assert inquiry.patient is None
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.patient_id, denial.target_type) == (foreign.pk, "inquiry_attach")


def test_attach_to_a_patient_at_another_of_my_sites_is_refused(
    make_user, boston, west_hartford, inquiry_factory, patient_factory
):
    from ketaclinic.accounts.roles import Role

    both = make_user(Role.FRONT_DESK, boston, west_hartford, username="both-sites")
    other = patient_factory(site=west_hartford, mrn="WES000001")
    inquiry = inquiry_factory(site=boston)

    with pytest.raises(ApplicationError, match="Patient WES000001 is registered at West Hartford"):
        services.inquiry_attach_to_patient(actor=both, inquiry=inquiry, patient_id=other.pk)

    inquiry.refresh_from_db()
    assert inquiry.patient is None


def test_convert_records_the_sex_given_by_front_desk(frontdesk, boston, inquiry_factory):
    """The sex decides sex-specific cut-offs (AUDIT-C), so conversion records it."""
    inquiry = inquiry_factory(site=boston, first_name="Sam", last_name="Ashgrove")

    patient = services.inquiry_convert_to_patient(actor=frontdesk, inquiry=inquiry, sex="female")

    assert patient.sex == "female"

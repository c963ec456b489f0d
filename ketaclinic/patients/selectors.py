"""Reads of patients, always scoped to the acting user's sites and always audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm, Role
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients.models import (
    AddictionTarget,
    Allergy,
    BodyMeasurement,
    CareTeam,
    ContactRole,
    Diagnosis,
    HistoryItem,
    Medication,
    Patient,
    PatientContact,
    PatientQuerySet,
)

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def patients_visible(*, user: User) -> PatientQuerySet:
    """Every patient the user may see: active patients at the user's sites."""
    return Patient.objects.at_sites(user.site_ids).filter(is_active=True)


def patient_search_filter(query: str) -> Q:
    """Name words, an MRN or a date of birth (YYYY-MM-DD or MM/DD/YYYY)."""
    query = query.strip()
    if not query:
        return Q()
    birth_date = _parse_date(query)
    if birth_date is not None:
        return Q(date_of_birth=birth_date)
    condition = Q(mrn__iexact=query)
    words = [word for word in re.split(r"[\s,]+", query) if word]
    name_condition = Q()
    for word in words:
        name_condition &= (
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(preferred_name__istartswith=word)
        )
    return condition | name_condition


def patient_list(*, user: User, query: str = "") -> PatientQuerySet:
    """The unevaluated, scoped list; callers paginate, then call `patient_list_audit`."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type="patient_list")
    return (
        patients_visible(user=user)
        .filter(patient_search_filter(query))
        .select_related("site")
        .order_by("last_name", "first_name", "id")
    )


def patient_list_audit(*, user: User, patients: list[Patient]) -> None:
    audit_record_patient_reads(actor=user, patients=patients, target_type="patient_list")


def patient_get(*, user: User, patient_id: int, target_type: str = "patient") -> Patient:
    """One patient, audited as read. Missing and foreign patients are the same 404."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type=target_type, target_id=patient_id)
    patient = patients_visible(user=user).select_related("site").filter(pk=patient_id).first()
    if patient is None:
        # Record who tried; link the patient only if it exists, so its site's compliance
        # officer sees the attempt. The caller gets the same answer either way.
        existing = Patient.objects.filter(pk=patient_id).first()
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            patient=existing,
            target_type=target_type,
            target_id=patient_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if existing else "no such patient",
        )
        raise NotFoundError("No patient with that id at your sites.")
    audit_record(
        actor=user,
        action=Action.READ,
        patient=patient,
        target_type=target_type,
        target_id=patient.pk,
    )
    return patient


# --- The clinical parts of the chart -------------------------------------------------------
# Each reader below takes a patient already loaded through `patient_get`, which scoped the
# read to the user's sites and audited it; these add no audit row of their own.

MEASUREMENTS_SHOWN = 20


@dataclass(frozen=True)
class ClinicalRecord:
    patient: Patient
    addiction_targets: list[AddictionTarget]
    diagnoses: list[Diagnosis]
    history_items: list[HistoryItem]
    medications: list[Medication]
    allergies: list[Allergy]
    measurements: list[BodyMeasurement]
    latest_weight: BodyMeasurement | None
    care_team: CareTeam | None
    contacts: dict[str, PatientContact]

    @property
    def flagged_medications(self) -> list[Medication]:
        """Active medications in a class DOMAIN.md section 2 asks a physician to review."""
        return [item for item in self.medications if item.is_active and item.flags]

    @property
    def has_nkda(self) -> bool:
        return any(item.is_active and item.is_nkda for item in self.allergies)

    @property
    def allergies_unanswered(self) -> bool:
        """Neither an allergy nor "no known drug allergies" is on record."""
        return not any(item.is_active for item in self.allergies)

    @property
    def more_measurements(self) -> bool:
        """True when older entries exist beyond the ones shown (or exactly fill the page)."""
        return len(self.measurements) >= MEASUREMENTS_SHOWN

    @property
    def referring_provider(self) -> PatientContact | None:
        return self.contacts.get(ContactRole.REFERRING_PROVIDER)

    @property
    def primary_care(self) -> PatientContact | None:
        return self.contacts.get(ContactRole.PRIMARY_CARE)


def clinical_record_get(*, user: User, patient_id: int) -> ClinicalRecord:
    """The patient's clinical record, scoped and audited as one `clinical_record` read."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="clinical_record")
    return clinical_record_load(patient=patient)


def clinical_patient_for_edit(*, user: User, patient_id: int) -> Patient:
    """The patient whose record a chart form changes: scoped, audited, and CHART_EDIT only."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="clinical_record")
    require_perm(
        user=user,
        perm=Perm.CHART_EDIT,
        target_type="clinical_record",
        target_id=patient.pk,
        patient=patient,
        message="Only a physician or a nurse can change the clinical record. Ask one of them.",
    )
    return patient


def clinical_record_load(*, patient: Patient) -> ClinicalRecord:
    """Nine queries whatever the size of the record; the caller has audited the read."""
    measurements = body_measurement_list(patient=patient)[:MEASUREMENTS_SHOWN]
    return ClinicalRecord(
        patient=patient,
        addiction_targets=list(addiction_target_list(patient=patient)),
        diagnoses=list(
            Diagnosis.objects.filter(patient=patient).select_related("noted_by", "resolved_by")
        ),
        history_items=list(
            HistoryItem.objects.filter(patient=patient).select_related(
                "recorded_by", "retracted_by"
            )
        ),
        medications=list(
            Medication.objects.filter(patient=patient).select_related("recorded_by", "stopped_by")
        ),
        allergies=list(
            Allergy.objects.filter(patient=patient).select_related("recorded_by", "retracted_by")
        ),
        measurements=list(measurements),
        latest_weight=latest_weight(patient=patient),
        care_team=CareTeam.objects.filter(patient=patient)
        .select_related("physician", "therapist", "updated_by")
        .first(),
        contacts={
            contact.role: contact
            for contact in PatientContact.objects.filter(patient=patient).select_related(
                "updated_by"
            )
        },
    )


def addiction_target_list(*, patient: Patient) -> QuerySet[AddictionTarget]:
    """Active targets first, then ended ones, oldest first within each."""
    return AddictionTarget.objects.filter(patient=patient).select_related("recorded_by", "ended_by")


def body_measurement_list(*, patient: Patient) -> QuerySet[BodyMeasurement]:
    """Newest first, voided entries included (they show as voided)."""
    return (
        BodyMeasurement.objects.filter(patient=patient)
        .select_related("recorded_by", "voided_by")
        .order_by("-measured_at", "-id")
    )


def latest_weight(*, patient: Patient) -> BodyMeasurement | None:
    """The most recent weighing that is not voided, or None. Used by readiness and dosing.

    Writes no audit row: callers load the patient through `patient_get`, which audits.
    """
    return (
        BodyMeasurement.objects.filter(patient=patient, is_active=True, weight_kg__isnull=False)
        .order_by("-measured_at", "-id")
        .first()
    )


def care_team_candidates(*, patient: Patient, role: Role) -> QuerySet[User]:
    """Active staff at the patient's site holding `role`: who may be on the care team."""
    return User.objects.filter(
        is_active=True, sites=patient.site_id, role_assignments__role=role
    ).order_by("last_name", "first_name", "username")

"""Reads of patients, always scoped to the acting user's sites and always audited."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients.models import Patient, PatientQuerySet

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

"""Every write of patient demographics goes through here, audited in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.patients.models import Patient, Sex


@transaction.atomic
def patient_create(
    *,
    actor: User,
    site: Site,
    mrn: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    sex: Sex = Sex.UNKNOWN,
    phone: str = "",
    email: str = "",
    address: str = "",
) -> Patient:
    require_perm(
        user=actor,
        perm=Perm.PATIENT_CREATE,
        target_type="patient",
        message="Your role does not register patients: ask the front desk or a clinician.",
    )
    if site.pk not in actor.site_ids:
        raise PermissionDeniedError("You can only register patients at a site you work at.")
    if date_of_birth > timezone.localdate():
        message = "The date of birth is in the future: check the year."
        raise ApplicationError(message, field_errors={"date_of_birth": [message]})
    if Patient.objects.filter(site=site, mrn=mrn).exists():
        raise ApplicationError(
            f"MRN {mrn} is already used at {site.name}: search for that patient instead.",
            field_errors={"mrn": ["This MRN is already in use at this site."]},
        )
    patient = Patient(
        site=site,
        mrn=mrn,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        phone=phone,
        email=email,
        address=address,
    )
    patient.full_clean()
    patient.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        patient=patient,
        target_type="patient",
        target_id=patient.pk,
    )
    return patient

"""Turning an inquiry into a patient: a new one, or the existing patient it turns out to be."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.intake import selectors
from ketaclinic.intake.models import Inquiry
from ketaclinic.intake.services.submission import full_clean_or_refuse
from ketaclinic.intake.services.triage import require_inquiry_access
from ketaclinic.patients.models import Patient, Sex
from ketaclinic.patients.seed import mrn_prefix
from ketaclinic.patients.selectors import patient_get
from ketaclinic.patients.services import patient_create

_MRN_ATTEMPTS = 5


class ConflictError(ApplicationError):
    status_code = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, code=ErrorCode.CONFLICT)


class DuplicatePatientError(ConflictError):
    """The person may already be a patient: the caller must attach or confirm a new patient."""

    def __init__(self, candidates: list[selectors.DuplicateCandidate]) -> None:
        count = len(candidates)
        super().__init__(
            f"{count} existing patient{'s' if count != 1 else ''} at this site may be this "
            "person: attach the inquiry to the right one, or confirm that this is someone "
            "new and create a new patient anyway."
        )
        self.candidates = candidates


@dataclass(frozen=True)
class _Details:
    first_name: str
    last_name: str
    date_of_birth: dt.date
    phone: str
    email: str
    sex: Sex = Sex.UNKNOWN


def next_mrn(*, site: Site) -> str:
    """The site's prefix and the number after the highest one in use, e.g. BOS000042."""
    prefix = mrn_prefix(site)
    highest = (
        Patient.objects.filter(site=site, mrn__regex=rf"^{re.escape(prefix)}[0-9]{{6}}$")
        .order_by("-mrn")
        .values_list("mrn", flat=True)
        .first()
    )
    number = int(highest[len(prefix) :]) + 1 if highest else 1
    return f"{prefix}{number:06d}"


def _refuse_if_linked(inquiry: Inquiry) -> None:
    if inquiry.patient is not None:
        raise ConflictError(
            f"This inquiry is already linked to patient {inquiry.patient.mrn}: "
            "open that patient's chart instead."
        )


def _details(
    inquiry: Inquiry,
    *,
    date_of_birth: dt.date | None,
    first_name: str | None,
    last_name: str | None,
    phone: str | None,
    email: str | None,
) -> _Details:
    birth_date = date_of_birth or inquiry.date_of_birth
    if birth_date is None:
        raise ApplicationError(
            "Date of birth is missing: ask the person for it and enter it before "
            "creating the patient.",
            field_errors={"date_of_birth": ["Enter the date of birth."]},
        )
    first = (first_name if first_name is not None else inquiry.first_name).strip()
    last = (last_name if last_name is not None else inquiry.last_name).strip()
    return _Details(
        first_name=first,
        last_name=last,
        date_of_birth=birth_date,
        phone=(phone if phone is not None else inquiry.phone).strip(),
        email=(email if email is not None else inquiry.email).strip(),
    )


def _create_with_next_mrn(*, actor: User, site: Site, details: _Details) -> Patient:
    """patient_create with a fresh MRN; a parallel registration taking it means try the next."""
    for _ in range(_MRN_ATTEMPTS):
        try:
            with transaction.atomic():  # a savepoint: a lost race rolls back only this try
                return patient_create(
                    actor=actor,
                    site=site,
                    mrn=next_mrn(site=site),
                    first_name=details.first_name,
                    last_name=details.last_name,
                    date_of_birth=details.date_of_birth,
                    phone=details.phone,
                    email=details.email,
                    sex=details.sex,
                )
        except IntegrityError:
            continue
        except ApplicationError as error:
            if "mrn" not in error.field_errors:
                raise
    raise ApplicationError("Could not assign a new MRN just now: try again in a moment.")


def _link(*, actor: User, inquiry: Inquiry, patient: Patient, detail: str) -> None:
    with transaction.atomic():
        locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        _refuse_if_linked(locked)
        locked.patient = patient
        locked.converted_at = timezone.now()
        full_clean_or_refuse(locked, "The inquiry could not be linked: see below.")
        locked.save(update_fields=["patient", "converted_at", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=patient,
            target_type="inquiry",
            target_id=locked.pk,
            detail=detail,
        )
    inquiry.patient, inquiry.converted_at = patient, locked.converted_at


def inquiry_convert_to_patient(
    *,
    actor: User,
    inquiry: Inquiry,
    date_of_birth: dt.date | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    sex: Sex | str = Sex.UNKNOWN,
    create_anyway: bool = False,
) -> Patient:
    """Register the inquirer as a new patient from what they sent (None keeps their value).

    Refused with DuplicatePatientError when a patient at the site has the same name and
    date of birth, phone or email, unless `create_anyway` confirms it is someone else.
    """
    require_inquiry_access(user=actor, inquiry=inquiry, target_type="inquiry_convert")
    require_perm(
        user=actor, perm=Perm.PATIENT_CREATE, target_type="inquiry_convert", target_id=inquiry.pk
    )
    _refuse_if_linked(inquiry)
    details = _details(
        inquiry,
        date_of_birth=date_of_birth,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        email=email,
    )
    details = replace(details, sex=Sex(sex))
    candidates = selectors.duplicate_candidates(
        user=actor,
        site=inquiry.site,
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        phone=details.phone,
        email=details.email,
    )
    if candidates and not create_anyway:
        raise DuplicatePatientError(candidates)
    with transaction.atomic():
        patient = _create_with_next_mrn(actor=actor, site=inquiry.site, details=details)
        note = " despite possible duplicates" if candidates else ""
        _link(
            actor=actor, inquiry=inquiry, patient=patient, detail=f"converted to new patient{note}"
        )
    return patient


def inquiry_attach_to_patient(*, actor: User, inquiry: Inquiry, patient_id: int) -> Patient:
    """Link the inquiry to an existing patient at its site instead of creating a second one."""
    require_inquiry_access(user=actor, inquiry=inquiry, target_type="inquiry_attach")
    _refuse_if_linked(inquiry)
    patient = patient_get(user=actor, patient_id=patient_id, target_type="inquiry_attach")
    if patient.site_id != inquiry.site_id:
        raise ApplicationError(
            f"Patient {patient.mrn} is registered at {patient.site.name}, but this inquiry "
            f"came to {inquiry.site.name}: attach it to a patient at {inquiry.site.name}, "
            "or create a new patient."
        )
    _link(actor=actor, inquiry=inquiry, patient=patient, detail="attached to existing patient")
    return patient

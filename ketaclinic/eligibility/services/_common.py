"""What every eligibility write does first: check site and role; then serialise per patient."""

from __future__ import annotations

from django.db import models

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import Patient


def guard(*, actor: User, patient: Patient, perm: Perm, target_type: str, message: str) -> None:
    """Foreign patients are a 404; a missing permission is a 403. Both refusals are audited.

    Call it BEFORE the write's transaction: a refusal rolls that transaction back, and the
    audit row of the refusal must survive it.
    """
    require_patient_access(user=actor, patient=patient, target_type=target_type)
    require_perm(user=actor, perm=perm, target_type=target_type, patient=patient, message=message)


def lock_patient(patient: Patient) -> None:
    """Inside the write's transaction: two clinicians saving at once get consecutive versions."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()


def next_version(queryset: models.QuerySet[models.Model]) -> int:
    latest = queryset.order_by("-version").values_list("version", flat=True).first()
    return (latest or 0) + 1


def refuse(message: str, **field_errors: str) -> ApplicationError:
    return ApplicationError(
        message, field_errors={field: [text] for field, text in field_errors.items()}
    )

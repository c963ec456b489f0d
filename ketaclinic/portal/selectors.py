"""Who the signed-in patient is. Portal and patient-facing pages start here."""

from __future__ import annotations

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import PermissionDeniedError
from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import PatientAccount


def is_patient_user(*, user: User) -> bool:
    return PatientAccount.objects.filter(user=user).exists()


def account_patient(*, user: User) -> Patient:
    """The patient behind a patient login; anyone else is refused."""
    account = (
        PatientAccount.objects.select_related("patient__site")
        .filter(user=user, activated_at__isnull=False, disabled_at__isnull=True)
        .first()
    )
    if account is None or not account.patient.is_active:
        raise PermissionDeniedError("This page is for patients signed in to their own portal.")
    return account.patient

"""Permission checks every service and selector uses; each refusal is audited as a denial."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.services import audit_record_refusal
from ketaclinic.core.errors import NotFoundError, PermissionDeniedError
from ketaclinic.patients.models import Patient

if TYPE_CHECKING:
    from django.db.models import Model

    from ketaclinic.accounts.models import User

_PERM_MESSAGES: dict[Perm, str] = {
    Perm.PATIENT_VIEW: (
        "Your role does not allow you to see patient records. If your work needs them, "
        "ask your clinic admin to change your role."
    ),
}


def require_perm(
    *,
    user: User,
    perm: Perm,
    target_type: str,
    target_id: str | int = "",
    patient: Patient | None = None,
    message: str = "",
) -> None:
    """Refuse (and audit the refusal) when none of the user's roles grants `perm`."""
    if user.has_role_perm(perm):
        return
    error = PermissionDeniedError(
        message
        or _PERM_MESSAGES.get(perm)
        or f"Your role does not allow this ({perm.value}). Ask a colleague whose role does."
    )
    raise audit_record_refusal(
        error,
        actor=user,
        patient=patient,
        target_type=target_type,
        target_id=target_id,
        detail=f"missing permission {perm.value}",
    )


def require_patient_access(*, user: User, patient: Patient, target_type: str) -> None:
    """For writes: the patient must be at one of the user's sites, else the same 404 as reads."""
    if patient.site_id in user.site_ids and patient.is_active:
        return
    raise audit_record_refusal(
        NotFoundError("No patient with that id at your sites."),
        actor=user,
        patient=patient,
        target_type=target_type,
        target_id=patient.pk,
        detail="outside user's sites",
    )


def not_in_chart(
    *,
    user: User,
    patient: Patient,
    model: type[Model],
    record_id: int,
    target_type: str,
    message: str,
) -> NotFoundError:
    """The 404 for a record id that is not in this patient's chart.

    When the id is another patient's record, that is a probe like a foreign patient id: the
    attempt is audited against the patient it belongs to, so their site sees it.
    """
    error = NotFoundError(message)
    owner_id = model._default_manager.filter(pk=record_id).values_list("patient_id", flat=True)
    owner = Patient.objects.filter(pk__in=owner_id).exclude(pk=patient.pk).first()
    if owner is None:
        return error
    return audit_record_refusal(
        error,
        actor=user,
        patient=owner,
        target_type=target_type,
        target_id=record_id,
        detail="record of another patient",
    )

"""What preparation and integration writes share: who may write, and the signed-note lock."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, ErrorCode, require_plausible_time
from ketaclinic.patients.models import Patient
from ketaclinic.therapy.models import NoteStatus

# A session note cannot be dated later than this ahead of the clock (a typing error).
FUTURE_SLACK = dt.timedelta(minutes=5)


def require_note_writer(
    *, actor: User, patient: Patient, perm: Perm, target_type: str, message: str
) -> None:
    """Patient at the actor's sites (else 404) and the role's permission (else 403)."""
    require_patient_access(user=actor, patient=patient, target_type=target_type)
    require_perm(
        user=actor,
        perm=perm,
        target_type=target_type,
        target_id=patient.pk,
        patient=patient,
        message=message,
    )


def refuse_if_signed(status: str, what: str) -> None:
    if status == NoteStatus.SIGNED:
        raise ApplicationError(
            f"This {what} note is signed and can no longer be edited: add what is new to the "
            "next session's note.",
            code=ErrorCode.CONFLICT,
        )


def held_at_checked(held_at: dt.datetime | None) -> dt.datetime | None:
    if held_at is None:
        return None
    if timezone.is_naive(held_at):
        message = "Held at: give the time with its time zone."
        raise ApplicationError(message, field_errors={"held_at": [message]})
    require_plausible_time(held_at, field="held_at", latest=timezone.now() + FUTURE_SLACK)
    return held_at


def missing_for_signature(checks: dict[str, tuple[bool, str]]) -> None:
    """Refuse a signature naming every field that is still missing."""
    missing = {field: message for field, (ok, message) in checks.items() if not ok}
    if missing:
        raise ApplicationError(
            "Cannot sign yet: " + " ".join(missing.values()),
            field_errors={field: [message] for field, message in missing.items()},
        )

"""The clinician's relapse note on a lapse or relapse: context, triggers and the plan.

Never edited once saved; a later thought is a new note on the same event.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, validated
from ketaclinic.recovery.models import RecoveryEvent, RelapseNote, Trigger

TARGET_TYPE = "relapse_note"
_DENIED = "Only a physician, nurse or therapist writes a relapse note. Ask one of them."


def relapse_note_create(
    *, actor: User, event: RecoveryEvent, context: str, triggers: Sequence[str], plan: str = ""
) -> RelapseNote:
    patient = event.patient
    require_patient_access(user=actor, patient=patient, target_type=TARGET_TYPE)
    require_perm(
        user=actor,
        perm=Perm.RECOVERY_RECORD,
        target_type=TARGET_TYPE,
        target_id=event.pk,
        patient=patient,
        message=_DENIED,
    )
    errors: dict[str, list[str]] = {}
    if not context.strip():
        errors["context"] = ["Describe the context: what was happening around the use."]
    unknown = sorted(set(triggers) - set(Trigger.values))
    if unknown:
        errors["triggers"] = [f"Unknown trigger(s) {', '.join(unknown)}: pick from the list."]
    if errors:
        summary = " ".join(m for messages in errors.values() for m in messages)
        raise ApplicationError(summary, field_errors=errors)
    with transaction.atomic():
        note = RelapseNote(
            event=event,
            author=actor,
            written_at=timezone.now(),
            context=context.strip(),
            triggers=sorted(set(triggers)),
            plan=plan.strip(),
        )
        validated(note, exclude=("event", "author")).save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            target_type=TARGET_TYPE,
            target_id=note.pk,
            detail=f"note on {event.kind} {event.day} (event {event.pk})",
        )
        return note

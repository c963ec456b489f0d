"""Triage: moving an inquiry through its statuses, each step with a note and a history row."""

from __future__ import annotations

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.intake.models import Inquiry, InquiryStatus, InquiryStatusChange
from ketaclinic.intake.services.submission import full_clean_or_refuse


def require_inquiry_access(*, user: User, inquiry: Inquiry, target_type: str) -> None:
    """For writes: the user may manage inquiries and the inquiry is at one of their sites.

    A foreign inquiry gets the same 404 as a missing one, and the attempt is audited.
    Services call this before opening their transaction, so the denial row survives the
    refusal instead of being rolled back with it.
    """
    require_perm(user=user, perm=Perm.INQUIRY_MANAGE, target_type=target_type, target_id=inquiry.pk)
    if inquiry.site_id in user.site_ids:
        return
    audit_record(
        actor=user,
        action=Action.ACCESS_DENIED,
        site=inquiry.site,
        target_type=target_type,
        target_id=inquiry.pk,
        outcome=Outcome.DENIED,
        detail="outside user's sites",
    )
    raise NotFoundError("No inquiry with that id at your sites.")


def inquiry_status_change(
    *, actor: User, inquiry: Inquiry, status: InquiryStatus, note: str
) -> InquiryStatusChange:
    """Move the inquiry to `status`; the note says what happened (who was called, what next)."""
    require_inquiry_access(user=actor, inquiry=inquiry, target_type="inquiry_status")
    note = note.strip()
    if not note:
        raise ApplicationError(
            "A note is missing: say what happened (for example 'left a voicemail') "
            "before changing the status.",
            field_errors={"note": ["Write a short note about this change."]},
        )
    with transaction.atomic():
        locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        if locked.status == status:
            raise ApplicationError(
                f"This inquiry is already '{locked.get_status_display()}': "
                "choose a different status.",
                field_errors={"status": ["Choose a status different from the current one."]},
            )
        change = InquiryStatusChange(
            inquiry=locked, from_status=locked.status, to_status=status, note=note, changed_by=actor
        )
        full_clean_or_refuse(change, "The status change could not be saved: see below.")
        locked.status = status
        full_clean_or_refuse(locked, "The status change could not be saved: see below.")
        locked.save(update_fields=["status", "updated_at"])
        change.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            site=inquiry.site,
            patient=inquiry.patient,
            target_type="inquiry",
            target_id=locked.pk,
            detail=f"status {change.from_status} -> {change.to_status}",
        )
    inquiry.status = status
    return change

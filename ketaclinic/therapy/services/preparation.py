"""Preparation sessions: the physician's note before infusions (a hard gate for the first).

Several are allowed per course (before a booster, or before a later infusion). A draft may
be edited; a signed note never is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, validated
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.therapy.models import NoteStatus, PreparationSession
from ketaclinic.therapy.services._common import (
    held_at_checked,
    missing_for_signature,
    refuse_if_signed,
    require_note_writer,
)

TARGET_TYPE = "preparation_session"
_DENIED = "Only a physician holds and signs the preparation session. Ask one."


@dataclass(frozen=True)
class PreparationContent:
    intentions: str = ""
    expectations: str = ""
    set_and_setting: str = ""
    questions: str = ""
    consent_reviewed: bool = False


def _guard(actor: User, course: TreatmentCourse) -> None:
    require_note_writer(
        actor=actor,
        patient=course.patient,
        perm=Perm.PREPARATION_SIGN,
        target_type=TARGET_TYPE,
        message=_DENIED,
    )


def _apply(note: PreparationSession, content: PreparationContent, held_at: dt.datetime) -> None:
    for name, value in asdict(content).items():
        setattr(note, name, value.strip() if isinstance(value, str) else value)
    note.held_at = held_at


def _audit(actor: User, note: PreparationSession, action: Action, detail: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        patient=note.course.patient,
        target_type=TARGET_TYPE,
        target_id=note.pk,
        detail=detail,
    )


def preparation_create(
    *,
    actor: User,
    course: TreatmentCourse,
    content: PreparationContent,
    held_at: dt.datetime | None = None,
) -> PreparationSession:
    """A draft preparation note by the acting physician, for an open course."""
    _guard(actor, course)
    with transaction.atomic():
        if not course.is_open:
            raise ApplicationError(
                f"The course is {course.get_status_display().lower()}: preparation belongs to "
                "an open course; enrol a booster course first.",
                code=ErrorCode.CONFLICT,
            )
        note = PreparationSession(course=course, physician=actor)
        _apply(note, content, held_at_checked(held_at) or timezone.now())
        validated(note, exclude=("course",)).save()
        _audit(actor, note, Action.CREATE, "preparation draft")
        return note


def _locked(note: PreparationSession) -> PreparationSession:
    return (
        PreparationSession.objects.select_for_update()
        .select_related("course__patient__site")
        .get(pk=note.pk)
    )


def preparation_update(
    *,
    actor: User,
    preparation: PreparationSession,
    content: PreparationContent,
    held_at: dt.datetime | None = None,
) -> PreparationSession:
    """Save the draft's fields (the half-filled form is kept); a signed note is refused."""
    _guard(actor, preparation.course)
    with transaction.atomic():
        note = _locked(preparation)
        refuse_if_signed(note.status, "preparation")
        _apply(note, content, held_at_checked(held_at) or note.held_at)
        validated(note, exclude=("course",)).save()
        _audit(actor, note, Action.UPDATE, "preparation draft saved")
        return note


def preparation_sign(*, actor: User, preparation: PreparationSession) -> PreparationSession:
    """Sign the saved note: intentions written and treatment consent reviewed with the patient."""
    _guard(actor, preparation.course)
    with transaction.atomic():
        note = _locked(preparation)
        refuse_if_signed(note.status, "preparation")
        missing_for_signature(
            {
                "intentions": (
                    bool(note.intentions.strip()),
                    "Write the patient's intentions: they carry forward to every integration "
                    "session.",
                ),
                "consent_reviewed": (
                    note.consent_reviewed,
                    "Tick 'consent reviewed' once you have gone through the treatment consent "
                    "with the patient.",
                ),
            }
        )
        note.status = NoteStatus.SIGNED
        note.signed_by = actor
        note.signed_at = timezone.now()
        validated(note, exclude=("course",)).save()
        _audit(actor, note, Action.UPDATE, "preparation signed")
        return note

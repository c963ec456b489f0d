"""Integration sessions: one after every infusion, held and signed by a therapist."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, validated
from ketaclinic.courses.selectors import treatment_settings_for
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import CareTeam
from ketaclinic.therapy.models import IntegrationSession, NoteStatus
from ketaclinic.therapy.services._common import (
    held_at_checked,
    missing_for_signature,
    refuse_if_signed,
    require_note_writer,
)

TARGET_TYPE = "integration_session"


@transaction.atomic
def integration_schedule(*, infusion: Infusion) -> IntegrationSession:
    """Create the integration session a signed infusion is owed, due within the site's window.

    Called by the infusion-signing service inside its transaction (the signer's permission
    was checked there), so the infusion and its integration are written together or not at all.
    """
    if infusion.status != InfusionStatus.SIGNED or infusion.signed_at is None:
        raise ApplicationError("Only a signed infusion is owed an integration session.")
    existing = IntegrationSession.objects.filter(infusion=infusion).first()
    if existing is not None:
        return existing
    window = treatment_settings_for(site=infusion.site).integration_window_hours
    session = IntegrationSession(
        course=infusion.course,
        infusion=infusion,
        due_at=infusion.signed_at + dt.timedelta(hours=window),
        therapist=infusion.course.therapist or _care_team_therapist(infusion),
    )
    session.full_clean()
    session.save()
    audit_record(
        actor=infusion.signed_by,
        action=Action.CREATE,
        patient=infusion.patient,
        target_type=TARGET_TYPE,
        target_id=session.pk,
        detail=f"integration due within {window} h of infusion {infusion.session_number}",
    )
    return session


def _care_team_therapist(infusion: Infusion) -> User | None:
    team = CareTeam.objects.filter(patient_id=infusion.patient_id).first()
    return team.therapist if team is not None else None


# --- The therapist's note -------------------------------------------------------------------

_DENIED = "Only a therapist holds and signs integration sessions. Ask the patient's therapist."


@dataclass(frozen=True)
class IntegrationContent:
    what_emerged: str = ""
    insights: str = ""
    commitments: str = ""
    relapse_prevention_plan: str = ""
    craving_now: int | None = None


def _guard(actor: User, session: IntegrationSession) -> None:
    require_note_writer(
        actor=actor,
        patient=session.course.patient,
        perm=Perm.INTEGRATION_SIGN,
        target_type=TARGET_TYPE,
        message=_DENIED,
    )


def _locked(session: IntegrationSession) -> IntegrationSession:
    return (
        IntegrationSession.objects.select_for_update()
        .select_related("course__patient__site", "infusion")
        .get(pk=session.pk)
    )


def _check_craving(value: int | None) -> None:
    if value is not None and not 0 <= value <= 10:
        message = "Craving now is scored 0 (none) to 10 (worst): enter a whole number 0-10."
        raise ApplicationError(message, field_errors={"craving_now": [message]})


def _check_after_infusion(session: IntegrationSession, held_at: dt.datetime | None) -> None:
    began = session.infusion.ended_at or session.infusion.started_at
    if held_at is not None and began is not None and held_at < began:
        message = (
            f"Held at is before infusion {session.infusion.session_number} "
            f"({began:%Y-%m-%d %H:%M} UTC): integration follows the infusion; check the date."
        )
        raise ApplicationError(message, field_errors={"held_at": [message]})


def integration_update(
    *,
    actor: User,
    integration: IntegrationSession,
    content: IntegrationContent,
    held_at: dt.datetime | None = None,
) -> IntegrationSession:
    """Save the therapist's draft (the half-filled form is kept); a signed note is refused."""
    _guard(actor, integration)
    _check_craving(content.craving_now)
    with transaction.atomic():
        session = _locked(integration)
        refuse_if_signed(session.status, "integration")
        moment = held_at_checked(held_at)
        _check_after_infusion(session, moment)
        for name, value in asdict(content).items():
            setattr(session, name, value.strip() if isinstance(value, str) else value)
        session.held_at = moment or session.held_at
        session.therapist = session.therapist or actor
        validated(session, exclude=("course", "infusion")).save()
        _audit(actor, session, "integration draft saved")
        return session


def integration_sign(*, actor: User, integration: IntegrationSession) -> IntegrationSession:
    """Sign the saved note: when it was held, what emerged and the craving score are needed."""
    _guard(actor, integration)
    with transaction.atomic():
        session = _locked(integration)
        refuse_if_signed(session.status, "integration")
        missing_for_signature(
            {
                "held_at": (session.held_at is not None, "Enter when the session was held."),
                "what_emerged": (
                    bool(session.what_emerged.strip()),
                    "Write what emerged in the session.",
                ),
                "craving_now": (
                    session.craving_now is not None,
                    "Record the patient's craving now (0-10).",
                ),
            }
        )
        session.status = NoteStatus.SIGNED
        session.signed_by = actor
        session.signed_at = timezone.now()
        session.therapist = session.therapist or actor
        validated(session, exclude=("course", "infusion")).save()
        _audit(actor, session, "integration signed")
        return session


def _audit(actor: User, session: IntegrationSession, detail: str) -> None:
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        patient=session.course.patient,
        target_type=TARGET_TYPE,
        target_id=session.pk,
        detail=detail,
    )

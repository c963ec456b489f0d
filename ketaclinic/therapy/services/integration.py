"""Integration sessions: one after every infusion, held and signed by a therapist."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError
from ketaclinic.courses.selectors import treatment_settings_for
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import CareTeam
from ketaclinic.therapy.models import IntegrationSession

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

"""The whole flowsheet through the services, as a nurse and a physician chart it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.questionnaires.models import DueQuestionnaire
from ketaclinic.therapy.models import IntegrationSession
from tests.infusions.flow import Flow


def test_a_signed_infusion_is_owed_its_integration_and_post_infusion_questionnaires(
    flow: Flow,
) -> None:
    """Given a full flowsheet, when the nurse signs it, then the integration session is due
    72 hours after the signature and MEQ-30 and craving are due after discharge."""
    infusion = flow.signed()

    assert infusion.status == InfusionStatus.SIGNED
    assert infusion.planned_total_mg == Decimal("56.0")
    assert infusion.administered_mg == Decimal("56.0")
    assert infusion.lot_number == "LOT-TEST-1"
    session = IntegrationSession.objects.get(infusion=infusion)
    assert infusion.signed_at is not None
    assert session.due_at == infusion.signed_at + dt.timedelta(hours=72)
    due = DueQuestionnaire.objects.filter(patient=infusion.patient, event="post_infusion")
    assert sorted(item.instrument.code for item in due) == ["craving", "meq30"]

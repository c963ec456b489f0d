"""A patient completing one of their own due questionnaires from their own login."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.questionnaires.models import DueQuestionnaire, QuestionnaireResponse, ResponseSource
from ketaclinic.questionnaires.selectors import self_completion_get
from ketaclinic.questionnaires.selectors.self_completion import require_open_and_due
from ketaclinic.questionnaires.services.due_items import due_item_complete
from ketaclinic.questionnaires.services.responses import response_store


def response_submit_by_patient(
    *, user: User, due_id: int, answers: Mapping[str, object]
) -> QuestionnaireResponse:
    """Score and store the patient's answers to their due item `due_id` and complete it.

    `user` must be an activated patient login (else 403, audited); another patient's item is
    a 404 (audited). The response has no staff author (`source=patient_self`); the audit
    trail names the patient's login. Safety alerts are raised exactly as for staff entry.
    A missing answer refuses the whole response and stores nothing.
    """
    entry = self_completion_get(user=user, due_id=due_id)
    with transaction.atomic():
        due = DueQuestionnaire.objects.select_for_update().get(pk=entry.due.pk)
        now = timezone.now()
        require_open_and_due(due, now)  # completed in another tab meanwhile
        response = response_store(
            actor=user,
            patient=entry.patient,
            instrument=entry.instrument,
            answers=answers,
            context=None,
            completed_at=now,
            entered_by=None,
            completed_by_patient=True,
            source=ResponseSource.PATIENT_SELF,
        )
        due_item_complete(actor=user, response=response, due_id=due.pk)
    return response

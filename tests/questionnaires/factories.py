"""Questionnaire test data: responses go through `response_submit`, as in the app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ketaclinic.accounts.models import User
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.questionnaires.services import response_submit
from tests.questionnaires.helpers import answers_for

PHQ9_MODERATE = [1, 1, 1, 1, 1, 2, 1, 2, 0]  # total 10, item 9 = 0
PHQ9_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 2, 1]  # total 10, item 9 = 1
CSSRS_MODERATE = {
    "cssrs_1": 1,
    "cssrs_2": 1,
    "cssrs_3": 1,
    "cssrs_4": 0,
    "cssrs_5": 0,
    "cssrs_6": 0,
}
CSSRS_HIGH = {"cssrs_1": 1, "cssrs_2": 1, "cssrs_3": 1, "cssrs_4": 1, "cssrs_5": 0, "cssrs_6": 0}


def submit(
    actor: User,
    patient: Patient,
    code: str,
    values: Sequence[int] | dict[str, int],
    *,
    completed_at: dt.datetime | None = None,
    **kwargs: Any,
) -> QuestionnaireResponse:
    """Store a response: `values` in item order, or answers by item id."""
    answers = values if isinstance(values, dict) else answers_for(code, values)
    return response_submit(
        actor=actor,
        patient=patient,
        instrument_code=code,
        answers=answers,
        completed_at=completed_at,
        **kwargs,
    )

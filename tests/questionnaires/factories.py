"""Questionnaire test data: responses go through `response_submit`, as in the app; due items,
patient logins and care teams for the schedule and self-completion tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.models import User
from ketaclinic.patients.models import CareTeam, Patient
from ketaclinic.portal.models import PatientAccount
from ketaclinic.questionnaires.models import (
    DueQuestionnaire,
    Instrument,
    QuestionnaireResponse,
    ScheduleEvent,
)
from ketaclinic.questionnaires.services import response_submit
from tests.factories import UserFactory
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


def patient_login(patient: Patient, *, invited_by: User, username: str = "") -> User:
    """A patient's own login: a User with no roles or sites, linked and activated."""
    user = UserFactory(
        username=username or f"patient-{patient.pk}",
        first_name=patient.first_name,
        last_name=patient.last_name,
        roles=[],
        sites=[],
    )
    now = timezone.now()
    PatientAccount.objects.create(
        user=user, patient=patient, invited_at=now, invited_by=invited_by, activated_at=now
    )
    return user


def care_team(
    patient: Patient, *, physician: User | None, therapist: User | None, by: User
) -> CareTeam:
    return CareTeam.objects.create(
        patient=patient, physician=physician, therapist=therapist, updated_by=by
    )


class DueQuestionnaireFactory(DjangoModelFactory[DueQuestionnaire]):
    """An open due item: `instrument` is a code (the active version is looked up)."""

    class Meta:
        model = DueQuestionnaire

    event = ScheduleEvent.BASELINE
    due_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    overdue_at = factory.LazyAttribute(lambda o: o.due_at + dt.timedelta(days=7))
    reference = ""

    @classmethod
    def _create(cls, model_class: type[DueQuestionnaire], *args: Any, **kwargs: Any) -> Any:
        code = kwargs.pop("instrument", "phq9")
        kwargs["instrument"] = Instrument.objects.get(code=code, is_active=True)
        return super()._create(model_class, *args, **kwargs)

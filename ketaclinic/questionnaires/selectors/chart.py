"""The questionnaire section of a patient's chart: one audited read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get
from ketaclinic.questionnaires.models import (
    DueQuestionnaire,
    Instrument,
    QuestionnaireResponse,
    SafetyAlert,
    ScheduleEvent,
)
from ketaclinic.questionnaires.selectors.alerts import patient_safety_alerts_open
from ketaclinic.questionnaires.selectors.due import due_questionnaires, upcoming_questionnaires
from ketaclinic.questionnaires.selectors.instruments import instruments_enabled
from ketaclinic.questionnaires.selectors.responses import response_list
from ketaclinic.questionnaires.trajectory import Trajectory, patient_trajectories


@dataclass(frozen=True)
class QuestionnaireChart:
    patient: Patient
    responses: list[QuestionnaireResponse]
    open_alerts: list[SafetyAlert]
    instruments: list[Instrument]  # the ones the patient's site administers
    trajectories: list[Trajectory]
    due: list[DueQuestionnaire]  # open, due now or overdue, oldest first
    upcoming: list[DueQuestionnaire]  # open, not due yet, soonest first
    now: dt.datetime  # the moment "due" and "overdue" were judged at

    @property
    def baseline_open(self) -> bool:
        return any(item.event == ScheduleEvent.BASELINE for item in [*self.due, *self.upcoming])


def questionnaire_chart_get(
    *, user: User, patient_id: int, infusion_dates: Sequence[dt.date] = ()
) -> QuestionnaireChart:
    """Responses, open alerts, due and upcoming questionnaires, enabled instruments and
    trajectories; one audited read."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_chart")
    responses = list(response_list(patient=patient))
    now = timezone.now()
    return QuestionnaireChart(
        patient=patient,
        responses=responses,
        open_alerts=patient_safety_alerts_open(patient=patient),
        instruments=instruments_enabled(site_id=patient.site_id),
        trajectories=patient_trajectories(
            patient=patient, responses=responses, infusion_dates=infusion_dates
        ),
        due=due_questionnaires(patient=patient, now=now),
        upcoming=upcoming_questionnaires(patient=patient, now=now),
        now=now,
    )

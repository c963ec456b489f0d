"""Instruments as data, immutable responses with their score, safety alerts and schedules."""

from ketaclinic.questionnaires.models.alert import (
    AlertDeleteError,
    AlertLevel,
    SafetyAlert,
    SafetyAlertQuerySet,
)
from ketaclinic.questionnaires.models.instrument import Instrument, InstrumentSiteSetting
from ketaclinic.questionnaires.models.response import (
    QuestionnaireResponse,
    ResponseImmutableError,
    ResponseQuerySet,
    ResponseSource,
)
from ketaclinic.questionnaires.models.schedule import (
    DueQuestionnaire,
    DueQuestionnaireQuerySet,
    DueStatus,
    ScheduleEvent,
    ScheduleRule,
)

__all__ = [
    "AlertDeleteError",
    "AlertLevel",
    "DueQuestionnaire",
    "DueQuestionnaireQuerySet",
    "DueStatus",
    "Instrument",
    "InstrumentSiteSetting",
    "QuestionnaireResponse",
    "ResponseImmutableError",
    "ResponseQuerySet",
    "ResponseSource",
    "SafetyAlert",
    "SafetyAlertQuerySet",
    "ScheduleEvent",
    "ScheduleRule",
]

"""Instruments as data, immutable responses with their score, and safety alerts."""

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

__all__ = [
    "AlertDeleteError",
    "AlertLevel",
    "Instrument",
    "InstrumentSiteSetting",
    "QuestionnaireResponse",
    "ResponseImmutableError",
    "ResponseQuerySet",
    "ResponseSource",
    "SafetyAlert",
    "SafetyAlertQuerySet",
]

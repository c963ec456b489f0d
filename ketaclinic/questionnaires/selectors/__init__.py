"""Reads of instruments, responses, safety alerts and due questionnaires, scoped to the user's
sites (or, for a patient login, to the patient) and audited.

`self_completion` imports the portal's selectors, so it is imported last: the portal may
import the names above from here.
"""

from ketaclinic.questionnaires.selectors.alerts import (
    patient_safety_alerts_open,
    safety_alert_get,
    safety_alert_scoped,
    safety_alerts_audit,
    safety_alerts_open,
)
from ketaclinic.questionnaires.selectors.chart import QuestionnaireChart, questionnaire_chart_get
from ketaclinic.questionnaires.selectors.due import (
    due_for_clinician,
    due_item_get,
    due_list_audit,
    due_questionnaires,
    patient_due_list,
    upcoming_questionnaires,
    with_overdue,
)
from ketaclinic.questionnaires.selectors.instruments import (
    InstrumentSiteRow,
    disabled_instrument_ids,
    instrument_active_get,
    instrument_for_administration,
    instrument_settings_list,
    instruments_active,
    instruments_enabled,
)
from ketaclinic.questionnaires.selectors.responses import (
    AnswerRow,
    ResponseEntry,
    patient_response_get,
    response_answer_rows,
    response_entry_get,
    response_list,
)
from ketaclinic.questionnaires.selectors.self_completion import (
    SelfCompletion,
    SelfCompletionDone,
    my_due_questionnaires,
    self_completion_done_get,
    self_completion_get,
    self_completion_patient,
    shows_crisis_resources,
)

__all__ = [
    "AnswerRow",
    "InstrumentSiteRow",
    "QuestionnaireChart",
    "ResponseEntry",
    "SelfCompletion",
    "SelfCompletionDone",
    "disabled_instrument_ids",
    "due_for_clinician",
    "due_item_get",
    "due_list_audit",
    "due_questionnaires",
    "instrument_active_get",
    "instrument_for_administration",
    "instrument_settings_list",
    "instruments_active",
    "instruments_enabled",
    "my_due_questionnaires",
    "patient_due_list",
    "patient_response_get",
    "patient_safety_alerts_open",
    "questionnaire_chart_get",
    "response_answer_rows",
    "response_entry_get",
    "response_list",
    "safety_alert_get",
    "safety_alert_scoped",
    "safety_alerts_audit",
    "safety_alerts_open",
    "self_completion_done_get",
    "self_completion_get",
    "self_completion_patient",
    "shows_crisis_resources",
    "upcoming_questionnaires",
    "with_overdue",
]

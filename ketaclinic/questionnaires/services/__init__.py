"""Every write of questionnaire data: atomic, permission- and site-checked, audited."""

from ketaclinic.questionnaires.services.alerts import safety_alert_acknowledge
from ketaclinic.questionnaires.services.due_items import due_cancel
from ketaclinic.questionnaires.services.instruments import (
    instrument_import,
    instrument_site_setting_set,
)
from ketaclinic.questionnaires.services.responses import response_submit
from ketaclinic.questionnaires.services.schedules import schedule_event, schedule_weekly
from ketaclinic.questionnaires.services.self_completion import response_submit_by_patient

__all__ = [
    "due_cancel",
    "instrument_import",
    "instrument_site_setting_set",
    "response_submit",
    "response_submit_by_patient",
    "safety_alert_acknowledge",
    "schedule_event",
    "schedule_weekly",
]

"""Every write of questionnaire data: atomic, permission- and site-checked, audited."""

from ketaclinic.questionnaires.services.alerts import safety_alert_acknowledge
from ketaclinic.questionnaires.services.instruments import (
    instrument_import,
    instrument_site_setting_set,
)
from ketaclinic.questionnaires.services.responses import response_submit

__all__ = [
    "instrument_import",
    "instrument_site_setting_set",
    "response_submit",
    "safety_alert_acknowledge",
]

"""Every write of the infusion flowsheet, one module per workflow; each is atomic, checks
the actor's site and role, and writes its audit row in the same transaction."""

from ketaclinic.infusions.services.alerts import alert_respond, alert_rule_create, alert_rule_retire
from ketaclinic.infusions.services.checklist import checklist_item_record
from ketaclinic.infusions.services.clinical import adverse_event_record, dissociation_record
from ketaclinic.infusions.services.dosing import infusion_dose_plan, infusion_dose_verify
from ketaclinic.infusions.services.recovery import (
    infusion_discharge,
    infusion_sign,
    recovery_score_record,
)
from ketaclinic.infusions.services.running import (
    RegisterDraw,
    infusion_pause,
    infusion_rate_change,
    infusion_restart,
    infusion_stop,
)
from ketaclinic.infusions.services.scheduling import infusion_cancel, infusion_schedule
from ketaclinic.infusions.services.start import infusion_start, start_problems
from ketaclinic.infusions.services.vitals import vitals_record, vitals_void

__all__ = [
    "RegisterDraw",
    "adverse_event_record",
    "alert_respond",
    "alert_rule_create",
    "alert_rule_retire",
    "checklist_item_record",
    "dissociation_record",
    "infusion_cancel",
    "infusion_discharge",
    "infusion_dose_plan",
    "infusion_dose_verify",
    "infusion_pause",
    "infusion_rate_change",
    "infusion_restart",
    "infusion_schedule",
    "infusion_sign",
    "infusion_start",
    "infusion_stop",
    "recovery_score_record",
    "start_problems",
    "vitals_record",
    "vitals_void",
]

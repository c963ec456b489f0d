"""Every write of patient data goes through here, audited in the same transaction."""

from ketaclinic.patients.services.addiction import addiction_target_create, addiction_target_end
from ketaclinic.patients.services.care_team import care_team_set, patient_contact_set
from ketaclinic.patients.services.history import (
    allergy_create,
    allergy_record_nkda,
    allergy_retract,
    diagnosis_create,
    diagnosis_resolve,
    history_item_create,
    history_item_retract,
)
from ketaclinic.patients.services.measurement import body_measurement_record, body_measurement_void
from ketaclinic.patients.services.medication import medication_create, medication_stop
from ketaclinic.patients.services.patient import patient_create

__all__ = [
    "addiction_target_create",
    "addiction_target_end",
    "allergy_create",
    "allergy_record_nkda",
    "allergy_retract",
    "body_measurement_record",
    "body_measurement_void",
    "care_team_set",
    "diagnosis_create",
    "diagnosis_resolve",
    "history_item_create",
    "history_item_retract",
    "medication_create",
    "medication_stop",
    "patient_contact_set",
    "patient_create",
]

"""The patient and the clinical parts of the chart, one module per concept."""

from ketaclinic.patients.models.addiction import (
    AddictionTarget,
    RecoveryUnit,
    Target,
    TargetKind,
)
from ketaclinic.patients.models.care_team import CareTeam, ContactRole, PatientContact
from ketaclinic.patients.models.history import (
    Allergy,
    AllergySeverity,
    Diagnosis,
    DiagnosisStatus,
    HistoryCondition,
    HistoryItem,
    HistoryStatus,
)
from ketaclinic.patients.models.measurement import BodyMeasurement
from ketaclinic.patients.models.medication import Medication, Route
from ketaclinic.patients.models.patient import Patient, PatientQuerySet, Sex

__all__ = [
    "AddictionTarget",
    "Allergy",
    "AllergySeverity",
    "BodyMeasurement",
    "CareTeam",
    "ContactRole",
    "Diagnosis",
    "DiagnosisStatus",
    "HistoryCondition",
    "HistoryItem",
    "HistoryStatus",
    "Medication",
    "Patient",
    "PatientContact",
    "PatientQuerySet",
    "RecoveryUnit",
    "Route",
    "Sex",
    "Target",
    "TargetKind",
]

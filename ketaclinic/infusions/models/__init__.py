"""The infusion flowsheet's data: the infusion and its dose plan, the pre-infusion checklist,
vitals, alert rules and alerts, infusion events, adverse events, dissociation, recovery and
discharge. One module per part; everything is importable from here.
"""

from ketaclinic.infusions.models.alerts import (
    AlertAction,
    AlertEvent,
    AlertParameter,
    AlertRule,
    Comparator,
    VitalsPhase,
)
from ketaclinic.infusions.models.checklist import ChecklistEntry, ChecklistItem
from ketaclinic.infusions.models.events import (
    AdverseEvent,
    AdverseEventKind,
    AdverseEventOutcome,
    InfusionEffect,
    InfusionEvent,
    InfusionEventKind,
    Severity,
)
from ketaclinic.infusions.models.infusion import (
    IN_CHAIR,
    Infusion,
    InfusionDosePhase,
    InfusionStatus,
)
from ketaclinic.infusions.models.recovery import (
    CirculationVariant,
    Discharge,
    DissociationInstrument,
    DissociationRating,
    RecoveryScore,
)
from ketaclinic.infusions.models.vitals import VitalsEntry

__all__ = [
    "IN_CHAIR",
    "AdverseEvent",
    "AdverseEventKind",
    "AdverseEventOutcome",
    "AlertAction",
    "AlertEvent",
    "AlertParameter",
    "AlertRule",
    "ChecklistEntry",
    "ChecklistItem",
    "CirculationVariant",
    "Comparator",
    "Discharge",
    "DissociationInstrument",
    "DissociationRating",
    "Infusion",
    "InfusionDosePhase",
    "InfusionEffect",
    "InfusionEvent",
    "InfusionEventKind",
    "InfusionStatus",
    "RecoveryScore",
    "Severity",
    "VitalsEntry",
    "VitalsPhase",
]

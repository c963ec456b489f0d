"""Writes of recovery data, one module per workflow: the patient's daily check-in, staff
timeline follow-back, the clinic's rules, relapse notes, and the recomputation of events
and outcomes that follows each of them."""

from ketaclinic.recovery.services.checkin import CheckinEntry, checkin_save
from ketaclinic.recovery.services.followback import FollowbackEntry, followback_save
from ketaclinic.recovery.services.notes import relapse_note_create
from ketaclinic.recovery.services.recompute import (
    recompute_all,
    recompute_site_kind,
    recompute_target,
    recompute_targets,
)
from ketaclinic.recovery.services.rules import (
    RuleDraft,
    default_rule,
    recovery_rule_create,
    recovery_rules_ensure,
    recovery_site_recompute,
)

__all__ = [
    "CheckinEntry",
    "FollowbackEntry",
    "RuleDraft",
    "checkin_save",
    "default_rule",
    "followback_save",
    "recompute_all",
    "recompute_site_kind",
    "recompute_target",
    "recompute_targets",
    "recovery_rule_create",
    "recovery_rules_ensure",
    "recovery_site_recompute",
    "relapse_note_create",
]

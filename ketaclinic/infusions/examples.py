"""The example alert rules the data migration installs (DOMAIN.md section 2, "Monitoring").

DOMAIN.md: "No consensus numeric hold or stop threshold exists." These rows are
illustrations, not recommendations: each is marked `is_example` and its owner and source
say the medical director must confirm, change or retire it before the clinic relies on it.
A rule has one action, so "pause and call the physician" is two rules with the same
threshold; one reading that crosses it raises both alerts.

`install_example_rules` takes the model class so the migration can pass its historical
model; `ensure_example_rules` repairs the rules after a test flush. Both are idempotent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

OWNER = "example: the medical director must confirm"
EFFECTIVE_FROM = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

_DURING = (
    "Example from DOMAIN.md section 2 (illustration, not a recommendation; no consensus "
    "numeric threshold exists): SBP > 180 or DBP > 100 -> pause and call physician. "
    "Example: the medical director must confirm."
)
_SPO2 = (
    "Example from DOMAIN.md section 2 (illustration, not a recommendation; no consensus "
    "numeric threshold exists): SpO2 < 92 -> stop and call. Example: the medical director "
    "must confirm."
)
_BEFORE = (
    "Example start limit: DOMAIN.md section 2 lists significant or uncontrolled hypertension "
    "as an absolute contraindication (one non-US label: resting BP > 180/100). Example: the "
    "medical director must confirm."
)
_AFTER = (
    "Example: the DOMAIN.md section 2 example values applied while the patient recovers "
    "(call the physician). Example: the medical director must confirm."
)

# (parameter, phase, comparator, value, action, source)
EXAMPLE_RULES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("sbp", "intra", "gt", "180", "pause_infusion", _DURING),
    ("sbp", "intra", "gt", "180", "call_physician", _DURING),
    ("dbp", "intra", "gt", "100", "pause_infusion", _DURING),
    ("dbp", "intra", "gt", "100", "call_physician", _DURING),
    ("spo2", "intra", "lt", "92", "stop_infusion", _SPO2),
    ("spo2", "intra", "lt", "92", "call_physician", _SPO2),
    ("sbp", "pre", "gt", "180", "hold_start", _BEFORE),
    ("dbp", "pre", "gt", "100", "hold_start", _BEFORE),
    ("sbp", "post", "gt", "180", "call_physician", _AFTER),
    ("dbp", "post", "gt", "100", "call_physician", _AFTER),
    ("spo2", "post", "lt", "92", "call_physician", _AFTER),
)


def install_example_rules(*, rule_model: Any) -> int:
    """Add the examples that are missing (site None = every site). Returns rows added."""
    added = 0
    for parameter, phase, comparator, value, action, source in EXAMPLE_RULES:
        _rule, created = rule_model.objects.get_or_create(
            parameter=parameter,
            phase=phase,
            comparator=comparator,
            value=Decimal(value),
            action=action,
            site=None,
            is_example=True,
            defaults={
                "owner": OWNER,
                "effective_from": EFFECTIVE_FROM,
                "source": source,
                "created_at": EFFECTIVE_FROM,
            },
        )
        added += int(created)
    return added


def ensure_example_rules() -> int:
    from ketaclinic.infusions.models import AlertRule

    return install_example_rules(rule_model=AlertRule)

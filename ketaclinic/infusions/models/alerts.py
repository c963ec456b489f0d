"""Alert rules as clinic-owned data, and the alerts raised when a reading crosses one.

DOMAIN.md section 2: "No consensus numeric hold or stop threshold exists." The rules are
owned by the clinic's medical director; the examples the data migration installs are
labelled as examples. The configured action is shown to the clinician and never executed
automatically: the clinician records the response (for example pausing the infusion).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import models


class VitalsPhase(models.TextChoices):
    PRE = "pre", "Before the infusion"
    INTRA = "intra", "During the infusion"
    POST = "post", "After the infusion"


class AlertParameter(models.TextChoices):
    SBP = "sbp", "Systolic BP (mmHg)"
    DBP = "dbp", "Diastolic BP (mmHg)"
    HR = "hr", "Heart rate (/min)"
    SPO2 = "spo2", "SpO2 (%)"
    RR = "rr", "Respiratory rate (/min)"
    SEDATION = "sedation", "Sedation (MOAA/S)"
    DISSOCIATION = "dissociation", "Dissociation score"


class Comparator(models.TextChoices):
    GT = "gt", "above (>)"
    GE = "ge", "at or above (>=)"
    LT = "lt", "below (<)"
    LE = "le", "at or below (<=)"


COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    Comparator.GT: operator.gt,
    Comparator.GE: operator.ge,
    Comparator.LT: operator.lt,
    Comparator.LE: operator.le,
}
SYMBOL = {Comparator.GT: ">", Comparator.GE: ">=", Comparator.LT: "<", Comparator.LE: "<="}


class AlertAction(models.TextChoices):
    WARN = "warn", "Warn"
    HOLD_START = "hold_start", "Hold the start"
    PAUSE_INFUSION = "pause_infusion", "Pause the infusion"
    STOP_INFUSION = "stop_infusion", "Stop the infusion"
    CALL_PHYSICIAN = "call_physician", "Call the physician"


class AlertRule(models.Model):
    parameter = models.CharField(max_length=12, choices=AlertParameter.choices)
    phase = models.CharField(max_length=5, choices=VitalsPhase.choices)
    comparator = models.CharField(max_length=2, choices=Comparator.choices)
    value = models.DecimalField(max_digits=6, decimal_places=1)
    action = models.CharField(max_length=16, choices=AlertAction.choices)
    # Who owns the rule clinically (for example "Medical director, Dr ...").
    owner = models.CharField(max_length=120)
    # None = every site of the clinic.
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    effective_from = models.DateTimeField()
    # Set when the rule is retired; rules are never edited in place.
    effective_to = models.DateTimeField(null=True, blank=True)
    is_example = models.BooleanField(default=False)
    source = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retire_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["phase", "parameter", "value", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parameter__in=AlertParameter.values),
                name="alert_rule_parameter_known",
            ),
            models.CheckConstraint(
                condition=models.Q(comparator__in=Comparator.values),
                name="alert_rule_comparator_known",
            ),
            models.CheckConstraint(
                condition=models.Q(action__in=AlertAction.values), name="alert_rule_action_known"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="alert_rule_retired_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=""), name="alert_rule_names_its_source"
            ),
            # A start can only be held before the infusion; pausing or stopping only during it.
            models.CheckConstraint(
                condition=~models.Q(action="hold_start") | models.Q(phase="pre"),
                name="alert_rule_hold_start_before_infusion",
            ),
            models.CheckConstraint(
                condition=~models.Q(action__in=["pause_infusion", "stop_infusion"])
                | models.Q(phase="intra"),
                name="alert_rule_pause_stop_during_infusion",
            ),
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        symbol = SYMBOL[Comparator(self.comparator)]
        name = AlertParameter(self.parameter).label.split(" (")[0]
        return f"{name} {symbol} {self.value.normalize():f}: {self.get_action_display().lower()}"

    def matches(self, observed: Decimal) -> bool:
        return COMPARE[self.comparator](observed, self.value)


class AlertEvent(models.Model):
    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="alerts"
    )
    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="events")
    vitals_entry = models.ForeignKey(
        "infusions.VitalsEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    dissociation_rating = models.ForeignKey(
        "infusions.DissociationRating",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    parameter = models.CharField(max_length=12, choices=AlertParameter.choices)
    phase = models.CharField(max_length=5, choices=VitalsPhase.choices)
    observed_value = models.DecimalField(max_digits=6, decimal_places=1)
    # Copied from the rule when raised: what the clinician was asked to do.
    action = models.CharField(max_length=16, choices=AlertAction.choices)
    raised_at = models.DateTimeField()
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["infusion", "raised_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vitals_entry__isnull=False)
                | models.Q(dissociation_rating__isnull=False),
                name="alert_event_has_a_reading",
            ),
            models.CheckConstraint(
                condition=models.Q(responded_at__isnull=True)
                | (models.Q(responded_by__isnull=False) & ~models.Q(response="")),
                name="alert_event_response_has_text_and_author",
            ),
        ]
        indexes = [
            models.Index(fields=["infusion", "responded_at"], name="alert_event_open"),
        ]

    def __str__(self) -> str:
        return f"alert {self.parameter} {self.observed_value}: {self.action}"

    @property
    def reading_voided(self) -> bool:
        """The vitals reading that raised this alert was voided as wrongly typed. The alert
        stays on record (with any response it got) but no longer asks for one."""
        entry = self.vitals_entry if self.vitals_entry_id is not None else None
        return entry is not None and entry.voided_at is not None

    @property
    def is_open(self) -> bool:
        """Waiting for the clinician's response (an alert of a voided reading never is)."""
        return self.responded_at is None and not self.reading_voided

"""Safety alerts raised by a response's safety rules (PHQ-9 item 9, C-SSRS moderate/high).

An alert stays open until a clinician acknowledges it and says what they did; nothing
closes, expires or deletes it (issue 4 item 5: never silently dropped).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AlertLevel(models.TextChoices):
    """The engine's safety levels (scoring.SAFETY_LEVELS), most urgent first."""

    IMMEDIATE = "immediate", "Immediate: act now"
    SAME_DAY = "same_day", "Same day"


class AlertDeleteError(Exception):
    pass


_REFUSED = "Safety alerts are never deleted: acknowledge the alert with the action taken."


class SafetyAlertQuerySet(models.QuerySet["SafetyAlert"]):
    def delete(self) -> NoReturn:
        raise AlertDeleteError(_REFUSED)

    def open(self) -> SafetyAlertQuerySet:
        return self.filter(acknowledged_at__isnull=True)

    def most_urgent_first(self) -> SafetyAlertQuerySet:
        urgency = models.Case(
            models.When(level=AlertLevel.IMMEDIATE, then=models.Value(0)),
            default=models.Value(1),
        )
        return self.order_by(urgency, "raised_at", "id")


class SafetyAlert(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="safety_alerts"
    )
    response = models.ForeignKey(
        "questionnaires.QuestionnaireResponse",
        on_delete=models.PROTECT,
        related_name="safety_alerts",
    )
    code = models.CharField(max_length=40)
    level = models.CharField(max_length=12, choices=AlertLevel.choices)
    message = models.TextField()
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_taken = models.TextField(max_length=2000, blank=True)

    objects = SafetyAlertQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=AlertLevel.values), name="safety_alert_level_known"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    acknowledged_at__isnull=True, acknowledged_by__isnull=True, action_taken=""
                )
                | (
                    models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False)
                    & ~models.Q(action_taken="")
                ),
                name="safety_alert_acknowledged_with_action",
            ),
        ]
        indexes = [
            models.Index(
                fields=["raised_at"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="safety_alert_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.level}) for patient {self.patient_id}"

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AlertDeleteError(_REFUSED)

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

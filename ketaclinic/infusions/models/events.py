"""What happened during the infusion: start, rate changes, pauses, restarts, the end, and
adverse events (DOMAIN.md section 2, "Adverse events to record")."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InfusionEventKind(models.TextChoices):
    START = "start", "Started"
    RATE_CHANGE = "rate_change", "Rate changed"
    PAUSE = "pause", "Paused"
    RESTART = "restart", "Restarted"
    STOP = "stop", "Ended"


class InfusionEvent(models.Model):
    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=12, choices=InfusionEventKind.choices)
    occurred_at = models.DateTimeField()
    new_rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    reason = models.CharField(max_length=300)
    # The alert this event answered, when the clinician paused or stopped because of one.
    alert = models.ForeignKey(
        "infusions.AlertEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["infusion", "occurred_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="infusion_event_reason"),
            models.CheckConstraint(
                condition=(models.Q(kind="rate_change") & models.Q(new_rate_ml_per_h__gt=0))
                | (~models.Q(kind="rate_change") & models.Q(new_rate_ml_per_h__isnull=True)),
                name="infusion_event_rate_only_for_rate_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%H:%M}"


class AdverseEventKind(models.TextChoices):
    # DOMAIN.md section 2, "Adverse events to record", in its order.
    HYPERTENSION = "hypertension", "Hypertension"
    TACHYCARDIA = "tachycardia", "Tachycardia"
    HYPOTENSION = "hypotension", "Hypotension"
    BRADYCARDIA = "bradycardia", "Bradycardia"
    ARRHYTHMIA = "arrhythmia", "Arrhythmia"
    RESPIRATORY_DEPRESSION = "respiratory_depression", "Respiratory depression or apnoea"
    LARYNGOSPASM = "laryngospasm", "Laryngospasm"
    NAUSEA_VOMITING = "nausea_vomiting", "Nausea and vomiting"
    EMERGENCE_REACTION = "emergence_reaction", "Emergence reaction (distressing imagery, agitation)"
    EXCESSIVE_DISSOCIATION = "excessive_dissociation", "Excessive dissociation"
    DIPLOPIA_NYSTAGMUS = "diplopia_nystagmus", "Diplopia or nystagmus"
    URINARY = "urinary", "Urinary symptoms (repeated use)"
    INJECTION_SITE = "injection_site", "Injection-site problem"
    ALLERGIC = "allergic", "Allergic reaction"


class Severity(models.TextChoices):
    # FHIR R4 AdverseEvent.severity value set (mild | moderate | severe).
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class AdverseEventOutcome(models.TextChoices):
    # FHIR R4 AdverseEvent.outcome value set.
    RESOLVED = "resolved", "Resolved"
    RECOVERING = "recovering", "Recovering"
    ONGOING = "ongoing", "Ongoing"
    RESOLVED_WITH_SEQUELAE = "resolvedWithSequelae", "Resolved with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class InfusionEffect(models.TextChoices):
    NONE = "none", "Infusion continued"
    PAUSED = "paused", "Infusion paused"
    STOPPED = "stopped", "Infusion stopped"


class AdverseEvent(models.Model):
    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="adverse_events"
    )
    kind = models.CharField(max_length=24, choices=AdverseEventKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    onset_at = models.DateTimeField()
    description = models.CharField(max_length=500, blank=True)
    action_taken = models.CharField(max_length=500)
    outcome = models.CharField(max_length=22, choices=AdverseEventOutcome.choices)
    infusion_effect = models.CharField(max_length=8, choices=InfusionEffect.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["infusion", "onset_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AdverseEventKind.values), name="adverse_event_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(severity__in=Severity.values), name="adverse_event_severity"
            ),
            models.CheckConstraint(
                condition=~models.Q(action_taken=""), name="adverse_event_action_recorded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity})"

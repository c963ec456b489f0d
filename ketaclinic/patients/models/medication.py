"""The patient's medications, flagged by the clinician for the classes ketamine care reviews.

DOMAIN.md section 2 lists current heavy use of sedatives (benzodiazepines, non-benzodiazepine
hypnotics, opioids), psychostimulants and MAOIs as needing physician review, so the chart
shows a warning badge on every active medication with one of these flags.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketaclinic.patients.models.history import closed_with_reason


class Route(models.TextChoices):
    ORAL = "oral", "Oral"
    SUBLINGUAL = "sublingual", "Sublingual"
    INTRAVENOUS = "iv", "Intravenous"
    INTRAMUSCULAR = "im", "Intramuscular"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    TRANSDERMAL = "transdermal", "Transdermal"
    INHALED = "inhaled", "Inhaled"
    INTRANASAL = "intranasal", "Intranasal"
    TOPICAL = "topical", "Topical"
    OTHER = "other", "Other"


class Medication(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="medications"
    )
    name = models.CharField(max_length=120)
    dose_text = models.CharField("dose", max_length=80, blank=True, help_text="e.g. 10 mg")
    route = models.CharField(max_length=16, choices=Route.choices, default=Route.ORAL)
    frequency = models.CharField(max_length=80, blank=True, help_text="e.g. twice daily")
    start_date = models.DateField(null=True, blank=True)
    stop_date = models.DateField(null=True, blank=True)
    is_sedative = models.BooleanField("sedative", default=False)
    is_opioid = models.BooleanField("opioid", default=False)
    is_stimulant = models.BooleanField("stimulant", default=False)
    is_maoi = models.BooleanField("MAOI", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stopped_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(route__in=Route.values), name="medication_route_known"
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(stop_date__isnull=True)
                | models.Q(stop_date__gte=models.F("start_date")),
                name="medication_stops_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(is_active=True, stop_date__isnull=True)
                | models.Q(is_active=False, stop_date__isnull=False),
                name="medication_stop_date_when_stopped",
            ),
            closed_with_reason(
                name="medication_stopped_with_reason",
                at="stopped_at",
                by="stopped_by",
                reason="stopped_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def flags(self) -> list[str]:
        """Names of the classes flagged, in a fixed order, for badges and audit details."""
        pairs = [
            (self.is_sedative, "Sedative"),
            (self.is_opioid, "Opioid"),
            (self.is_stimulant, "Stimulant"),
            (self.is_maoi, "MAOI"),
        ]
        return [name for flagged, name in pairs if flagged]

    def clean(self) -> None:
        if self.start_date and self.stop_date and self.stop_date < self.start_date:
            raise ValidationError(
                {
                    "stop_date": f"The stop date is before the start date "
                    f"({self.start_date:%Y-%m-%d}): check the dates."
                }
            )

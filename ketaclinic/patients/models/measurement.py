"""Dated weight and height. Weight-based dosing reads the latest weight, so rows are never
overwritten: a new weighing is a new row, and a wrong entry is voided with a reason.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketaclinic.patients.models.history import closed_with_reason

# Plausibility bounds that catch typing errors (an extra digit, pounds typed as kilograms);
# they are data-entry checks, not clinical limits.
WEIGHT_KG_MIN, WEIGHT_KG_MAX = Decimal("20"), Decimal("400")
HEIGHT_CM_MIN, HEIGHT_CM_MAX = Decimal("50"), Decimal("250")

_WEIGHT_RANGE = (
    f"Weight must be between {WEIGHT_KG_MIN} and {WEIGHT_KG_MAX} kg: check the reading "
    "and that it is in kilograms, not pounds."
)
_HEIGHT_RANGE = (
    f"Height must be between {HEIGHT_CM_MIN} and {HEIGHT_CM_MAX} cm: check the reading "
    "and that it is in centimetres, not inches."
)


class BodyMeasurement(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="body_measurements"
    )
    measured_at = models.DateTimeField()
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(WEIGHT_KG_MIN, message=_WEIGHT_RANGE),
            MaxValueValidator(WEIGHT_KG_MAX, message=_WEIGHT_RANGE),
        ],
        error_messages={
            "max_decimal_places": "Record weight to at most 2 decimals, for example 72.45.",
            "max_digits": _WEIGHT_RANGE,
            "max_whole_digits": _WEIGHT_RANGE,
        },
    )
    height_cm = models.DecimalField(
        "height (cm)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(HEIGHT_CM_MIN, message=_HEIGHT_RANGE),
            MaxValueValidator(HEIGHT_CM_MAX, message=_HEIGHT_RANGE),
        ],
        error_messages={
            "max_decimal_places": "Record height to at most 1 decimal, for example 172.5.",
            "max_digits": _HEIGHT_RANGE,
            "max_whole_digits": _HEIGHT_RANGE,
        },
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-measured_at"], name="measurement_patient_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_kg__isnull=False) | models.Q(height_cm__isnull=False),
                name="measurement_has_weight_or_height",
                violation_error_message="Enter a weight, a height or both.",
            ),
            models.CheckConstraint(
                condition=models.Q(weight_kg__isnull=True)
                | models.Q(weight_kg__gte=WEIGHT_KG_MIN, weight_kg__lte=WEIGHT_KG_MAX),
                name="measurement_weight_kg_plausible",
                violation_error_message=_WEIGHT_RANGE,
            ),
            models.CheckConstraint(
                condition=models.Q(height_cm__isnull=True)
                | models.Q(height_cm__gte=HEIGHT_CM_MIN, height_cm__lte=HEIGHT_CM_MAX),
                name="measurement_height_cm_plausible",
                violation_error_message=_HEIGHT_RANGE,
            ),
            closed_with_reason(
                name="measurement_voided_with_reason",
                at="voided_at",
                by="voided_by",
                reason="voided_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"measurement {self.pk} at {self.measured_at:%Y-%m-%d %H:%M}"

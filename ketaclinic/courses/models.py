"""Treatment courses (episodes of care) and the per-site settings that govern them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketaclinic.protocols.dosing import (
    BAG_VOLUME_ML_MAX,
    BAG_VOLUME_ML_MIN,
    CONCENTRATION_MG_PER_ML_MAX,
    CONCENTRATION_MG_PER_ML_MIN,
)


class CourseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"


OPEN_STATUSES = (CourseStatus.PLANNED, CourseStatus.ACTIVE, CourseStatus.PAUSED)


class CourseKind(models.TextChoices):
    INITIAL = "initial", "Initial course"
    BOOSTER = "booster", "Booster course"


class TreatmentCourse(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="treatment_courses"
    )
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="courses"
    )
    addiction_target = models.ForeignKey(
        "patients.AddictionTarget",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="treatment_courses",
    )
    kind = models.CharField(max_length=10, choices=CourseKind.choices, default=CourseKind.INITIAL)
    booster_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="boosters"
    )
    status = models.CharField(
        max_length=14, choices=CourseStatus.choices, default=CourseStatus.PLANNED
    )
    sessions_planned = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    planned_start = models.DateField()
    supervising_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    enrolled_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    # Why the course was paused or discontinued (required for those statuses).
    status_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=["planned", "active", "paused"]),
                name="one_open_course_per_patient",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["paused", "discontinued"])
                | ~models.Q(status_reason=""),
                name="course_pause_or_stop_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="initial", booster_of__isnull=True)
                | models.Q(kind="booster", booster_of__isnull=False),
                name="course_booster_names_its_course",
            ),
        ]
        indexes = [models.Index(fields=["status", "patient"], name="course_status_patient")]

    def __str__(self) -> str:
        return f"course {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CourseStatusChange(models.Model):
    """The course's status history: every transition with who, when and why."""

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(max_length=14, choices=CourseStatus.choices, blank=True)
    to_status = models.CharField(max_length=14, choices=CourseStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class GateCode(models.TextChoices):
    COURSE_ACTIVE = "course_active", "Course is active"
    PREPARATION_SIGNED = "preparation_signed", "Preparation session signed by a physician"
    TREATMENT_CONSENT = "treatment_consent", "Valid treatment consent"
    RISK_BENEFIT = "risk_benefit", "Signed risk-benefit assessment"
    PREVIOUS_INFUSION_CLOSED = "previous_infusion_closed", "Previous infusion signed"
    INTEGRATION_NOT_OVERDUE = (
        "integration_not_overdue",
        "Previous infusion's integration session not overdue",
    )
    ENTRY_CONDITION = "entry_condition", "Protocol entry condition confirmed"


class GateOverride(models.Model):
    """A physician's written decision to proceed despite an overdue integration session."""

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="gate_overrides"
    )
    gate = models.CharField(max_length=30, choices=GateCode.choices)
    # The infusion session number the override allows to start.
    session_number = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField()

    class Meta:
        ordering = ["overridden_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="gate_override_has_reason"),
            models.UniqueConstraint(
                fields=["course", "gate", "session_number"], name="one_override_per_gate_session"
            ),
        ]

    def __str__(self) -> str:
        return f"override {self.gate} for session {self.session_number}"


def _range_validators(
    low: Decimal, high: Decimal, *, name: str, unit: str
) -> list[MinValueValidator | MaxValueValidator]:
    """Both ends of a plausibility range, with one message naming the range and the fix."""
    message = (
        f"{name} must be between {low.normalize():f} and {high.normalize():f} {unit}, the "
        "range the dose planner accepts: check the entry and its unit."
    )
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


class SiteTreatmentSettings(models.Model):
    """Clinic configuration for courses and infusions at one site (defaults from issue 5)."""

    site = models.OneToOneField(
        "accounts.Site", on_delete=models.CASCADE, related_name="treatment_settings"
    )
    integration_window_hours = models.PositiveSmallIntegerField(
        default=72, validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    weight_max_age_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # Clinic stock and pump set-up, not clinical thresholds: the dose plan's defaults. The
    # ranges are the dose planner's plausibility bounds, so a saved setting is always one
    # the planner accepts.
    bag_volume_ml = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        default=Decimal("100.0"),
        validators=_range_validators(
            BAG_VOLUME_ML_MIN, BAG_VOLUME_ML_MAX, name="Bag volume", unit="mL"
        ),
    )
    concentration_mg_per_ml = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=_range_validators(
            CONCENTRATION_MG_PER_ML_MIN,
            CONCENTRATION_MG_PER_ML_MAX,
            name="Concentration",
            unit="mg/mL",
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "site treatment settings"

    def __str__(self) -> str:
        return f"treatment settings for site {self.site_id}"

"""The infusion: one supervised session of a treatment course, and its dose plan.

The flowsheet's other records (checklist, vitals, alerts, events, adverse events, recovery,
discharge) hang off `Infusion`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class InfusionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Infusion ended, recovering"
    DISCHARGED = "discharged", "Discharged"
    SIGNED = "signed", "Signed"
    CANCELLED = "cancelled", "Cancelled"


# Statuses in which the patient is in the chair (the chair board shows these).
IN_CHAIR = ("scheduled", "running", "paused", "ended")


class Infusion(models.Model):
    course = models.ForeignKey(
        "courses.TreatmentCourse", on_delete=models.PROTECT, related_name="infusions"
    )
    # Denormalised from the course so site-scoped lists and the chair board need no joins.
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    session_number = models.PositiveSmallIntegerField()
    scheduled_at = models.DateTimeField()
    chair = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=12, choices=InfusionStatus.choices, default=InfusionStatus.SCHEDULED
    )
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    supervising_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    # The dose plan (set by `infusion_dose_plan`, verified by a second clinician).
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    weight_measured_at = models.DateTimeField(null=True, blank=True)
    concentration_mg_per_ml = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )
    bag_volume_ml = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    planned_mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    planned_total_mg = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    planned_total_ml = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    dose_planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dose_planned_at = models.DateTimeField(null=True, blank=True)
    dose_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dose_verified_at = models.DateTimeField(null=True, blank=True)
    # Until the controlled-substance register is linked, the lot is typed.
    lot_number = models.CharField(max_length=40, blank=True)

    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    administered_mg = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "session_number"],
                condition=~models.Q(status="cancelled"),
                name="one_live_infusion_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(dose_verified_by__isnull=True)
                | ~models.Q(dose_verified_by=models.F("dose_planned_by")),
                name="dose_verified_by_second_clinician",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(started_at__isnull=False, ended_at__gte=models.F("started_at")),
                name="infusion_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "scheduled_at"], name="infusion_site_time"),
            models.Index(fields=["patient", "scheduled_at"], name="infusion_patient_time"),
        ]

    def __str__(self) -> str:
        return f"infusion {self.pk} (session {self.session_number}, {self.status})"


class InfusionDosePhase(models.Model):
    """The planned dose of one protocol phase, as computed for this patient's weight."""

    infusion = models.ForeignKey(Infusion, on_delete=models.CASCADE, related_name="dose_phases")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10)
    mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=1)
    volume_ml = models.DecimalField(max_digits=7, decimal_places=2)
    rate_ml_per_h = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["infusion", "order"]
        constraints = [
            models.UniqueConstraint(fields=["infusion", "order"], name="infusion_dose_phase_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dose_mg} mg"

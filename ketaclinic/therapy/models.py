"""Preparation and integration sessions: the therapy around each infusion.

A physician holds the preparation before the first infusion (a hard gate); a therapist holds
an integration session after every infusion, due within the site's window (PRODUCT.md
journey 5 and 7). A signed note is never edited.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class PreparationSession(models.Model):
    course = models.ForeignKey(
        "courses.TreatmentCourse", on_delete=models.PROTECT, related_name="preparations"
    )
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField()
    intentions = models.TextField(blank=True)
    expectations = models.TextField(blank=True)
    set_and_setting = models.TextField(blank=True)
    questions = models.TextField(blank=True)
    consent_reviewed = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["held_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(signed_by__isnull=False, signed_at__isnull=False),
                name="preparation_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"preparation {self.pk} ({self.status})"


class IntegrationSession(models.Model):
    course = models.ForeignKey(
        "courses.TreatmentCourse", on_delete=models.PROTECT, related_name="integrations"
    )
    infusion = models.OneToOneField(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="integration"
    )
    due_at = models.DateTimeField()
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_at = models.DateTimeField(null=True, blank=True)
    what_emerged = models.TextField(blank=True)
    insights = models.TextField(blank=True)
    commitments = models.TextField(blank=True)
    relapse_prevention_plan = models.TextField(blank=True)
    craving_now = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    status = models.CharField(max_length=8, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(signed_by__isnull=False, signed_at__isnull=False),
                name="integration_signed_has_signer",
            ),
            models.CheckConstraint(
                condition=models.Q(craving_now__isnull=True) | models.Q(craving_now__lte=10),
                name="integration_craving_0_10",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="integration_status_due")]

    def __str__(self) -> str:
        return f"integration {self.pk} ({self.status})"

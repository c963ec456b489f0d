"""Diagnoses, the medical and psychiatric history that matters for ketamine, and allergies.

Nothing here is deleted: a diagnosis is resolved, a history item or an allergy entered in
error is retracted, each with a reason and who did it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketaclinic.patients.codes import CodeSystem, validate_code


def closed_with_reason(*, name: str, at: str, by: str, reason: str) -> models.CheckConstraint:
    """Open rows carry no closing data; closed rows carry when, who and why."""
    return models.CheckConstraint(
        condition=models.Q(is_active=True, **{f"{at}__isnull": True, f"{by}__isnull": True})
        & models.Q(**{reason: ""})
        | models.Q(is_active=False, **{f"{at}__isnull": False, f"{by}__isnull": False})
        & ~models.Q(**{reason: ""}),
        name=name,
    )


class DiagnosisStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"


class Diagnosis(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="diagnoses"
    )
    code = models.CharField(max_length=20)
    code_system = models.CharField(
        max_length=60, choices=CodeSystem.choices, default=CodeSystem.ICD10CM
    )
    display = models.CharField("description", max_length=200)
    onset_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=DiagnosisStatus.choices, default=DiagnosisStatus.ACTIVE
    )
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    noted_at = models.DateTimeField(auto_now_add=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["status", "-noted_at", "-id"]
        verbose_name_plural = "diagnoses"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code_system__in=CodeSystem.values)
                & models.Q(status__in=DiagnosisStatus.values),
                name="diagnosis_choices_known",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=DiagnosisStatus.ACTIVE,
                    resolved_on__isnull=True,
                    resolved_by__isnull=True,
                    resolved_reason="",
                )
                | models.Q(
                    status=DiagnosisStatus.RESOLVED,
                    resolved_on__isnull=False,
                    resolved_by__isnull=False,
                )
                & ~models.Q(resolved_reason=""),
                name="diagnosis_resolved_with_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(onset_date__isnull=True)
                | models.Q(resolved_on__isnull=True)
                | models.Q(resolved_on__gte=models.F("onset_date")),
                name="diagnosis_resolved_after_onset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display}"

    def clean(self) -> None:
        if self.code:
            try:
                validate_code(system=self.code_system, code=self.code)
            except ValidationError as error:
                raise ValidationError({"code": error.messages}) from error
        if self.onset_date and self.resolved_on and self.resolved_on < self.onset_date:
            raise ValidationError(
                {"resolved_on": "The resolution date is before the onset date: check both."}
            )


class HistoryCondition(models.TextChoices):
    """History items relevant to ketamine (DOMAIN.md section 2, contraindications)."""

    HYPERTENSION = "hypertension", "Hypertension"
    CARDIOVASCULAR_DISEASE = "cardiovascular_disease", "Cardiovascular disease"
    ANEURYSM_AVM = "aneurysm_avm", "Aneurysmal vascular disease or arteriovenous malformation"
    INTRACEREBRAL_HAEMORRHAGE = "intracerebral_haemorrhage", "Intracerebral haemorrhage"
    STROKE = "stroke", "Stroke or other cerebrovascular event"
    HYPERTHYROIDISM = "hyperthyroidism", "Hyperthyroidism"
    RAISED_INTRACRANIAL_PRESSURE = "raised_icp", "Raised intracranial pressure"
    RAISED_INTRAOCULAR_PRESSURE = "raised_iop", "Raised intraocular pressure"
    HEPATIC_DISEASE = "hepatic_disease", "Hepatic disease"
    PSYCHOSIS = "psychosis", "Psychosis or psychotic disorder"
    BIPOLAR_DISORDER = "bipolar_disorder", "Bipolar disorder"
    KETAMINE_MISUSE = "ketamine_misuse", "Prior ketamine or dissociative misuse"
    PREGNANCY_BREASTFEEDING = "pregnancy_breastfeeding", "Pregnancy or breastfeeding"
    PRE_ECLAMPSIA = "pre_eclampsia", "Pre-eclampsia or eclampsia"
    OTHER = "other", "Other"


class HistoryStatus(models.TextChoices):
    CURRENT = "current", "Current"
    PAST = "past", "Past"


class HistoryItem(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="history_items"
    )
    condition = models.CharField(max_length=32, choices=HistoryCondition.choices)
    label = models.CharField(max_length=120, blank=True, help_text="Required for 'Other'.")
    status = models.CharField(max_length=10, choices=HistoryStatus.choices)
    note = models.TextField(max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retracted_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-is_active", "status", "condition", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(condition__in=HistoryCondition.values)
                & models.Q(status__in=HistoryStatus.values),
                name="history_item_choices_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(condition=HistoryCondition.OTHER) | ~models.Q(label=""),
                name="history_item_other_has_label",
            ),
            closed_with_reason(
                name="history_item_retracted_with_reason",
                at="retracted_at",
                by="retracted_by",
                reason="retracted_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.get_condition_display()
        return f"{name}: {self.label}" if self.label else name

    def clean(self) -> None:
        if self.condition == HistoryCondition.OTHER and not self.label.strip():
            raise ValidationError({"label": "Name the condition, for example 'epilepsy'."})


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    UNKNOWN = "unknown", "Unknown"


class Allergy(models.Model):
    """A drug or other allergy, or the explicit statement "no known drug allergies" (NKDA)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="allergies"
    )
    is_nkda = models.BooleanField("no known drug allergies", default=False)
    substance = models.CharField(max_length=120, blank=True)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(
        max_length=10, choices=AllergySeverity.choices, default=AllergySeverity.UNKNOWN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retracted_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-is_active", "-is_nkda", "substance", "id"]
        verbose_name_plural = "allergies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__in=AllergySeverity.values),
                name="allergy_severity_known",
            ),
            models.CheckConstraint(
                condition=models.Q(is_nkda=True, substance="", reaction="")
                | (models.Q(is_nkda=False) & ~models.Q(substance="")),
                name="allergy_nkda_or_substance",
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(is_nkda=True, is_active=True),
                name="allergy_one_active_nkda",
                violation_error_message="No known drug allergies is already recorded.",
            ),
            closed_with_reason(
                name="allergy_retracted_with_reason",
                at="retracted_at",
                by="retracted_by",
                reason="retracted_reason",
            ),
        ]

    def __str__(self) -> str:
        return "No known drug allergies" if self.is_nkda else self.substance

    def clean(self) -> None:
        if not self.is_nkda and not self.substance.strip():
            raise ValidationError({"substance": "Name the substance the patient is allergic to."})

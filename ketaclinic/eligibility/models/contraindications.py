"""The contraindication checklist (data, DOMAIN.md §2) and each patient's screens against it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.eligibility.choices import Answer, ContraindicationClass


class ContraindicationDefinition(models.Model):
    """One checklist item. The clinic's list is data: retire an item with is_active=False."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    klass = models.CharField("class", max_length=10, choices=ContraindicationClass.choices)
    source = models.TextField(help_text="Where this item comes from (publication or label).")
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(klass__in=ContraindicationClass.values),
                name="contraindication_class_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_klass_display()})"

    @property
    def is_absolute(self) -> bool:
        return self.klass == ContraindicationClass.ABSOLUTE


class ContraindicationScreen(models.Model):
    """A patient's answers to the whole checklist at one time. Never edited: re-screen instead."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="contraindication_screens"
    )
    version = models.PositiveIntegerField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    # Stored when the screen is written (answers never change): any 'unknown' -> incomplete.
    is_complete = models.BooleanField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="unique_screen_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="screen_version_gte_1"),
        ]

    def __str__(self) -> str:
        return f"Contraindication screen v{self.version} for patient {self.patient_id}"

    def answers_with(self, answer: Answer) -> list[ContraindicationAnswer]:
        """Uses prefetched answers when the selector loaded them (no query per item)."""
        return [item for item in self.answers.all() if item.answer == answer]

    @property
    def present_absolute(self) -> list[ContraindicationDefinition]:
        return [a.definition for a in self.answers_with(Answer.PRESENT) if a.definition.is_absolute]

    @property
    def present_relative(self) -> list[ContraindicationDefinition]:
        present = self.answers_with(Answer.PRESENT)
        return [a.definition for a in present if not a.definition.is_absolute]

    @property
    def unknown(self) -> list[ContraindicationDefinition]:
        return [a.definition for a in self.answers_with(Answer.UNKNOWN)]


class ContraindicationAnswer(models.Model):
    screen = models.ForeignKey(
        ContraindicationScreen, on_delete=models.PROTECT, related_name="answers"
    )
    definition = models.ForeignKey(
        ContraindicationDefinition, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["screen", "definition__order", "definition_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["screen", "definition"], name="one_answer_per_item_per_screen"
            ),
            models.CheckConstraint(
                condition=models.Q(answer__in=Answer.values), name="screen_answer_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition.code}: {self.answer}"

    @property
    def is_present(self) -> bool:
        return self.answer == Answer.PRESENT

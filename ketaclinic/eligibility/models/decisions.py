"""The physician's eligibility decision, based on one complete contraindication screen."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.eligibility.choices import TREATABLE_OUTCOMES, EligibilityOutcome
from ketaclinic.eligibility.models.contraindications import ContraindicationDefinition


class EligibilityDecision(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="eligibility_decisions"
    )
    version = models.PositiveIntegerField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    screen = models.ForeignKey(
        "eligibility.ContraindicationScreen", on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(max_length=30, choices=EligibilityOutcome.choices)
    reasoning = models.TextField()
    conditions = models.TextField(blank=True)
    # Written only when a physician overrides an absolute contraindication (audited too).
    override_reason = models.TextField(blank=True)
    # Codes present on the screen when the decision was made, kept with the decision.
    absolute_codes = models.JSONField(default=list, blank=True)
    relative_codes = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="unique_decision_version"),
            models.CheckConstraint(
                condition=models.Q(outcome__in=EligibilityOutcome.values),
                name="decision_outcome_is_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(reasoning=""), name="decision_reasoning_required"
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome=EligibilityOutcome.ELIGIBLE_WITH_CONDITIONS)
                | ~models.Q(conditions=""),
                name="decision_conditions_required",
            ),
        ]

    def __str__(self) -> str:
        return f"Eligibility v{self.version} for patient {self.patient_id}: {self.outcome}"

    @property
    def allows_treatment(self) -> bool:
        return self.outcome in TREATABLE_OUTCOMES

    @property
    def is_override(self) -> bool:
        return bool(self.override_reason)

    def _labels(self, codes: list[str]) -> list[str]:
        labels = dict(
            ContraindicationDefinition.objects.filter(code__in=codes).values_list("code", "label")
        )
        return [labels.get(code, code) for code in codes]

    @property
    def absolute_labels(self) -> list[str]:
        return self._labels(self.absolute_codes) if self.absolute_codes else []

    @property
    def relative_labels(self) -> list[str]:
        return self._labels(self.relative_codes) if self.relative_codes else []

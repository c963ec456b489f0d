"""The ketamine-misuse risk-benefit assessment and the clinic's rule that derives its risk level.

PRODUCT.md: ketamine itself can be misused, so every patient gets a documented risk-benefit
discussion, more careful for those susceptible for genetic or social reasons.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketaclinic.eligibility.choices import FamilyHistory, PriorKetamineUse, RiskLevel, Substance
from ketaclinic.eligibility.rules import RISK_FACTORS, RuleError, risk_rule_parse


def validate_risk_rule(value: object) -> None:
    try:
        risk_rule_parse(value)
    except RuleError as error:
        raise ValidationError(error.problems) from error


def validate_substances(value: object) -> None:
    if not isinstance(value, list) or not set(value) <= set(Substance.values):
        raise ValidationError(f"Choose substances from: {', '.join(Substance.values)}.")


class RiskRuleSet(models.Model):
    """One version of the clinic's risk rule. Never edited in place: add a new version."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    is_example = models.BooleanField(default=False)
    description = models.TextField(help_text="The rule in words, as the chart shows it.")
    rule = models.JSONField(validators=[validate_risk_rule])
    source = models.TextField()
    effective_from = models.DateTimeField()

    class Meta:
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"


class RiskBenefitAssessment(models.Model):
    """Versioned; a signed version is never changed (a change is a new version)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="risk_benefit_assessments"
    )
    version = models.PositiveIntegerField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    prior_ketamine_use = models.CharField(max_length=10, choices=PriorKetamineUse.choices)
    family_history = models.CharField(max_length=20, choices=FamilyHistory.choices)
    unstable_housing = models.BooleanField(default=False)
    little_support = models.BooleanField(default=False)
    peers_who_use = models.BooleanField(default=False)
    legal_problems = models.BooleanField(default=False)
    current_substances = models.JSONField(
        default=list, blank=True, validators=[validate_substances]
    )
    current_substances_note = models.TextField(blank=True)
    current_psychosis_risk = models.BooleanField(default=False)
    personality_disorder = models.BooleanField(default=False)
    psychiatric_notes = models.TextField(blank=True)
    benefits_discussed = models.TextField()
    monitoring_plan = models.TextField()
    # The derived level and exactly which rule version derived it, in words.
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    rule_set = models.ForeignKey(RiskRuleSet, on_delete=models.PROTECT, related_name="+")
    rule_code = models.CharField(max_length=60)
    rule_label = models.CharField(max_length=200)
    risk_factors = models.JSONField(default=list, blank=True)
    derivation = models.CharField(max_length=400)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    # Physician's typed-name e-signature and the patient's typed acknowledgement.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signature_name = models.CharField(max_length=160, blank=True)
    acknowledged_by_patient_name = models.CharField(max_length=160, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"], name="unique_risk_benefit_version"
            ),
            models.CheckConstraint(
                condition=models.Q(risk_level__in=RiskLevel.values), name="risk_level_is_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(benefits_discussed="") & ~models.Q(monitoring_plan=""),
                name="risk_benefit_discussion_and_plan_required",
            ),
            # Unsigned: no signature fields at all. Signed: every signature field.
            models.CheckConstraint(
                condition=models.Q(
                    signed_by__isnull=True,
                    signed_at__isnull=True,
                    signature_name="",
                    acknowledged_by_patient_name="",
                    acknowledged_at__isnull=True,
                    witnessed_by__isnull=True,
                )
                | (
                    models.Q(
                        signed_by__isnull=False,
                        signed_at__isnull=False,
                        acknowledged_at__isnull=False,
                        witnessed_by__isnull=False,
                    )
                    & ~models.Q(signature_name="")
                    & ~models.Q(acknowledged_by_patient_name="")
                ),
                name="risk_benefit_signature_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Risk-benefit v{self.version} for patient {self.patient_id}: {self.risk_level}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def substance_labels(self) -> list[str]:
        return [Substance(value).label for value in self.current_substances]

    @property
    def risk_factor_labels(self) -> list[str]:
        return [
            RISK_FACTORS[key].label if key in RISK_FACTORS else key for key in self.risk_factors
        ]

    @property
    def social_factor_labels(self) -> list[str]:
        flags = {
            "unstable housing": self.unstable_housing,
            "little support": self.little_support,
            "peers who use": self.peers_who_use,
            "legal problems": self.legal_problems,
        }
        return [label for label, present in flags.items() if present]

    @property
    def psychiatric_factor_labels(self) -> list[str]:
        flags = {
            "current psychosis risk": self.current_psychosis_risk,
            "personality disorder": self.personality_disorder,
        }
        return [label for label, present in flags.items() if present]

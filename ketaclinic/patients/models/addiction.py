"""What the patient wants to stop: several targets per patient, substances and behaviours."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketaclinic.patients.codes import (
    ICD10CM_SYSTEM,
    icd10cm_family_target,
    validate_icd10cm,
)


class TargetKind(models.TextChoices):
    SUBSTANCE = "substance", "Substance"
    BEHAVIOURAL = "behavioural", "Behavioural"


class Target(models.TextChoices):
    """The addictions PRODUCT.md names; `other` carries a label."""

    ALCOHOL = "alcohol", "Alcohol"
    OPIOIDS = "opioids", "Opioids"
    COCAINE_STIMULANTS = "cocaine_stimulants", "Cocaine or other stimulants"
    CANNABIS = "cannabis", "Cannabis"
    SEDATIVES = "sedatives", "Sedatives"
    KETAMINE_DISSOCIATIVES = "ketamine_dissociatives", "Ketamine or other dissociatives"
    NICOTINE = "nicotine", "Nicotine"
    GAMBLING = "gambling", "Gambling"
    FOOD = "food", "Food"
    SEX = "sex", "Sex"
    SHOPPING = "shopping", "Shopping"
    OTHER = "other", "Other"


class RecoveryUnit(models.TextChoices):
    """The unit daily check-ins count use in (DOMAIN.md section 4)."""

    STANDARD_DRINKS = "standard_drinks", "Standard drinks (US, 14 g ethanol each)"
    GRAMS_ETHANOL = "grams_ethanol", "Grams of ethanol"
    USE_EPISODES = "use_episodes", "Use episodes"
    MONEY_USD = "money_usd", "Money spent (USD)"
    MINUTES = "minutes", "Minutes"
    BINGE_EPISODES = "binge_episodes", "Binge episodes"


BEHAVIOURAL_TARGETS = frozenset({Target.GAMBLING, Target.FOOD, Target.SEX, Target.SHOPPING})
SUBSTANCE_TARGETS = frozenset(Target) - BEHAVIOURAL_TARGETS - {Target.OTHER}
# DOMAIN.md section 6: food, sex and shopping addictions have no ICD-10-CM code.
UNCODED_TARGETS = frozenset({Target.FOOD, Target.SEX, Target.SHOPPING})
# Drinks and grams of ethanol measure alcohol only (US standard drink = 14 g, DOMAIN.md s. 4).
ALCOHOL_UNITS = frozenset({RecoveryUnit.STANDARD_DRINKS, RecoveryUnit.GRAMS_ETHANOL})


def kind_for_target(target: str) -> TargetKind | None:
    """The kind a target implies; None for `other`, where the clinician says which."""
    if target in BEHAVIOURAL_TARGETS:
        return TargetKind.BEHAVIOURAL
    if target in SUBSTANCE_TARGETS:
        return TargetKind.SUBSTANCE
    return None


class AddictionTarget(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="addiction_targets"
    )
    kind = models.CharField(max_length=12, choices=TargetKind.choices)
    target = models.CharField(max_length=24, choices=Target.choices)
    label = models.CharField(
        max_length=80, blank=True, help_text="Required for 'Other', e.g. 'online gaming'."
    )
    unit = models.CharField(
        "unit for recovery tracking", max_length=16, choices=RecoveryUnit.choices
    )
    quit_date = models.DateField(null=True, blank=True)
    code = models.CharField("ICD-10-CM code", max_length=8, blank=True)
    code_system = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-is_active", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__in=Target.values)
                & models.Q(kind__in=TargetKind.values)
                & models.Q(unit__in=RecoveryUnit.values),
                name="addiction_target_choices_known",
            ),
            models.CheckConstraint(
                condition=models.Q(target__in=sorted(SUBSTANCE_TARGETS), kind=TargetKind.SUBSTANCE)
                | models.Q(target__in=sorted(BEHAVIOURAL_TARGETS), kind=TargetKind.BEHAVIOURAL)
                | models.Q(target=Target.OTHER),
                name="addiction_target_kind_matches_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(target=Target.OTHER) | ~models.Q(label=""),
                name="addiction_target_other_has_label",
            ),
            models.CheckConstraint(
                condition=models.Q(code="", code_system="")
                | (~models.Q(code="") & models.Q(code_system=ICD10CM_SYSTEM)),
                name="addiction_target_code_has_system",
            ),
            models.CheckConstraint(
                condition=~models.Q(target__in=sorted(UNCODED_TARGETS)) | models.Q(code=""),
                name="addiction_target_uncoded_targets",
            ),
            models.CheckConstraint(
                condition=~models.Q(unit__in=sorted(ALCOHOL_UNITS))
                | models.Q(target=Target.ALCOHOL),
                name="addiction_target_alcohol_units",
            ),
            models.CheckConstraint(
                condition=~models.Q(unit=RecoveryUnit.MINUTES)
                | models.Q(kind=TargetKind.BEHAVIOURAL),
                name="addiction_target_minutes_behavioural",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    is_active=True, ended_at__isnull=True, ended_by__isnull=True, ended_reason=""
                )
                | (
                    models.Q(is_active=False, ended_at__isnull=False, ended_by__isnull=False)
                    & ~models.Q(ended_reason="")
                ),
                name="addiction_target_ended_with_reason",
            ),
            models.UniqueConstraint(
                fields=["patient", "target", "label"],
                condition=models.Q(is_active=True),
                name="addiction_target_unique_active",
                violation_error_message=(
                    "This patient already has this addiction target: end the old one first "
                    "or give the new one a different label."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.get_target_display()
        return f"{name}: {self.label}" if self.label else name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        implied = kind_for_target(self.target)
        if implied is not None and self.kind != implied:
            errors["kind"] = f"{self.get_target_display()} is a {implied.label.lower()} target."
        if self.target == Target.OTHER and not self.label.strip():
            errors["label"] = "Name the 'Other' target, for example 'online gaming'."
        if self.unit in ALCOHOL_UNITS and self.target != Target.ALCOHOL:
            errors["unit"] = (
                f"{self.get_unit_display()} measure alcohol only: choose use episodes, "
                "money spent or binge episodes for this target."
            )
        elif self.unit == RecoveryUnit.MINUTES and self.kind != TargetKind.BEHAVIOURAL:
            errors["unit"] = (
                "Minutes measure behaviours such as gambling, not substances: choose "
                "use episodes, money spent or binge episodes."
            )
        if self.code:
            errors.update(self._code_errors())
        if errors:
            raise ValidationError(errors)

    def _code_errors(self) -> dict[str, str]:
        if self.target in UNCODED_TARGETS:
            return {
                "code": f"{self.get_target_display()} addiction has no ICD-10-CM code: "
                "leave the code empty (it is recorded as a behavioural target)."
            }
        try:
            validate_icd10cm(self.code)
        except ValidationError as error:
            return {"code": error.messages[0]}
        family = icd10cm_family_target(self.code)
        if family is not None and family != self.target:
            return {
                "code": f"{self.code} is coded for {Target(family).label.lower()}, not "
                f"{self.get_target_display().lower()}: check the code or the target."
            }
        return {}

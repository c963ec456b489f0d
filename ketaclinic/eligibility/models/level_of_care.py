"""Level of care by the six ASAM dimensions (ASAM Criteria 3rd ed., DOMAIN.md §5) and referrals."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

from ketaclinic.eligibility.choices import INPATIENT_LEVELS, AsamLevel, ReferralStatus
from ketaclinic.eligibility.rules import DIMENSIONS, RATINGS, RuleError, level_mapping_parse


def validate_level_mapping(value: object) -> None:
    try:
        level_mapping_parse(value)
    except RuleError as error:
        raise ValidationError(error.problems) from error


def validate_levels(value: object) -> None:
    if not isinstance(value, list) or not value or not set(value) <= set(AsamLevel.values):
        raise ValidationError(f"Choose levels from: {', '.join(AsamLevel.values)}.")


class LevelOfCareMapping(models.Model):
    """One version of the clinic's mapping from ratings to levels. Add versions; never edit."""

    code = models.SlugField(max_length=60, unique=True)
    label = models.CharField(max_length=200)
    is_example = models.BooleanField(default=False)
    description = models.TextField()
    rule = models.JSONField(validators=[validate_level_mapping])
    source = models.TextField()
    effective_from = models.DateTimeField()

    class Meta:
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"


def _rating() -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(choices=RATINGS, validators=[MaxValueValidator(4)])


class LevelOfCareAssessment(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="level_of_care_assessments"
    )
    version = models.PositiveIntegerField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    intoxication_withdrawal_rating = _rating()
    intoxication_withdrawal_note = models.TextField(blank=True)
    biomedical_rating = _rating()
    biomedical_note = models.TextField(blank=True)
    emotional_behavioural_rating = _rating()
    emotional_behavioural_note = models.TextField(blank=True)
    readiness_to_change_rating = _rating()
    readiness_to_change_note = models.TextField(blank=True)
    relapse_potential_rating = _rating()
    relapse_potential_note = models.TextField(blank=True)
    recovery_environment_rating = _rating()
    recovery_environment_note = models.TextField(blank=True)
    # What the clinic's mapping recommended, and which mapping version said so.
    mapping = models.ForeignKey(LevelOfCareMapping, on_delete=models.PROTECT, related_name="+")
    mapping_code = models.CharField(max_length=60)
    recommended_levels = models.JSONField(validators=[validate_levels])
    recommendation = models.CharField(max_length=400)
    refer_inpatient_recommended = models.BooleanField()
    # The clinician decides; a level outside the recommendation needs a reason.
    decided_level = models.CharField(max_length=4, choices=AsamLevel.choices)
    disagreement_reason = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "version"], name="unique_level_of_care_version"
            ),
            models.CheckConstraint(
                condition=models.Q(decided_level__in=AsamLevel.values),
                name="decided_level_is_known",
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{d.key}_rating__lte": 4}),
                    name=f"asam_{d.key}_rating_0_to_4",
                )
                for d in DIMENSIONS
            ),
        ]

    def __str__(self) -> str:
        return f"Level of care v{self.version} for patient {self.patient_id}: {self.decided_level}"

    def clean(self) -> None:
        if self.decided_level not in self.recommended_levels and not self.disagreement_reason:
            raise ValidationError(
                {"disagreement_reason": "Say why you chose a level other than recommended."}
            )

    @property
    def ratings(self) -> list[tuple[str, int, str]]:
        """(dimension label, rating, note) for each of the six dimensions, in order."""
        return [
            (d.label, getattr(self, f"{d.key}_rating"), getattr(self, f"{d.key}_note"))
            for d in DIMENSIONS
        ]

    @property
    def recommended_label(self) -> str:
        return " or ".join(self.recommended_levels)

    @property
    def agrees_with_recommendation(self) -> bool:
        return self.decided_level in self.recommended_levels

    @property
    def decided_inpatient(self) -> bool:
        return self.decided_level in INPATIENT_LEVELS


class Referral(models.Model):
    """A referral elsewhere (usually in-patient care first, levels 3.7 or 4)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="eligibility_referrals"
    )
    assessment = models.ForeignKey(
        LevelOfCareAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    destination = models.CharField("referred to", max_length=200)
    referred_on = models.DateField("referral date")
    status = models.CharField(max_length=10, choices=ReferralStatus.choices)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["patient", "-referred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ReferralStatus.values),
                name="referral_status_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} for patient {self.patient_id}: {self.status}"


class ReferralStatusChange(models.Model):
    """Each status change of a referral, so the history is never overwritten."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ReferralStatus.choices)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["referral", "changed_at", "id"]

    def __str__(self) -> str:
        return f"Referral {self.referral_id}: {self.from_status or 'new'} -> {self.to_status}"

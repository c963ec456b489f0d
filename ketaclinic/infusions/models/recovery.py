"""After the infusion: dissociation rating, modified Aldrete recovery score, discharge.

DOMAIN.md section 2, "Recovery and discharge": modified Aldrete, 5 items scored 0-2, total
0-10, discharge-ready at >= 9; sources disagree whether the circulation item compares blood
pressure in mmHg or percent of the pre-procedure value, so the variant used is stored.
Dissociation: CADSS or its short form after the infusion; no cut-off is given, none is coded
(only the plausibility limit of the total, see `DISSOCIATION_SCORE_MAX`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

ALDRETE_ITEMS = ("activity", "respiration", "circulation", "consciousness", "oxygen")
ALDRETE_DISCHARGE_READY = 9  # DOMAIN.md section 2: discharge-ready at >= 9


class DissociationInstrument(models.TextChoices):
    CADSS = "cadss", "CADSS"
    CADSS_SHORT = "cadss_short", "CADSS short form"


# Plausibility limits, not clinical thresholds: they catch a mistyped total. The full CADSS
# has 23 items scored 0-4, so its total is at most 92 (Bremner et al., J Trauma Stress 1998).
# A short form's own maximum depends on which items the clinic's form keeps (not confirmed
# here), but any CADSS form's total is at most the full scale's, so it is capped at 92 too.
CADSS_FULL_MAX = 92
DISSOCIATION_SCORE_MAX: dict[str, int] = {
    DissociationInstrument.CADSS: CADSS_FULL_MAX,
    DissociationInstrument.CADSS_SHORT: CADSS_FULL_MAX,
}


class DissociationRating(models.Model):
    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="dissociation_ratings"
    )
    instrument = models.CharField(max_length=12, choices=DissociationInstrument.choices)
    # The instrument's total as scored on its form; no cut-off is coded (none is sourced).
    score = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(CADSS_FULL_MAX)],
    )
    rated_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["infusion", "rated_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0), name="dissociation_score_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(score__lte=CADSS_FULL_MAX),
                name="dissociation_score_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.score}"


class CirculationVariant(models.TextChoices):
    MMHG = "mmhg", "BP within 20 / 20-50 / beyond 50 mmHg of pre-procedure"
    PERCENT = "percent", "BP within 20 / 20-50 / beyond 50 % of pre-procedure"


def _item(verbose: str) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        verbose, validators=[MinValueValidator(0), MaxValueValidator(2)]
    )


class RecoveryScore(models.Model):
    """One modified Aldrete scoring; repeated until the total reaches 9 or more."""

    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="recovery_scores"
    )
    scored_at = models.DateTimeField()
    activity = _item("activity (moves 4 / 2 / 0 extremities)")
    respiration = _item("respiration (deep breath and cough / dyspnoea or shallow / apnoea)")
    circulation = _item("circulation")
    circulation_variant = models.CharField(max_length=8, choices=CirculationVariant.choices)
    consciousness = _item("consciousness (fully awake / arousable on calling / not responding)")
    oxygen = _item("SpO2 (> 92 % room air / needs O2 to stay > 90 % / < 90 % with O2)")
    total = models.PositiveSmallIntegerField()
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["infusion", "scored_at", "id"]
        constraints = [
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{item}__lte": 2}), name=f"aldrete_{item}_0_to_2"
                )
                for item in ALDRETE_ITEMS
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("activity")
                    + models.F("respiration")
                    + models.F("circulation")
                    + models.F("consciousness")
                    + models.F("oxygen")
                ),
                name="aldrete_total_is_sum",
            ),
            models.CheckConstraint(
                condition=models.Q(circulation_variant__in=CirculationVariant.values),
                name="aldrete_circulation_variant_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Aldrete {self.total}/10"

    @property
    def discharge_ready(self) -> bool:
        return self.total >= ALDRETE_DISCHARGE_READY


class Discharge(models.Model):
    infusion = models.OneToOneField(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="discharge"
    )
    recovery_score = models.ForeignKey(RecoveryScore, on_delete=models.PROTECT, related_name="+")
    escort_present = models.BooleanField()
    no_driving_advice_given = models.BooleanField()
    sedation_resolved = models.BooleanField()
    dissociation_resolved = models.BooleanField()
    minutes_until_ready = models.PositiveSmallIntegerField()
    # A discharge before the protocol's minimum observation: the physician's written reason.
    early_reason = models.CharField(max_length=500, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discharged_at = models.DateTimeField()
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    escort_present=True,
                    no_driving_advice_given=True,
                    sedation_resolved=True,
                    dissociation_resolved=True,
                ),
                name="discharge_checklist_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"discharge of infusion {self.infusion_id}"

"""Vital signs charted on the flowsheet, one row per reading (two nurses never overwrite).

Plausibility limits refuse impossible values (a typing error), they are not clinical
thresholds; those are the clinic's alert rules. Sources of each limit:
- SpO2 0-100 %, heart rate 20-250/min, systolic 50-300 mmHg: issue 5, item 6.
- Diastolic 20-200 mmHg and below the systolic; respiratory rate 0-80/min: plausibility,
  not a clinical threshold (they catch swapped or mistyped fields only).
- MOAA/S 0-5: the Modified Observer's Alertness/Sedation scale has levels 0 to 5
  (DOMAIN.md section 2).

A wrongly typed reading is never deleted or edited: it is voided (who, when, why) and stays
on the flowsheet struck through. `VitalsEntry.objects.current()` is every reading that still
counts; every reader that charts, times or checks readings uses it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketaclinic.infusions.models.alerts import VitalsPhase

# (field, label, low, high, unit)
LIMITS: dict[str, tuple[str, int, int, str]] = {
    "sbp": ("Systolic BP", 50, 300, "mmHg"),
    "dbp": ("Diastolic BP", 20, 200, "mmHg"),
    "hr": ("Heart rate", 20, 250, "beats/min"),
    "spo2": ("SpO2", 0, 100, "%"),
    "rr": ("Respiratory rate", 0, 80, "breaths/min"),
    "moaas": ("Sedation (MOAA/S)", 0, 5, ""),
}
VALUE_FIELDS = tuple(LIMITS)


def _range_message(field: str) -> str:
    label, low, high, unit = LIMITS[field]
    unit_text = f" {unit}" if unit else ""
    return (
        f"{label} must be between {low} and {high}{unit_text}: check the reading and re-enter it."
    )


def _limited(field: str, verbose: str) -> models.PositiveSmallIntegerField[int | None, int | None]:
    _label, low, high, _unit = LIMITS[field]
    message = _range_message(field)
    return models.PositiveSmallIntegerField(
        verbose,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(low, message=message),
            MaxValueValidator(high, message=message),
        ],
    )


def _range_constraint(field: str) -> models.CheckConstraint:
    _label, low, high, _unit = LIMITS[field]
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True})
        | models.Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=f"vitals_{field}_plausible",
    )


class VitalsQuerySet(models.QuerySet["VitalsEntry"]):
    def current(self) -> VitalsQuerySet:
        """Readings that count: not voided."""
        return self.filter(voided_at__isnull=True)


class VitalsEntry(models.Model):
    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="vitals"
    )
    measured_at = models.DateTimeField()
    # Derived from the infusion's start and end at measured_at; not typed by the nurse.
    phase = models.CharField(max_length=5, choices=VitalsPhase.choices)
    sbp = _limited("sbp", "systolic BP (mmHg)")
    dbp = _limited("dbp", "diastolic BP (mmHg)")
    hr = _limited("hr", "heart rate (/min)")
    spo2 = _limited("spo2", "SpO2 (%)")
    rr = _limited("rr", "respiratory rate (/min)")
    moaas = _limited("moaas", "sedation (MOAA/S 0-5)")
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    # A wrongly typed reading is voided, never deleted: it no longer counts anywhere.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    objects = VitalsQuerySet.as_manager()

    class Meta:
        ordering = ["infusion", "measured_at", "id"]
        verbose_name_plural = "vitals entries"
        constraints = [
            *(_range_constraint(field) for field in VALUE_FIELDS),
            models.CheckConstraint(
                condition=models.Q(sbp__isnull=True, dbp__isnull=True)
                | models.Q(sbp__isnull=False, dbp__isnull=False, dbp__lt=models.F("sbp")),
                name="vitals_bp_pair_diastolic_below_systolic",
            ),
            models.CheckConstraint(
                condition=models.Q(sbp__isnull=False)
                | models.Q(hr__isnull=False)
                | models.Q(spo2__isnull=False)
                | models.Q(rr__isnull=False)
                | models.Q(moaas__isnull=False),
                name="vitals_at_least_one_value",
            ),
            models.CheckConstraint(
                condition=models.Q(phase__in=VitalsPhase.values), name="vitals_phase_known"
            ),
            # A void names who and why; a reading that is not voided carries neither.
            models.CheckConstraint(
                condition=models.Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (
                    models.Q(voided_at__isnull=False, voided_by__isnull=False)
                    & ~models.Q(void_reason="")
                ),
                name="vitals_void_has_author_and_reason",
            ),
        ]
        indexes = [models.Index(fields=["infusion", "measured_at"], name="vitals_time")]

    def __str__(self) -> str:
        return f"vitals {self.measured_at:%H:%M} ({self.phase})"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

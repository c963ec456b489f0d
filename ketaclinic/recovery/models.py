"""Recovery data (DOMAIN.md section 4): daily use records from every source, the clinic's
lapse and relapse rules per addiction target, the events derived from them and a summary
per target that the outcome analytics read.

One table holds every daily record, whatever its source: the patient's daily check-in
(source `self_report`, recall lag 0), a staff timeline follow-back interview, or a
breathalyser, urine or EtG result. Each source has at most one record per target and day,
so two sources that disagree are both kept and shown as a conflict, never overwritten.
A day with no record is unknown: it is never counted as abstinent.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketaclinic.patients.models import RecoveryUnit, Target


class Source(models.TextChoices):
    SELF_REPORT = "self_report", "Daily self-report"
    INTERVIEW = "interview", "Staff timeline follow-back interview"
    BREATHALYSER = "breathalyser", "Breathalyser"
    URINE = "urine_test", "Urine drug test"
    ETG = "etg", "EtG test"


# Sources that are a test result (positive or negative) rather than a count of use.
TEST_SOURCES = frozenset({Source.BREATHALYSER, Source.URINE, Source.ETG})


class Mood(models.IntegerChoices):
    VERY_LOW = 1, "Very low"
    LOW = 2, "Low"
    OKAY = 3, "Okay"
    GOOD = 4, "Good"
    VERY_GOOD = 5, "Very good"


class Trigger(models.TextChoices):
    """The pick list of a check-in; anything else goes in the free text."""

    STRESS = "stress", "Stress"
    CONFLICT = "conflict", "Conflict with someone"
    LONELINESS = "loneliness", "Loneliness"
    BOREDOM = "boredom", "Boredom"
    TIREDNESS = "tiredness", "Tiredness or poor sleep"
    PAIN = "pain", "Pain"
    CELEBRATION = "celebration", "Celebration or social event"
    PEOPLE = "people", "People I used with"
    PLACES = "places", "Places I used in"
    MONEY = "money", "Money (payday, windfall or worry)"
    CRAVING_CUE = "cue", "Seeing or smelling it"


class DailyRecord(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="daily_records"
    )
    target = models.ForeignKey(
        "patients.AddictionTarget", on_delete=models.PROTECT, related_name="daily_records"
    )
    day = models.DateField(help_text="The day the use (or abstinence) happened, local time.")
    source = models.CharField(max_length=12, choices=Source.choices)
    used = models.BooleanField(help_text="For a test: a positive result.")
    quantity = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="How much, in the target's unit. 0 when not used; blank for a test result.",
    )
    unit = models.CharField(max_length=16, help_text="The target's unit when recorded.")
    craving = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-10")
    mood = models.PositiveSmallIntegerField(choices=Mood.choices, null=True, blank=True)
    triggers = models.JSONField(default=list, blank=True)
    trigger_note = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    recall_lag_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days between the day and when it was recorded."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["day", "target", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "day", "source"], name="daily_record_one_per_source_day"
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="daily_record_source_known"
            ),
            models.CheckConstraint(
                condition=Q(craving__isnull=True) | Q(craving__lte=10),
                name="daily_record_craving_0_10",
            ),
            models.CheckConstraint(
                condition=Q(mood__isnull=True) | Q(mood__gte=1, mood__lte=5),
                name="daily_record_mood_1_5",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
                name="daily_record_quantity_not_negative",
            ),
            # Not used means nothing used.
            models.CheckConstraint(
                condition=Q(used=True) | Q(quantity__isnull=True) | Q(quantity=0),
                name="daily_record_abstinent_quantity_zero",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "day"], name="daily_record_patient_day"),
            models.Index(fields=["day"], name="daily_record_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_source_display()} used={self.used}"


class RelapseRuleKind(models.TextChoices):
    HEAVY_DAYS_WITHIN = "heavy_days_within", "N heavy-use days within M days"
    CONSECUTIVE_USE_DAYS = "consecutive_use", "N consecutive days of any use"
    ANY_USE = "any_use", "Any use (every lapse is a relapse)"


class RecoveryRule(models.Model):
    """The clinic's lapse and relapse definition for one addiction target at one site
    (DOMAIN.md section 4). Versioned: a change writes a new version and the events are
    recomputed; the old version stays for the record."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=24, choices=Target.choices)
    version = models.PositiveIntegerField()
    # Lapse: any use after the start day and the grace period (the only lapse rule today).
    relapse_kind = models.CharField(max_length=20, choices=RelapseRuleKind.choices)
    relapse_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="N: heavy or consecutive days that make a relapse."
    )
    relapse_window_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="M: the window the N heavy days fall in."
    )
    heavy_threshold_male = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    heavy_threshold_female = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    heavy_unit = models.CharField(
        max_length=16,
        choices=RecoveryUnit.choices,
        blank=True,
        help_text="The unit of the heavy-use thresholds (drinks and grams of ethanol convert).",
    )
    grace_days = models.PositiveSmallIntegerField(
        default=0, help_text="Days after the start day in which use is not counted."
    )
    source_note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["site", "target", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "target", "version"], name="recovery_rule_version_unique"
            ),
            models.UniqueConstraint(
                fields=["site", "target"],
                condition=Q(is_active=True),
                name="recovery_rule_one_active",
            ),
            models.CheckConstraint(
                condition=~Q(relapse_kind="heavy_days_within")
                | (
                    Q(relapse_days__gte=1)
                    & Q(relapse_window_days__isnull=False)
                    & Q(relapse_window_days__gte=F("relapse_days"))
                    & Q(heavy_threshold_male__isnull=False)
                    & Q(heavy_threshold_female__isnull=False)
                    & ~Q(heavy_unit="")
                ),
                name="recovery_rule_heavy_days_complete",
            ),
            models.CheckConstraint(
                condition=~Q(relapse_kind="consecutive_use") | Q(relapse_days__gte=1),
                name="recovery_rule_consecutive_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} rule v{self.version}"


class EventKind(models.TextChoices):
    LAPSE = "lapse", "Lapse"
    RELAPSE = "relapse", "Relapse"


class RecoveryEvent(models.Model):
    """A lapse or relapse derived from the daily records under a rule. Recomputing never
    deletes one: an event the data no longer support is marked not current, so a relapse
    note written against it keeps its context."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(
        "patients.AddictionTarget", on_delete=models.PROTECT, related_name="recovery_events"
    )
    kind = models.CharField(max_length=8, choices=EventKind.choices)
    day = models.DateField()
    rule = models.ForeignKey(RecoveryRule, on_delete=models.PROTECT, related_name="+")
    is_current = models.BooleanField(default=True)
    detected_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "kind"]
        constraints = [
            # Withdrawn events stay as history, so only the current ones are unique.
            models.UniqueConstraint(
                fields=["target", "kind", "day"],
                condition=Q(is_current=True),
                name="recovery_event_current_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_current=True, withdrawn_at__isnull=True)
                | Q(is_current=False, withdrawn_at__isnull=False),
                name="recovery_event_withdrawn_when_not_current",
            ),
        ]
        indexes = [models.Index(fields=["patient", "is_current"], name="recovery_event_patient")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}"


class RelapseNote(models.Model):
    """A clinician's note on a lapse or relapse: the context and what set it off."""

    event = models.ForeignKey(RecoveryEvent, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    context = models.TextField()
    triggers = models.JSONField(default=list, blank=True)
    plan = models.TextField(blank=True, help_text="What the patient and team will do next.")

    class Meta:
        ordering = ["written_at"]

    def __str__(self) -> str:
        return f"note on {self.event}"


class TargetOutcome(models.Model):
    """The derived summary of one addiction target, recomputed when its records or its
    rule change (and nightly). The cohort analytics read these rows, not the daily ones.

    `start_day` is day 0 of time to lapse and relapse: the day of the patient's first
    infusion, or the target's quit date when no infusion has happened. Days are counted
    from `start_day` (inclusive) to `last_observed_day`; unknown days count as neither
    abstinent nor used."""

    target = models.OneToOneField(
        "patients.AddictionTarget", on_delete=models.CASCADE, related_name="outcome"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(max_length=24, choices=Target.choices)
    rule = models.ForeignKey(
        RecoveryRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start_day = models.DateField(null=True, blank=True)
    last_observed_day = models.DateField(null=True, blank=True)
    days_observed = models.PositiveIntegerField(default=0)
    days_abstinent = models.PositiveIntegerField(default=0)
    days_used = models.PositiveIntegerField(default=0)
    heavy_days = models.PositiveIntegerField(default=0)
    first_lapse_day = models.DateField(null=True, blank=True)
    relapse_day = models.DateField(null=True, blank=True)
    dropped_out = models.BooleanField(
        default=False,
        help_text="A start day, no record in the 30 days before today, no completed course.",
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["site", "patient", "target"]
        indexes = [
            models.Index(fields=["site", "target_kind"], name="target_outcome_site_kind"),
            models.Index(fields=["start_day"], name="target_outcome_start"),
        ]

    def __str__(self) -> str:
        return f"outcome of target {self.target_id}"


# Percent days abstinent by month: 30-day blocks from the outcome's start day, block -1 the
# 30 days before it, up to two years after (blocks -1 to 23).
BLOCK_DAYS = 30
BLOCK_FIRST = -1
BLOCK_LAST = 23


def block_of(day: dt.date, start_day: dt.date) -> int | None:
    """The 30-day block of `day` counted from `start_day` (floor: days -30..-1 are block -1,
    0..29 block 0), or None outside blocks BLOCK_FIRST..BLOCK_LAST."""
    block = (day - start_day).days // BLOCK_DAYS
    return block if BLOCK_FIRST <= block <= BLOCK_LAST else None


class TargetBlock(models.Model):
    """Daily self-reports of one target per 30-day block from its outcome's start day,
    rewritten with the outcome on every recompute: the cohort analytics sum these instead
    of scanning every daily record. Staff interviews and test results are left out (a day
    is counted once; a negative test never makes a day abstinent). Only blocks with at
    least one self-report are stored."""

    target = models.ForeignKey(
        "patients.AddictionTarget", on_delete=models.CASCADE, related_name="blocks"
    )
    block = models.SmallIntegerField(help_text="30-day block from the start day; -1 before.")
    days_observed = models.PositiveSmallIntegerField()
    days_abstinent = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["target", "block"]
        constraints = [
            models.UniqueConstraint(fields=["target", "block"], name="target_block_one_per_block"),
            models.CheckConstraint(
                condition=Q(days_abstinent__lte=F("days_observed")),
                name="target_block_abstinent_le_observed",
            ),
        ]

    def __str__(self) -> str:
        return f"block {self.block} of target {self.target_id}"

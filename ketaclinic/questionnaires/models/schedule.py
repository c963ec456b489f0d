"""When questionnaires fall due: the clinic's schedule rules and each patient's due items.

Rules are clinic data (issue 4 item 4): which instruments are due at which treatment event,
how many days from it, and how long an item stays "due" before it is "overdue". The
treatment-course work calls `services.schedule_event` at each event; each rule then becomes
one due item per instrument. A stored response completes the oldest open due item of its
instrument (`services.response_submit`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketaclinic.questionnaires.models.instrument import Instrument


class ScheduleEvent(models.TextChoices):
    BASELINE = "baseline", "Baseline (at enrolment or evaluation)"
    PRE_INFUSION = "pre_infusion", "Before each infusion"
    POST_INFUSION = "post_infusion", "After each infusion"
    WEEKLY = "weekly_during_treatment", "Weekly during treatment"
    AFTER_LAST_INFUSION = "after_last_infusion", "Follow-up after the last infusion"


class ScheduleRule(models.Model):
    """At `event` + `offset_days`, each instrument in `instruments` falls due for
    `window_days`, then it is overdue. A negative offset makes it due before the event
    (the pre-infusion questionnaires open the day before the infusion)."""

    event = models.CharField(max_length=32, choices=ScheduleEvent.choices)
    instruments = models.JSONField(
        default=list, blank=True, help_text="Instrument codes, for example ['phq9', 'craving']."
    )
    offset_days = models.IntegerField(default=0)
    window_days = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    source_note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "offset_days", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event__in=ScheduleEvent.values), name="schedule_rule_event_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} +{self.offset_days} d: {', '.join(self.instruments)}"

    def clean(self) -> None:
        codes = self.instruments
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            raise ValidationError(
                {"instruments": "List at least one instrument code, for example ['phq9']."}
            )
        known = set(Instrument.objects.filter(is_active=True).values_list("code", flat=True))
        unknown = sorted(set(codes) - known)
        if unknown:
            raise ValidationError(
                {
                    "instruments": f"Unknown instrument code(s): {', '.join(unknown)}. "
                    f"Known: {', '.join(sorted(known))}."
                }
            )


class DueStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class DueQuestionnaireQuerySet(models.QuerySet["DueQuestionnaire"]):
    def open(self) -> DueQuestionnaireQuerySet:
        return self.filter(status=DueStatus.OPEN)


class DueQuestionnaire(models.Model):
    """One questionnaire a patient should complete: due from `due_at`, overdue from
    `overdue_at`. Never deleted: completed by a response or cancelled with a reason."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="due_questionnaires"
    )
    instrument = models.ForeignKey(
        "questionnaires.Instrument", on_delete=models.PROTECT, related_name="due_items"
    )
    event = models.CharField(max_length=32, choices=ScheduleEvent.choices)
    rule = models.ForeignKey(
        ScheduleRule, on_delete=models.PROTECT, null=True, blank=True, related_name="due_items"
    )
    due_at = models.DateTimeField()
    overdue_at = models.DateTimeField()
    reference = models.CharField(
        max_length=64, blank=True, help_text="What it belongs to, e.g. course:12 or infusion:34."
    )
    status = models.CharField(max_length=12, choices=DueStatus.choices, default=DueStatus.OPEN)
    completed_response = models.ForeignKey(
        "questionnaires.QuestionnaireResponse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="due_items",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = DueQuestionnaireQuerySet.as_manager()
    # Set on rows read through `selectors.due.with_overdue` (due and overdue lists) only.
    is_overdue: bool

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # Scheduling the same event twice adds nothing (services.schedule_event).
            models.UniqueConstraint(
                fields=["patient", "instrument", "event", "reference", "due_at"],
                name="due_questionnaire_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DueStatus.values), name="due_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(overdue_at__gte=models.F("due_at")),
                name="due_overdue_not_before_due",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status=DueStatus.OPEN,
                        completed_response__isnull=True,
                        cancelled_at__isnull=True,
                        cancel_reason="",
                    )
                    | models.Q(
                        status=DueStatus.COMPLETED,
                        completed_response__isnull=False,
                        cancelled_at__isnull=True,
                    )
                    | (
                        models.Q(
                            status=DueStatus.CANCELLED,
                            completed_response__isnull=True,
                            cancelled_at__isnull=False,
                        )
                        & ~models.Q(cancel_reason="")
                    )
                ),
                name="due_status_matches_its_fields",
            ),
        ]
        indexes = [
            models.Index(
                fields=["patient", "due_at"],
                condition=models.Q(status="open"),
                name="due_open_by_patient",
            ),
            models.Index(
                fields=["due_at"], condition=models.Q(status="open"), name="due_open_by_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} item {self.pk} ({self.status}) of patient {self.patient_id}"

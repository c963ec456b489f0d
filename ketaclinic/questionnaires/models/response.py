"""A completed questionnaire: the item answers and the score as the engine gave it.

Responses are immutable (like the audit trail): the ORM refuses updates and deletes and
the database refuses UPDATE (migration 0003). A correction is a new response that
supersedes the old one and says why; the old one stays, marked superseded.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.urls import reverse


class ResponseImmutableError(Exception):
    """Raised on any attempt to change or remove a stored response."""


class ResponseSource(models.TextChoices):
    STAFF_ENTRY = "staff_entry", "Entered by staff"
    PATIENT_SELF = "patient_self", "Completed by the patient"
    API = "api", "Submitted through the API"
    FHIR = "fhir", "Imported as a FHIR QuestionnaireResponse"


_REFUSED = "Questionnaire responses cannot be changed: enter a correction that supersedes it."


class ResponseQuerySet(models.QuerySet["QuestionnaireResponse"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ResponseImmutableError(_REFUSED)

    def delete(self) -> NoReturn:
        raise ResponseImmutableError(_REFUSED)

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ResponseImmutableError(_REFUSED)

    def with_superseded(self) -> ResponseQuerySet:
        """Annotate `is_superseded`: a later response corrects this one."""
        corrections = QuestionnaireResponse.objects.filter(supersedes=models.OuterRef("pk"))
        return self.annotate(is_superseded=models.Exists(corrections))


class QuestionnaireResponse(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    instrument = models.ForeignKey(
        "questionnaires.Instrument", on_delete=models.PROTECT, related_name="responses"
    )
    version = models.CharField(max_length=20)
    answers = models.JSONField(help_text="Answer value per item id, as given.")
    scoring_context = models.JSONField(default=dict, blank=True)
    # The score snapshot: what the engine said when the response was stored.
    total = models.DecimalField(max_digits=8, decimal_places=2)
    total_percent_of_max = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    band_code = models.CharField(max_length=40, blank=True)
    band_label = models.CharField(max_length=200, blank=True)
    risk_level = models.CharField(max_length=20, blank=True)
    flags = models.JSONField(default=list, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    interpretation = models.TextField()
    completed_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_by_patient = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=ResponseSource.choices)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    correction_reason = models.CharField(max_length=300, blank=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=ResponseSource.values), name="response_source_known"
            ),
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True, correction_reason="")
                | (models.Q(supersedes__isnull=False) & ~models.Q(correction_reason="")),
                name="response_correction_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=ResponseSource.PATIENT_SELF)
                | models.Q(completed_by_patient=True),
                name="response_self_completed_by_patient",
            ),
            models.CheckConstraint(
                condition=models.Q(entered_by__isnull=False)
                | models.Q(source=ResponseSource.PATIENT_SELF),
                name="response_staff_entry_has_staff",
            ),
            # A response is corrected once; a second correction supersedes the correction.
            models.UniqueConstraint(fields=["supersedes"], name="response_superseded_once"),
        ]
        indexes = [
            models.Index(
                fields=["patient", "instrument", "completed_at"], name="response_patient_time"
            ),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} ({self.version}) of patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ResponseImmutableError(_REFUSED)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("questionnaires:response_detail", args=[self.patient_id, self.pk])

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ResponseImmutableError(_REFUSED)

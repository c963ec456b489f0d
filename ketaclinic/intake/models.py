"""Inquiries from the public form, their triage history, and the per-address submission log."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone


class InquiryStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    EVALUATION_BOOKED = "evaluation_booked", "Evaluation booked"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Referred elsewhere"
    CLOSED = "closed", "Closed"


# The queue's default view: inquiries someone still has to act on.
OPEN_STATUSES = (InquiryStatus.NEW, InquiryStatus.CONTACTED, InquiryStatus.EVALUATION_BOOKED)


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    EMAIL = "email", "Email"
    TEXT = "text", "Text message"


class Addiction(models.TextChoices):
    """What the person wants help with: substances and behaviours (PRODUCT.md)."""

    ALCOHOL = "alcohol", "Alcohol"
    OPIOIDS = "opioids", "Opioids"
    STIMULANTS = "stimulants", "Cocaine or other stimulants"
    CANNABIS = "cannabis", "Cannabis"
    SEDATIVES = "sedatives", "Sedatives"
    DISSOCIATIVES = "dissociatives", "Ketamine or other dissociatives"
    GAMBLING = "gambling", "Gambling"
    FOOD = "food", "Food"
    SEX = "sex", "Sex"
    SHOPPING = "shopping", "Shopping"
    OTHER = "other", "Other"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNSURE = "unsure", "Not sure"


def validate_addictions(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one thing you would like help with.")
    unknown = [item for item in value if item not in Addiction.values]
    if unknown or len(set(value)) != len(value):
        raise ValidationError("Choose only from the listed options, each once.")


class Inquiry(models.Model):
    """What a person sent through a site's public form; the front desk works it to a decision.

    Pre-screen questions mirror DOMAIN.md section 2 (uncontrolled hypertension is an absolute
    contraindication; psychosis history, pregnancy and prior ketamine misuse are relative).
    They are the person's own answers, shown to staff; nothing is decided from them here.
    """

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="inquiries")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices)
    addictions = models.JSONField(default=list, validators=[validate_addictions])
    addiction_other = models.CharField("other addiction", max_length=200, blank=True)
    prior_treatment = models.TextField(max_length=2000, blank=True)
    high_blood_pressure = models.CharField(
        "uncontrolled high blood pressure", max_length=10, choices=Answer.choices
    )
    psychosis_history = models.CharField(max_length=10, choices=Answer.choices)
    pregnancy = models.CharField(max_length=10, choices=Answer.choices)
    prior_ketamine_misuse = models.CharField(max_length=10, choices=Answer.choices)
    crisis_reported = models.BooleanField(
        default=False, help_text="Answered yes to thoughts of self-harm right now."
    )
    is_urgent = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.NEW
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_urgent", "received_at", "id"]
        verbose_name_plural = "inquiries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=InquiryStatus.values), name="inquiry_status_known"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(preferred_contact=ContactMethod.EMAIL, email__gt="")
                    | models.Q(
                        preferred_contact__in=[ContactMethod.PHONE, ContactMethod.TEXT],
                        phone__gt="",
                    )
                ),
                name="inquiry_reachable_by_preferred_method",
            ),
            # A person in crisis is never left in the ordinary queue.
            models.CheckConstraint(
                condition=models.Q(crisis_reported=False) | models.Q(is_urgent=True),
                name="inquiry_crisis_is_urgent",
            ),
            models.CheckConstraint(
                condition=models.Q(patient__isnull=True) | models.Q(converted_at__isnull=False),
                name="inquiry_conversion_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["site", "status", "-is_urgent", "received_at"], name="inquiry_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"Inquiry {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("intake:detail", args=[self.pk])

    def clean(self) -> None:
        if Addiction.OTHER in (self.addictions or []) and not self.addiction_other.strip():
            raise ValidationError({"addiction_other": "Say what 'other' is."})

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def addiction_labels(self) -> list[str]:
        labels = dict(Addiction.choices)
        return [
            f"Other: {self.addiction_other}" if item == Addiction.OTHER else labels[item]
            for item in self.addictions
            if item in labels
        ]

    @property
    def prescreen_yes(self) -> list[str]:
        """The pre-screen questions answered yes, by label, for the queue's flag column."""
        answers = {
            "Uncontrolled high blood pressure": self.high_blood_pressure,
            "Psychosis history": self.psychosis_history,
            "Pregnancy": self.pregnancy,
            "Prior ketamine misuse": self.prior_ketamine_misuse,
        }
        return [label for label, answer in answers.items() if answer == Answer.YES]


class InquiryStatusChange(models.Model):
    """One step in an inquiry's triage, with who did it and why. Never edited."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=InquiryStatus.choices)
    to_status = models.CharField(max_length=20, choices=InquiryStatus.choices)
    note = models.TextField(max_length=2000)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_status=models.F("to_status")),
                name="inquiry_change_changes_status",
            ),
            models.CheckConstraint(condition=~models.Q(note=""), name="inquiry_change_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class InquiryAttempt(models.Model):
    """One public form submission, for the per-address hourly limit.

    Kept in the database so every app server counts the same attempts. Only a keyed
    SHA-256 digest of the address is stored, never the address itself.
    """

    address_digest = models.CharField(max_length=64)
    attempted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["address_digest", "attempted_at"], name="inquiry_attempt_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.address_digest[:8]}… at {self.attempted_at:%Y-%m-%d %H:%M}"

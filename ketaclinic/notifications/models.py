"""Reminders to patients and alerts to staff: each patient's choices, and the outbox.

Every message goes through the outbox (`Notification`). Its `key` names the one event it is
about (an appointment's 24-hour reminder, a patient's check-in on one day), and is unique:
the first worker to insert a key owns that message, so a reminder is never sent twice, even
with two workers, a retried task or two beat processes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"


class NotificationKind(models.TextChoices):
    APPOINTMENT_24H = "appointment_24h", "Appointment reminder, a day before"
    APPOINTMENT_2H = "appointment_2h", "Appointment reminder, two hours before"
    CHECKIN_DAILY = "checkin_daily", "Daily check-in reminder"
    QUESTIONNAIRE_DUE = "questionnaire_due", "Questionnaire due"
    INTEGRATION_OVERDUE = "integration_overdue", "Overdue integration session (staff)"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class ContactPreference(models.Model):
    """How a patient wants to be reminded. No row means the defaults: email on, text off."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="contact_preference"
    )
    email_enabled = models.BooleanField("reminders by email", default=True)
    sms_enabled = models.BooleanField("reminders by text message", default=False)
    opted_out = models.BooleanField("no reminders at all", default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # The patient's own clock time, read in their site's time zone.
    checkin_reminder_time = models.TimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(opted_out=False, opted_out_at__isnull=True)
                | Q(opted_out=True, opted_out_at__isnull=False),
                name="contact_pref_opt_out_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"reminder choices of patient {self.patient_id}"


class Notification(models.Model):
    """One message to one address on one channel; sent at most once."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A message goes to a patient or to a staff member, never both or neither.
            models.CheckConstraint(
                condition=Q(patient__isnull=False, staff_user__isnull=True)
                | Q(patient__isnull=True, staff_user__isnull=False),
                name="notification_one_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values)
                & Q(channel__in=Channel.values)
                & Q(status__in=NotificationStatus.values),
                name="notification_choices_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="notification_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} ({self.status})"

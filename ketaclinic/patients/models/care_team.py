"""Who looks after the patient: the clinic's physician and therapist, and outside contacts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class CareTeam(models.Model):
    """The patient's physician and therapist of record, staff at the patient's site."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="care_team"
    )
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"care team of patient {self.patient_id}"


class ContactRole(models.TextChoices):
    REFERRING_PROVIDER = "referring_provider", "Referring provider"
    PRIMARY_CARE = "primary_care", "Primary care"


class PatientContact(models.Model):
    """A clinician outside the clinic: the referring provider or primary care (one each)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="contacts"
    )
    role = models.CharField(max_length=20, choices=ContactRole.choices)
    name = models.CharField(max_length=120, blank=True)
    organisation = models.CharField(max_length=160, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    note = models.TextField(max_length=1000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "role"], name="one_contact_per_role"),
            models.CheckConstraint(
                condition=models.Q(role__in=ContactRole.values), name="contact_role_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(name="") | ~models.Q(organisation=""),
                name="contact_has_name_or_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name or self.organisation}"

    def clean(self) -> None:
        if not self.name.strip() and not self.organisation.strip():
            raise ValidationError({"name": "Enter a name, an organisation or both."})

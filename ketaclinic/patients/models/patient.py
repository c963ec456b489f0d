from __future__ import annotations

from django.db import models
from django.urls import reverse


class Sex(models.TextChoices):
    """Sex recorded for clinical rules that differ by sex (AUDIT-C cut-off, heavy-use days)."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Unknown"


class PatientQuerySet(models.QuerySet["Patient"]):
    def at_sites(self, site_ids: frozenset[int]) -> PatientQuerySet:
        return self.filter(site_id__in=site_ids)


class Patient(models.Model):
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=32)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "mrn"], name="unique_mrn_per_site"),
        ]
        indexes = [
            models.Index(fields=["site", "last_name", "first_name"], name="patient_site_name"),
            models.Index(fields=["site", "date_of_birth"], name="patient_site_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    def get_absolute_url(self) -> str:
        return reverse("patients:chart", args=[self.pk])

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

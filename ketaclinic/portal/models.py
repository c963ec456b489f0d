"""A patient's own login: a User without staff roles or sites, linked to exactly one Patient.

Staff permissions come from roles (accounts/roles.py), and a patient account holds none, so
every staff page and endpoint already refuses it; the portal pages check this link instead.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class AccountStatus(models.TextChoices):
    INVITED = "invited", "Invited, password not chosen yet"
    ACTIVE = "active", "Active"
    DISABLED = "disabled", "Disabled"


class PatientAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient_account"
    )
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_account"
    )
    invited_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    disabled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-invited_at"]
        constraints = [
            # A login is never switched off anonymously or without a reason.
            models.CheckConstraint(
                condition=Q(disabled_at__isnull=True)
                | (Q(disabled_by__isnull=False) & ~Q(disabled_reason="")),
                name="portal_disabled_with_actor_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(activated_at__isnull=True) | Q(activated_at__gte=F("invited_at")),
                name="portal_activated_after_invited",
            ),
        ]

    def __str__(self) -> str:
        return f"Portal account of patient {self.patient_id}"

    @property
    def is_usable(self) -> bool:
        return self.activated_at is not None and self.disabled_at is None

    @property
    def status(self) -> AccountStatus:
        if self.disabled_at is not None:
            return AccountStatus.DISABLED
        if self.activated_at is not None:
            return AccountStatus.ACTIVE
        return AccountStatus.INVITED

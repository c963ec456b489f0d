"""The pre-infusion checklist of DOMAIN.md section 2, as data.

Entries are append-only: recording an item again adds a row, and the latest row per item is
the one that counts. Every row says who recorded it and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChecklistItem(models.TextChoices):
    # The items and their wording follow DOMAIN.md section 2, "Pre-infusion checklist".
    IDENTITY = "identity", "Identity and session number confirmed"
    WEIGHT_DOSE = "weight_dose", "Current weight and computed dose checked by a second clinician"
    BASELINE_VITALS = "baseline_vitals", "Baseline BP, HR, SpO2 and RR within the start limits"
    CO_MEDICATION = "co_medication", "Sedating or pressor co-medication reviewed"
    ENTRY_CONDITION = "entry_condition", "Hours since last use meet the entry condition"
    SUICIDE_RISK = "suicide_risk", "Suicide-risk screen (C-SSRS) and mental status done"
    PREGNANCY = "pregnancy", "Pregnancy status checked"
    FASTING = "fasting", "Fasting as the clinic requires"
    ESCORT = "escort", "Escort home arranged and no-driving advice given"
    EQUIPMENT = "equipment", "Monitoring and resuscitation equipment ready, prescriber on site"
    CONSENT = "consent", "Valid treatment consent and risk-benefit note on file"


class ChecklistEntry(models.Model):
    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, related_name="checklist_entries"
    )
    item = models.CharField(max_length=20, choices=ChecklistItem.choices)
    # True: checked and fine to proceed. False: checked and NOT fine (blocks the start).
    confirmed = models.BooleanField()
    # Only for the entry condition: hours since the last alcohol or drug use.
    hours_since_last_use = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["infusion", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(item__in=ChecklistItem.values), name="checklist_item_known"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_since_last_use__isnull=True)
                | models.Q(item="entry_condition"),
                name="checklist_hours_only_for_entry_condition",
            ),
        ]
        indexes = [models.Index(fields=["infusion", "item", "recorded_at"], name="checklist_item")]

    def __str__(self) -> str:
        return f"{self.item}: {'yes' if self.confirmed else 'no'}"

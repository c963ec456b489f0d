"""The controlled-substance ledger: one immutable table of signed entries per lot and location.

Quantities are milligrams, positive into a location and negative out of it. A Balance row per
(lot, location) is kept in the same transaction as each entry and can never go negative; it
always equals the sum of that lot's entries at that location.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.inventory.models.immutable import AppendOnlyModel, AppendOnlyQuerySet
from ketaclinic.inventory.models.stock import Lot, StorageLocation

ZERO = Decimal("0")


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADMINISTRATION = "administration", "Administration"
    WASTE = "waste", "Waste"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    DESTRUCTION = "destruction", "Return or destruction"
    THEFT_LOSS = "theft_loss", "Theft or loss"
    ADJUSTMENT = "adjustment", "Reversing adjustment"


INTO = (EntryKind.RECEIPT, EntryKind.TRANSFER_IN)
OUT_OF = (
    EntryKind.ADMINISTRATION,
    EntryKind.WASTE,
    EntryKind.TRANSFER_OUT,
    EntryKind.DESTRUCTION,
    EntryKind.THEFT_LOSS,
)


def _blank(field: str) -> Q:
    return Q(**{field: ""})


class LedgerEntry(AppendOnlyModel):
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="entries")
    quantity_mg = models.DecimalField(max_digits=12, decimal_places=3)
    quantity_ml = models.DecimalField(max_digits=12, decimal_places=3)
    containers = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    # Receipt (21 CFR 1304.22(c)): supplier, DEA number, invoice.
    supplier_name = models.CharField(max_length=160, blank=True)
    supplier_address = models.CharField(max_length=300, blank=True)
    supplier_dea_number = models.CharField(max_length=20, blank=True)
    invoice_number = models.CharField(max_length=60, blank=True)
    # Administration, and waste of the remainder of an infusion's draw.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    infusion = models.ForeignKey(
        "infusions.Infusion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Waste and destruction.
    method = models.CharField(max_length=120, blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    form41_reference = models.CharField("DEA Form 41 reference", max_length=60, blank=True)
    # Theft or significant loss.
    discovered_at = models.DateTimeField(null=True, blank=True)
    form106_reference = models.CharField("DEA Form 106 reference", max_length=60, blank=True)
    # Transfer: the other half of the pair (set on transfer_in).
    counterpart = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="counterpart_of"
    )
    # Adjustment: the entry this reverses, and why.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = AppendOnlyQuerySet["LedgerEntry"].as_manager()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["site", "occurred_at"], name="ledger_site_time"),
            models.Index(fields=["lot", "location", "occurred_at"], name="ledger_lot_location"),
            models.Index(fields=["patient", "occurred_at"], name="ledger_patient_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="ledger_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=INTO, quantity_mg__gt=0)
                | Q(kind__in=OUT_OF, quantity_mg__lt=0)
                | (Q(kind=EntryKind.ADJUSTMENT) & ~Q(quantity_mg=0)),
                name="ledger_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.ADMINISTRATION)
                | Q(infusion__isnull=False, patient__isnull=False),
                name="ledger_administration_has_infusion",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.RECEIPT)
                | ~(
                    _blank("supplier_name")
                    | _blank("supplier_dea_number")
                    | _blank("invoice_number")
                ),
                name="ledger_receipt_has_supplier",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.WASTE) | ~_blank("method"),
                name="ledger_waste_has_method",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.DESTRUCTION) | ~_blank("form41_reference"),
                name="ledger_destruction_has_form41",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.THEFT_LOSS) | Q(discovered_at__isnull=False),
                name="ledger_loss_has_discovery",
            ),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.ADJUSTMENT, reverses__isnull=False) & ~_blank("reason")
                | (~Q(kind=EntryKind.ADJUSTMENT) & Q(reverses__isnull=True)),
                name="ledger_adjustment_reverses_with_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.TRANSFER_IN) | Q(counterpart__isnull=False),
                name="ledger_transfer_in_has_counterpart",
            ),
            models.CheckConstraint(
                condition=Q(witness__isnull=True) | ~Q(witness=models.F("actor")),
                name="ledger_witness_is_another_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity_mg} mg (entry {self.pk})"


class Balance(models.Model):
    """The running balance of one lot at one location; updated only by the ledger service."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="balances")
    quantity_mg = models.DecimalField(max_digits=12, decimal_places=3, default=ZERO)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["location", "lot"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "location"], name="one_balance_per_lot_location"
            ),
            models.CheckConstraint(condition=Q(quantity_mg__gte=0), name="balance_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_mg} mg of lot {self.lot_id} at {self.location_id}"

    def containers(self) -> tuple[int, Decimal]:
        """(sealed containers, mg left in an opened container): a draw empties one container
        before the next is opened, so any remainder is one opened container."""
        container_mg = self.lot.product.container_mg
        sealed = int(self.quantity_mg // container_mg)
        return sealed, self.quantity_mg - sealed * container_mg


class LossFiling(AppendOnlyModel):
    """The DEA Form 106 filed after a theft or loss entry (within 45 days of discovery)."""

    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="filing")
    form106_reference = models.CharField("DEA Form 106 reference", max_length=60)
    filed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    objects = AppendOnlyQuerySet["LossFiling"].as_manager()

    def __str__(self) -> str:
        return f"Form 106 {self.form106_reference}"

"""What the register counts: DEA registrations, products, lots, storage locations, settings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Registrant(models.Model):
    """A site's DEA registration; reports are per registrant (21 CFR 1304.04). A renewal keeps
    the DEA number: it is a new row (the old one kept, inactive), so the number is unique
    among active registrations only."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=160)
    dea_number = models.CharField("DEA number", max_length=20)
    expires_on = models.DateField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "dea_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(is_active=True), name="one_active_registrant"
            ),
            models.UniqueConstraint(
                fields=["dea_number"],
                condition=models.Q(is_active=True),
                name="active_dea_number_unique",
                violation_error_message="Another site's active registration has this DEA "
                "number: check the number on the certificate.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.dea_number})"


class Product(models.Model):
    """A ketamine presentation, e.g. 'Ketamine HCl 50 mg/mL, 10 mL vial'."""

    name = models.CharField(max_length=160)
    dosage_form = models.CharField(max_length=60, default="injectable solution")
    ndc = models.CharField("NDC", max_length=20, unique=True)
    concentration_mg_per_ml = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    container_volume_ml = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(concentration_mg_per_ml__gt=0, container_volume_ml__gt=0),
                name="product_quantities_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def container_mg(self) -> Decimal:
        return self.concentration_mg_per_ml * self.container_volume_ml


class Lot(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()

    class Meta:
        ordering = ["expires_on", "lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "lot_number"], name="unique_lot_number"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_number} (exp {self.expires_on:%Y-%m-%d})"


class LocationKind(models.TextChoices):
    SAFE = "safe", "Safe"
    CART = "cart", "Cart"


class StorageLocation(models.Model):
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=LocationKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="unique_location_name"),
            models.CheckConstraint(
                condition=models.Q(kind__in=LocationKind.values), name="location_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InventorySettings(models.Model):
    """Per-site register rules. Federal text does not require a waste witness; states and
    clinics do (DOMAIN.md section 5), so it is on by default."""

    site = models.OneToOneField(
        "accounts.Site", on_delete=models.PROTECT, related_name="inventory_settings"
    )
    waste_witness_required = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "inventory settings"

    def __str__(self) -> str:
        return f"inventory settings of site {self.site_id}"

"""Counts and inventories by two people, and the discrepancies they reveal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.inventory.models.immutable import AppendOnlyModel, AppendOnlyQuerySet
from ketaclinic.inventory.models.ledger import LedgerEntry
from ketaclinic.inventory.models.stock import Lot, StorageLocation


class CountKind(models.TextChoices):
    SHIFT = "shift", "Shift count"
    DAILY = "daily", "Daily count"
    INITIAL = "initial", "Initial inventory"
    BIENNIAL = "biennial", "Biennial inventory"


INVENTORY_KINDS = (CountKind.INITIAL, CountKind.BIENNIAL)


class CountTiming(models.TextChoices):
    OPEN = "open", "Opening of business"
    CLOSE = "close", "Close of business"


class Count(AppendOnlyModel):
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=CountKind.choices)
    timing = models.CharField(max_length=6, choices=CountTiming.choices, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_counter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField()
    recorded_at = models.DateTimeField()

    objects = AppendOnlyQuerySet["Count"].as_manager()

    class Meta:
        ordering = ["-counted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(second_counter=models.F("counted_by")),
                name="count_by_two_people",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=INVENTORY_KINDS) | ~Q(timing=""),
                name="inventory_states_open_or_close",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} count {self.pk}"


class CountLine(AppendOnlyModel):
    """One lot at one location: sealed containers counted exactly, opened ones estimated."""

    count = models.ForeignKey(Count, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="+")
    sealed_containers = models.PositiveIntegerField()
    opened_mg = models.DecimalField(max_digits=12, decimal_places=3)
    counted_mg = models.DecimalField(max_digits=12, decimal_places=3)
    expected_mg = models.DecimalField(max_digits=12, decimal_places=3)

    objects = AppendOnlyQuerySet["CountLine"].as_manager()

    class Meta:
        ordering = ["count", "location", "lot"]
        constraints = [
            models.UniqueConstraint(fields=["count", "lot", "location"], name="one_line_per_lot"),
            models.CheckConstraint(condition=Q(opened_mg__gte=0), name="opened_mg_not_negative"),
        ]

    def __str__(self) -> str:
        return f"count line {self.pk}"

    @property
    def difference_mg(self) -> object:
        return self.counted_mg - self.expected_mg


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class ResolutionKind(models.TextChoices):
    """How compliance explains a discrepancy (see `discrepancy_resolve`)."""

    COUNTING_ERROR = "counting_error", "Counting error: a recount agrees with the register"
    THEFT_LOSS = "theft_loss", "Theft or significant loss, recorded in the register"
    CORRECTION = "correction", "A wrong entry, corrected by a reversing entry"


ENTRY_RESOLUTIONS = (ResolutionKind.THEFT_LOSS, ResolutionKind.CORRECTION)


class Discrepancy(models.Model):
    """A count that differs from the balance; routed to the compliance officer.

    Resolved as a counting error (a later count by two people agrees: `recount`), a theft or
    loss (the loss entry it created: `resolving_entry`) or a wrong entry (the reversing entry
    it recorded: `resolving_entry`).
    """

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    line = models.OneToOneField(CountLine, on_delete=models.PROTECT, related_name="discrepancy")
    difference_mg = models.DecimalField(max_digits=12, decimal_places=3)
    status = models.CharField(
        max_length=10, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    opened_at = models.DateTimeField()
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_as = models.CharField(max_length=16, choices=ResolutionKind.choices, blank=True)
    resolving_entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolved_discrepancy",
    )
    recount = models.ForeignKey(
        CountLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(condition=~Q(difference_mg=0), name="discrepancy_differs"),
            models.CheckConstraint(
                condition=Q(status=DiscrepancyStatus.OPEN, resolved_at__isnull=True)
                | Q(
                    status=DiscrepancyStatus.RESOLVED,
                    resolved_at__isnull=False,
                    resolved_by__isnull=False,
                )
                & ~Q(resolution=""),
                name="discrepancy_resolution_complete",
            ),
            models.CheckConstraint(
                condition=Q(
                    status=DiscrepancyStatus.OPEN,
                    resolved_as="",
                    resolving_entry__isnull=True,
                    recount__isnull=True,
                )
                | Q(
                    status=DiscrepancyStatus.RESOLVED,
                    resolved_as__in=ENTRY_RESOLUTIONS,
                    resolving_entry__isnull=False,
                )
                | Q(
                    status=DiscrepancyStatus.RESOLVED,
                    resolved_as=ResolutionKind.COUNTING_ERROR,
                    resolving_entry__isnull=True,
                ),
                name="discrepancy_resolved_how",
            ),
        ]
        indexes = [models.Index(fields=["site", "status"], name="discrepancy_site_status")]

    def __str__(self) -> str:
        return f"discrepancy {self.pk} ({self.status})"

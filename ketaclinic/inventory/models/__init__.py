"""The controlled-substance register (DEA Schedule III ketamine; DOMAIN.md section 5)."""

from ketaclinic.inventory.models.counts import (
    INVENTORY_KINDS,
    Count,
    CountKind,
    CountLine,
    CountTiming,
    Discrepancy,
    DiscrepancyStatus,
    ResolutionKind,
)
from ketaclinic.inventory.models.immutable import RegisterImmutableError
from ketaclinic.inventory.models.ledger import (
    INTO,
    OUT_OF,
    ZERO,
    Balance,
    EntryKind,
    LedgerEntry,
    LossFiling,
)
from ketaclinic.inventory.models.stock import (
    InventorySettings,
    LocationKind,
    Lot,
    Product,
    Registrant,
    StorageLocation,
)

__all__ = [
    "INTO",
    "INVENTORY_KINDS",
    "OUT_OF",
    "ZERO",
    "Balance",
    "Count",
    "CountKind",
    "CountLine",
    "CountTiming",
    "Discrepancy",
    "DiscrepancyStatus",
    "EntryKind",
    "InventorySettings",
    "LedgerEntry",
    "LocationKind",
    "LossFiling",
    "Lot",
    "Product",
    "RegisterImmutableError",
    "Registrant",
    "ResolutionKind",
    "StorageLocation",
]

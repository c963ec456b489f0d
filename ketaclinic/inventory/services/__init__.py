"""Every write of the controlled-substance register, split by workflow."""

from ketaclinic.inventory.services.administration import (
    DoseDraw,
    Waste,
    infusion_dose_draw,
    waste_record,
)
from ketaclinic.inventory.services.counts import (
    CountLineIn,
    SecondCounter,
    count_record,
    discrepancy_resolve,
)
from ketaclinic.inventory.services.losses import loss_deadlines, loss_filing_record
from ketaclinic.inventory.services.movements import (
    destruction_record,
    entry_reverse,
    loss_record,
    transfer_record,
)
from ketaclinic.inventory.services.receipts import LotIn, Supplier, receipt_record
from ketaclinic.inventory.services.stock import (
    location_create,
    product_create,
    registrant_record,
    settings_update,
)

__all__ = [
    "CountLineIn",
    "DoseDraw",
    "LotIn",
    "SecondCounter",
    "Supplier",
    "Waste",
    "count_record",
    "destruction_record",
    "discrepancy_resolve",
    "entry_reverse",
    "infusion_dose_draw",
    "location_create",
    "loss_deadlines",
    "loss_filing_record",
    "loss_record",
    "product_create",
    "receipt_record",
    "registrant_record",
    "settings_update",
    "transfer_record",
    "waste_record",
]

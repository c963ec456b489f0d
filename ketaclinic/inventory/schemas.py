"""API shapes of the register."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from ketaclinic.core.api import StrictSchema


class BalanceOut(Schema):
    lot_id: int
    lot_number: str
    product: str
    expires_on: dt.date
    location_id: int
    location: str
    quantity_mg: Decimal


class EntryOut(Schema):
    id: int
    kind: str
    lot_id: int
    location_id: int
    quantity_mg: Decimal
    quantity_ml: Decimal
    actor_id: int
    witness_id: int | None
    patient_id: int | None
    infusion_id: int | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    reverses_id: int | None
    reason: str


class EntryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EntryOut]


class ReportOut(Schema):
    title: str
    header: list[str]
    rows: list[list[str]]


class ReceiptIn(StrictSchema):
    product_id: int
    lot_number: str
    expires_on: dt.date
    location_id: int
    containers: int
    supplier_name: str
    supplier_address: str
    supplier_dea_number: str
    invoice_number: str
    received_at: dt.datetime


class CountLineSchema(StrictSchema):
    lot_id: int
    location_id: int
    sealed_containers: int
    opened_mg: Decimal = Decimal(0)


class CountIn(StrictSchema):
    kind: str
    timing: str = ""
    second_counter_id: int
    second_counter_password: str
    counted_at: dt.datetime
    lines: list[CountLineSchema]


class CountOut(Schema):
    id: int
    kind: str
    discrepancies: int

"""API shapes for check-ins, timeline follow-back and per-patient outcomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from ketaclinic.core.api import StrictSchema


class CheckinEntryIn(StrictSchema):
    target_id: int
    used: bool
    quantity: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    craving: int | None = Field(None, ge=0, le=10)
    mood: int | None = Field(None, ge=1, le=5)
    triggers: list[str] = Field(default_factory=list, max_length=20)
    trigger_note: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)


class CheckinIn(StrictSchema):
    entries: list[CheckinEntryIn] = Field(..., min_length=1, max_length=20)


class DailyRecordOut(Schema):
    id: int
    target_id: int
    day: dt.date
    source: str
    used: bool
    quantity: Decimal | None
    unit: str
    craving: int | None
    mood: int | None
    triggers: list[str]
    trigger_note: str
    note: str
    recall_lag_days: int
    recorded_at: dt.datetime
    updated_at: dt.datetime


class DailyRecordPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DailyRecordOut]


class StreakOut(Schema):
    target_id: int
    abstinent_days_in_a_row: int
    last_use_day: dt.date | None
    days_since_last_use: int | None


class PortalCheckinsOut(Schema):
    day: dt.date
    checked_in_today: bool
    streaks: list[StreakOut]
    items: list[DailyRecordOut]


class FollowbackEntryIn(StrictSchema):
    day: dt.date
    used: bool
    quantity: Decimal | None = Field(
        None, ge=0, max_digits=8, decimal_places=2, description="Interview only; 0 = abstinent."
    )
    note: str = Field("", max_length=2000)


class FollowbackIn(StrictSchema):
    target_id: int
    source: str = Field(..., description="interview, breathalyser, urine_test or etg")
    entries: list[FollowbackEntryIn] = Field(..., min_length=1, max_length=366)


class FollowbackDayOut(Schema):
    day: dt.date
    status: str = Field(..., description="abstinent, used, unknown or conflict")
    records: list[DailyRecordOut]


class FollowbackOut(Schema):
    target_id: int
    start: dt.date
    end: dt.date
    days: list[FollowbackDayOut]


class OutcomeOut(Schema):
    target_id: int
    target_kind: str
    rule: str | None
    start_day: dt.date | None
    last_observed_day: dt.date | None
    days_observed: int
    days_abstinent: int
    days_used: int
    heavy_days: int
    percent_days_abstinent: Decimal | None
    first_lapse_day: dt.date | None
    days_to_first_lapse: int | None
    relapse_day: dt.date | None
    days_to_relapse: int | None
    dropped_out: bool
    computed_at: dt.datetime


class OutcomesOut(Schema):
    patient_id: int
    items: list[OutcomeOut]

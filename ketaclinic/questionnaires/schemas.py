from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from ketaclinic.core.api import StrictSchema


class ScoreIn(StrictSchema):
    answers: dict[str, int] = Field(
        description="Answer value per item id (for example phq9_1); item numbers ('1') work too."
    )
    sex: str | None = Field(
        None, description="The patient's sex, for sex-specific cut-offs (AUDIT-C): male, female."
    )
    context: dict[str, str] | None = Field(
        None, description="Other facts a cut-off depends on, for example {'sex': 'female'}."
    )


class OptionOut(Schema):
    value: int
    label: str


class ItemOut(Schema):
    id: str
    number: int
    text: str
    required: bool
    options: list[OptionOut]
    show_if: dict[str, Any] | None = None


class InstrumentSummaryOut(Schema):
    code: str
    version: str
    title: str
    item_count: int
    loinc_panel: str | None
    loinc_total: str | None


class InstrumentOut(InstrumentSummaryOut):
    description: str
    citation: str
    licence_note: str
    scoring_method: str
    items: list[ItemOut]
    bands: list[dict[str, Any]]
    subscales: list[dict[str, Any]]

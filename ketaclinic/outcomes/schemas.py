"""API shapes of the cohort summary: aggregates only, never a patient."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ketaclinic.outcomes.queries import GroupBy


class CohortParams(Schema):
    sites: list[int] = Field(default_factory=list, description="Site ids; default: all yours.")
    protocol: str = Field("", description="Protocol template code, e.g. kare-2022.")
    target: str = Field("", description="Addiction target code, e.g. alcohol.")
    enrolled_from: dt.date | None = Field(None, description="Course enrolled on or after.")
    enrolled_to: dt.date | None = Field(None, description="Course enrolled on or before.")
    group_by: str = Field(GroupBy.NONE, description="none, protocol, site, target or mystical.")
    dropout_as_relapse: bool = Field(False, description="Sensitivity: dropout counts as relapse.")


class KmPointOut(Schema):
    time_days: float
    survival: float
    ci_lower: float
    ci_upper: float
    at_risk: int
    events: int
    censored: int


class RelapseAtOut(Schema):
    days: int
    proportion: float | None
    ci_lower: float | None
    ci_upper: float | None
    at_risk: int
    note: str


class GroupOut(Schema):
    label: str
    n_subjects: int
    n_events: int
    median_days: float | None
    points: list[KmPointOut]
    relapse_at: list[RelapseAtOut]


class CoxRowOut(Schema):
    covariate: str
    label: str
    per: float
    hazard_ratio: float
    ci_lower: float
    ci_upper: float
    p_value: float
    reading: str


class CoxOut(Schema):
    n_subjects: int
    n_events: int
    n_excluded: int
    concordance: float
    rows: list[CoxRowOut]
    warnings: list[str]
    caution: str


class BaselineOut(Schema):
    key: str
    label: str
    figure: str
    measures: str
    horizon_months: int
    definition: str


class CohortSummaryOut(Schema):
    n_subjects: int | None = Field(description="null: fewer than min_cell, not shown to you.")
    n_events: int | None
    group_by: str
    dropout_as_relapse: bool
    min_cell: int
    suppressed_groups: list[str]
    groups: list[GroupOut]
    cox: CoxOut | None
    cox_message: str
    baselines: list[BaselineOut]

"""Cohort analytics (issue 7 item 6): relapse-free survival, relapse at 3, 6 and 12 months
beside the literature, percent days abstinent by month, a Cox model and craving before and
after infusions, for the user's sites.

Three queries whatever the number of patients (subjects, monthly abstinence, craving), plus
the audit row; the statistics run on one row per subject (`survival.py`).

Small cells: a user whose role cannot see patient records (the researcher) gets no group of
fewer than `MIN_CELL` patients: such a group is named as suppressed and left out of the
curves, tables and charts (the CMS cell-size suppression policy, counts 1 to 10), and the
next smallest groups are suppressed with it until the hidden ones hold `MIN_CELL` patients
together, so that no small group can be worked out from the total. Clinicians
and compliance see every group; they may see the patients themselves anyway.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.outcomes import queries
from ketaclinic.outcomes.baselines import BASELINES, Baseline
from ketaclinic.outcomes.charts import PdaSeries
from ketaclinic.outcomes.deidentify import age_on
from ketaclinic.outcomes.queries import (
    MONTH_DAYS,
    MYSTICAL_NO,
    MYSTICAL_NONE,
    MYSTICAL_YES,
    PDA_BEFORE,
    TARGET_TYPE,
    CohortFilters,
    GroupBy,
)
from ketaclinic.outcomes.survival import (
    COVARIATES,
    RELAPSE_HORIZONS_DAYS,
    CoxResult,
    CravingSummary,
    KmCurve,
    NotEnoughData,
    RelapseAt,
    SubjectTime,
    cox_model,
    craving_before_after,
    kaplan_meier,
    percent_days_abstinent,
    relapse_at,
)
from ketaclinic.patients.models import Sex, Target

MIN_CELL = 11
NO_COURSE = "No treatment course"
ALL_PATIENTS = "All patients"
_MYSTICAL_LABELS = {
    MYSTICAL_YES: "Complete mystical experience",
    MYSTICAL_NO: "Not a complete mystical experience",
    MYSTICAL_NONE: "No MEQ-30 recorded",
}


@dataclass(frozen=True)
class GroupResult:
    key: str
    label: str
    curve: KmCurve
    relapse_at: tuple[RelapseAt, ...]  # at RELAPSE_HORIZONS_DAYS


@dataclass(frozen=True)
class CravingRow:
    label: str
    summary: CravingSummary | None
    message: str  # why there is no summary, or ""


@dataclass(frozen=True)
class CohortAnalytics:
    filters: CohortFilters
    n_subjects: int
    n_events: int
    subjects: tuple[SubjectTime, ...]
    groups: tuple[GroupResult, ...]
    suppressed: tuple[str, ...]  # labels of groups below MIN_CELL, not shown
    cox: CoxResult | None
    cox_message: str
    pda_months: tuple[str, ...]
    pda_series: tuple[PdaSeries, ...]
    craving: tuple[CravingRow, ...]
    baselines: tuple[Baseline, ...] = BASELINES
    horizons_days: tuple[int, ...] = RELAPSE_HORIZONS_DAYS
    min_cell: int = MIN_CELL
    small_cells_hidden: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def curves(self) -> list[KmCurve]:
        return [g.curve for g in self.groups]

    @property
    def craving_summaries(self) -> list[tuple[str, CravingSummary]]:
        return [(c.label, c.summary) for c in self.craving if c.summary is not None]


def cohort_analytics(*, user: User, filters: CohortFilters) -> CohortAnalytics:
    """The analytics for the subjects at the user's sites matching `filters` (audited)."""
    require_perm(
        user=user,
        perm=Perm.OUTCOMES_VIEW,
        target_type=TARGET_TYPE,
        message="Your role does not allow cohort outcomes. Ask a physician, compliance officer "
        "or researcher.",
    )
    rows = queries.subjects(site_ids=user.site_ids, filters=filters)
    labels = _labels(filters.group_by, rows)
    subject_times = [_subject_time(row, labels, filters.group_by) for row in rows]
    by_key: dict[str, list[SubjectTime]] = defaultdict(list)
    targets: dict[str, list[int]] = defaultdict(list)
    for row, subject in zip(rows, subject_times, strict=True):
        key = queries.group_key(row, filters.group_by)
        by_key[key].append(subject)
        targets[key].append(row["target_id"])
    hide_small = not user.has_role_perm(Perm.PATIENT_VIEW)
    shown = _shown_groups(by_key) if hide_small else set(by_key)
    groups = _groups(by_key, shown, labels, filters.dropout_as_relapse)
    cox, cox_message = _cox(subject_times if shown else [], filters.dropout_as_relapse)
    scope = queries.target_scope(site_ids=user.site_ids, filters=filters, rows=rows)
    months, series = _pda(targets, shown, labels, filters.group_by, scope)
    craving = _craving(targets, shown, labels, scope)
    n_events = sum(s.event(dropout_as_relapse=filters.dropout_as_relapse) for s in subject_times)
    audit_record(
        actor=user,
        action=Action.READ,
        target_type=TARGET_TYPE,
        detail=f"n={len(rows)} {filters.describe()}",
    )
    return CohortAnalytics(
        filters=filters,
        n_subjects=len(rows),
        n_events=n_events,
        subjects=tuple(subject_times),
        groups=groups,
        suppressed=tuple(sorted(labels[k] for k in by_key if k not in shown)),
        cox=cox,
        cox_message=cox_message,
        pda_months=months,
        pda_series=series,
        craving=craving,
        small_cells_hidden=hide_small,
    )


def _shown_groups(by_key: Mapping[str, Sequence[SubjectTime]]) -> set[str]:
    """The groups a user without patient access may see: none under `MIN_CELL`, and, when
    some are hidden, enough of the next smallest hidden with them that the hidden groups
    hold at least `MIN_CELL` together (complementary suppression). Otherwise the total
    minus the groups shown would reveal a small group's count and relapses."""
    hidden = {k for k, group in by_key.items() if len(group) < MIN_CELL}
    if not hidden:
        return set(by_key)
    rest = sorted((k for k in by_key if k not in hidden), key=lambda k: (len(by_key[k]), k))
    hidden_count = sum(len(by_key[k]) for k in hidden)
    while hidden_count < MIN_CELL and rest:
        key = rest.pop(0)
        hidden.add(key)
        hidden_count += len(by_key[key])
    return set(by_key) - hidden


def _labels(group_by: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    keys = {queries.group_key(row, group_by) for row in rows}
    if group_by == GroupBy.SITE:
        return {str(row["site_id"]): str(row["site__name"]) for row in rows}
    if group_by == GroupBy.PROTOCOL:
        return {k: k or NO_COURSE for k in keys}
    if group_by == GroupBy.TARGET:
        return {k: str(Target(k).label) for k in keys}
    if group_by == GroupBy.MYSTICAL:
        return {k: _MYSTICAL_LABELS[k] for k in keys}
    return dict.fromkeys(keys, ALL_PATIENTS)


def _subject_time(row: Mapping[str, Any], labels: Mapping[str, str], group_by: str) -> SubjectTime:
    start: dt.date = row["start_day"]
    end: dt.date = row["relapse_day"] or row["last_observed_day"]
    return SubjectTime(
        duration_days=float(max((end - start).days, 0)),
        relapsed=row["relapse_day"] is not None,
        group=labels[queries.group_key(row, group_by)],
        dropped_out=bool(row["dropped_out"]),
        covariates=covariates(row),
    )


def covariates(row: Mapping[str, Any]) -> dict[str, float]:
    """The Cox covariates of one subject row; a missing value is left out (complete-case)."""
    values: dict[str, float] = {
        "infusions": float(row["signed_infusions"]),
        "age": float(age_on(row["patient__date_of_birth"], row["start_day"])),
    }
    if row["has_meq30"]:
        values["complete_mystical"] = 1.0 if row["complete_mystical"] else 0.0
        if row["meq30_pct"] is not None:
            values["meq30_total"] = float(row["meq30_pct"])
    if row["dose_mg_per_kg"] is not None:
        values["dose_mg_per_kg"] = float(row["dose_mg_per_kg"])
    if row["signed_infusions"]:
        values["integration_adherence"] = (
            100.0 * row["integrations_on_time"] / row["signed_infusions"]
        )
    # Sex is binary in the model; intersex and unknown are left out of it.
    if row["patient__sex"] in (Sex.FEMALE, Sex.MALE):
        values["sex_female"] = 1.0 if row["patient__sex"] == Sex.FEMALE else 0.0
    return values


def _groups(
    by_key: Mapping[str, list[SubjectTime]],
    shown: set[str],
    labels: Mapping[str, str],
    dropout_as_relapse: bool,
) -> tuple[GroupResult, ...]:
    visible = [s for k in shown for s in by_key[k]]
    curves = {c.group: c for c in kaplan_meier(visible, dropout_as_relapse=dropout_as_relapse)}
    return tuple(
        GroupResult(
            key=key,
            label=labels[key],
            curve=curves[labels[key]],
            relapse_at=tuple(relapse_at(curves[labels[key]], d) for d in RELAPSE_HORIZONS_DAYS),
        )
        for key in sorted(shown, key=lambda k: labels[k])
    )


def _cox(subjects: Sequence[SubjectTime], dropout_as_relapse: bool) -> tuple[CoxResult | None, str]:
    try:
        return cox_model(subjects, list(COVARIATES), dropout_as_relapse=dropout_as_relapse), ""
    except NotEnoughData as error:
        return None, str(error)


def _month_label(bucket: int) -> str:
    if bucket == PDA_BEFORE:
        return f"Before (days -{MONTH_DAYS} to -1)"
    return f"Month {bucket + 1}"


def _pda(
    targets: Mapping[str, list[int]],
    shown: set[str],
    labels: Mapping[str, str],
    group_by: str,
    scope: Q,
) -> tuple[tuple[str, ...], tuple[PdaSeries, ...]]:
    counted = queries.pda_counts(targets, group_by=group_by, scope=scope) if shown else []
    cells = [c for c in counted if c["grp"] in shown]
    buckets = sorted({c["bucket"] for c in cells})
    counts: dict[tuple[str, int], tuple[int, int]] = {
        (c["grp"], c["bucket"]): (c["observed"], c["used"]) for c in cells
    }

    def percent(key: str, bucket: int) -> float | None:
        observed, used = counts.get((key, bucket), (0, 0))
        return percent_days_abstinent(observed - used, observed)

    series = tuple(
        PdaSeries(labels[key], tuple(percent(key, b) for b in buckets))
        for key in sorted(shown, key=lambda k: labels[k])
    )
    return tuple(_month_label(b) for b in buckets), series


def _craving(
    targets: Mapping[str, list[int]], shown: set[str], labels: Mapping[str, str], scope: Q
) -> tuple[CravingRow, ...]:
    key_of_target = {t: key for key, ids in targets.items() for t in ids}
    pairs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in queries.craving_means(scope) if shown else []:
        if row["before"] is not None and row["after"] is not None:
            pairs[key_of_target[row["target_id"]]].append((row["before"], row["after"]))
    result = []
    for key in sorted(shown, key=lambda k: labels[k]):
        try:
            result.append(CravingRow(labels[key], craving_before_after(pairs[key]), ""))
        except NotEnoughData as error:
            result.append(CravingRow(labels[key], None, str(error)))
    return tuple(result)

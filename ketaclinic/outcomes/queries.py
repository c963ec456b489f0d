"""The SQL behind the cohort analytics and the research export: one row per subject.

A subject is one addiction target of one patient, read from `recovery.TargetOutcome` (the
recovery app keeps it up to date). Four grouped queries give every subject and covariate
whatever the number of patients (the outcomes; the first treatment courses; MEQ-30 per
patient; signed infusions per patient), joined here in Python by patient. Percent days
abstinent sums the recompute's 30-day blocks per target (`recovery.TargetBlock`) by group and
month; the daily records are only aggregated in SQL (per subject, for craving), never
loaded. Callers scope by site: `site_ids` must already be the user's.

Measured at 10,000 patients on PostgreSQL: correlated subqueries per outcome row (one per
covariate) cost about 0.2 ms a row, ten times the grouped queries; so the covariates are
grouped once per table, and the daily-record queries take the cohort as a list of ids.

Definitions (judgement calls, written where the numbers are made):
- protocol and enrolment: the patient's first initial treatment course (by enrolment time)
  that treats this target or names no target;
- MEQ-30: the mean `total_percent_of_max` of the patient's MEQ-30 responses that no
  correction superseded; "complete mystical experience" when at least one of them carries
  the definition's `complete_mystical_experience` flag (every subscale >= 60 % of its
  maximum, Barrett et al. 2015, as `questionnaires/definitions/meq30.json` scores it);
- dose: the mean over signed infusions of administered mg / weight kg, or the planned mg/kg
  when the administered dose or the weight is missing;
- integration adherence: the share of signed infusions whose integration session was signed
  by its due time;
- percent days abstinent by month: days with the patient's daily self-report (the check-in);
  staff interviews and test results are left out of this chart, so no day is counted twice
  and a negative test (which covers hours) never makes a day abstinent; months are 30-day
  blocks from the start day, "before" the 30 days before it;
- craving before and after: the mean self-reported craving over days -7 to -1 and over days
  1 to 28 from the start day (the first infusion), the day itself in neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from ketaclinic.courses.models import CourseKind, TreatmentCourse
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.outcomes.sql import ShiftDays
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.recovery.models import (
    BLOCK_DAYS,
    BLOCK_FIRST,
    BLOCK_LAST,
    DailyRecord,
    Source,
    TargetBlock,
    TargetOutcome,
)
from ketaclinic.therapy.models import NoteStatus

TARGET_TYPE = "cohort_analytics"  # the audit rows of the analytics
MEQ30 = "meq30"
COMPLETE_MYSTICAL_FLAG = "complete_mystical_experience"  # meq30.json "flags"
MONTH_DAYS = BLOCK_DAYS  # 30
PDA_MAX_MONTHS = BLOCK_LAST + 1  # 24: the chart stops two years after the start day
PDA_BEFORE = BLOCK_FIRST  # -1: the bucket of the 30 days before the start day
CRAVING_BEFORE_DAYS = (-7, -1)
CRAVING_AFTER_DAYS = (1, 28)


class GroupBy:
    NONE = "none"
    PROTOCOL = "protocol"
    SITE = "site"
    TARGET = "target"
    MYSTICAL = "mystical"

    CHOICES = (
        (NONE, "No grouping"),
        (PROTOCOL, "Protocol"),
        (SITE, "Site"),
        (TARGET, "Addiction target"),
        (MYSTICAL, "Complete mystical experience (MEQ-30)"),
    )


# Group keys of the mystical grouping.
MYSTICAL_YES, MYSTICAL_NO, MYSTICAL_NONE = "complete", "not_complete", "no_meq30"


@dataclass(frozen=True)
class CohortFilters:
    site_ids: frozenset[int] = frozenset()  # empty: every site of the user
    protocol_code: str = ""
    target: str = ""  # a patients.Target value
    enrolled_from: dt.date | None = None
    enrolled_to: dt.date | None = None
    group_by: str = GroupBy.NONE
    dropout_as_relapse: bool = False

    def describe(self) -> str:
        """For the audit row: the filters in force, no patient data."""
        parts = [
            f"sites={','.join(str(s) for s in sorted(self.site_ids)) or 'all'}",
            f"protocol={self.protocol_code or 'any'}",
            f"target={self.target or 'any'}",
            f"enrolled={self.enrolled_from or ''}..{self.enrolled_to or ''}",
            f"group={self.group_by}",
            f"dropout_as_relapse={'yes' if self.dropout_as_relapse else 'no'}",
        ]
        return " ".join(parts)


OUTCOME_FIELDS = (
    "target_id",
    "patient_id",
    "site_id",
    "site__name",
    "target_kind",
    "start_day",
    "last_observed_day",
    "relapse_day",
    "dropped_out",
    "patient__sex",
    "patient__date_of_birth",
)
EXPORT_FIELDS = ("days_observed", "days_abstinent", "days_used", "heavy_days", "first_lapse_day")


def _sites(site_ids: Iterable[int], filters: CohortFilters) -> set[int]:
    sites = set(site_ids)
    return sites & filters.site_ids if filters.site_ids else sites


def _outcomes(sites: set[int], filters: CohortFilters) -> QuerySet[TargetOutcome]:
    """The filters SQL can apply to the outcome rows themselves."""
    outcomes = TargetOutcome.objects.filter(
        site_id__in=sites,
        patient__is_active=True,
        start_day__isnull=False,
        last_observed_day__isnull=False,
    )
    return outcomes.filter(target_kind=filters.target) if filters.target else outcomes


def target_scope(
    *, site_ids: Iterable[int], filters: CohortFilters, rows: Sequence[Mapping[str, Any]]
) -> Q:
    """The cohort's targets, for the daily-record queries: the outcome filters as a subquery
    when SQL can say them all (no protocol or enrolment filter), else the subjects' ids."""
    if filters.protocol_code or filters.enrolled_from or filters.enrolled_to:
        return Q(target_id__in=[row["target_id"] for row in rows])
    outcomes = _outcomes(_sites(site_ids, filters), filters)
    return Q(target_id__in=outcomes.values("target_id"))


def subjects(
    *, site_ids: Iterable[int], filters: CohortFilters, extra_fields: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """One dict per subject at `site_ids` (already the user's) matching `filters`: the outcome
    fields, `protocol_code`, `enrolled_at` and the covariate columns (`meq30_pct`,
    `has_meq30`, `complete_mystical`, `signed_infusions`, `dose_mg_per_kg`,
    `integrations_on_time`). Active patients with a start and a last observed day only;
    ordered by outcome id."""
    sites = _sites(site_ids, filters)
    outcomes = _outcomes(sites, filters)
    rows = list(outcomes.order_by("id").values(*OUTCOME_FIELDS, *extra_fields))
    if not rows:
        return []
    courses = _first_courses(sites)
    meq = _meq30_by_patient(sites)
    infusions = _infusions_by_patient(sites)
    result = []
    for row in rows:
        course = courses.get((row["patient_id"], row["target_id"])) or courses.get(
            (row["patient_id"], None)
        )
        row["protocol_code"], row["enrolled_at"] = course or (None, None)
        row.update(meq.get(row["patient_id"], _NO_MEQ))
        row.update(infusions.get(row["patient_id"], _NO_INFUSIONS))
        if _matches(row, filters):
            result.append(row)
    return result


def _first_courses(sites: set[int]) -> dict[tuple[int, int | None], tuple[str, dt.datetime]]:
    """(protocol code, enrolled at) of the first initial course per (patient, target), with
    target None for a course that names no target; a targeted course wins over an untargeted
    one only when it came first."""
    courses = (
        TreatmentCourse.objects.filter(patient__site_id__in=sites, kind=CourseKind.INITIAL)
        .order_by("enrolled_at", "id")
        .values_list(
            "patient_id", "addiction_target_id", "protocol_version__template__code", "enrolled_at"
        )
    )
    first: dict[tuple[int, int | None], tuple[str, dt.datetime]] = {}
    untargeted: dict[int, tuple[str, dt.datetime]] = {}
    for patient, target, code, enrolled in courses:
        first.setdefault((patient, target), (code, enrolled))
        if target is None:
            untargeted.setdefault(patient, (code, enrolled))
    for key, course in list(first.items()):
        earlier = untargeted.get(key[0])
        if key[1] is not None and earlier is not None and earlier[1] < course[1]:
            first[key] = earlier
    return first


_NO_MEQ = {"meq30_pct": None, "has_meq30": False, "complete_mystical": False}
_NO_INFUSIONS = {"signed_infusions": 0, "dose_mg_per_kg": None, "integrations_on_time": 0}


def _meq30_by_patient(sites: set[int]) -> dict[int, dict[str, Any]]:
    flagged = Q(flags_text__contains=f'"{COMPLETE_MYSTICAL_FLAG}"')
    rows = (
        QuestionnaireResponse.objects.filter(
            patient__site_id__in=sites, instrument__code=MEQ30, corrections__isnull=True
        )
        .annotate(flags_text=Cast("flags", TextField()))
        .order_by()
        .values("patient_id")
        .annotate(
            pct=Avg(Cast("total_percent_of_max", FloatField())),
            complete=Count("id", filter=flagged),
        )
    )
    return {
        r["patient_id"]: {
            "meq30_pct": r["pct"],
            "has_meq30": True,
            "complete_mystical": r["complete"] > 0,
        }
        for r in rows
    }


_DOSE_MG_PER_KG = Coalesce(
    Cast("administered_mg", FloatField()) / NullIf(Cast("weight_kg", FloatField()), 0.0),
    Cast("planned_mg_per_kg", FloatField()),
    output_field=FloatField(),
)
_ON_TIME = Q(
    integration__status=NoteStatus.SIGNED, integration__signed_at__lte=F("integration__due_at")
)


def _infusions_by_patient(sites: set[int]) -> dict[int, dict[str, Any]]:
    rows = (
        Infusion.objects.filter(patient__site_id__in=sites, status=InfusionStatus.SIGNED)
        .order_by()
        .values("patient_id")
        .annotate(n=Count("id"), dose=Avg(_DOSE_MG_PER_KG), on_time=Count("id", filter=_ON_TIME))
    )
    return {
        r["patient_id"]: {
            "signed_infusions": r["n"],
            "dose_mg_per_kg": r["dose"],
            "integrations_on_time": r["on_time"],
        }
        for r in rows
    }


def _matches(row: Mapping[str, Any], filters: CohortFilters) -> bool:
    if filters.protocol_code and row["protocol_code"] != filters.protocol_code:
        return False
    enrolled: dt.datetime | None = row["enrolled_at"]
    if filters.enrolled_from or filters.enrolled_to:
        if enrolled is None:
            return False
        day = timezone.localdate(enrolled)
        if filters.enrolled_from and day < filters.enrolled_from:
            return False
        if filters.enrolled_to and day > filters.enrolled_to:
            return False
    return True


def group_key(row: Mapping[str, Any], group_by: str) -> str:
    """The group a subject row falls in (a key; labels are the caller's)."""
    if group_by == GroupBy.PROTOCOL:
        return str(row["protocol_code"] or "")
    if group_by == GroupBy.SITE:
        return str(row["site_id"])
    if group_by == GroupBy.TARGET:
        return str(row["target_kind"])
    if group_by == GroupBy.MYSTICAL:
        if not row["has_meq30"]:
            return MYSTICAL_NONE
        return MYSTICAL_YES if row["complete_mystical"] else MYSTICAL_NO
    return ""


def _in_group(ids: Sequence[int]) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(Q(target_id__in=ids), output_field=BooleanField())


def pda_counts(
    targets_by_group: Mapping[str, Sequence[int]], *, group_by: str, scope: Q
) -> list[dict[str, Any]]:
    """Self-reported days and days with use per (group, month since the start day) of the
    targets in `scope`, summed from their `TargetBlock` rows: one dict per cell (`grp`,
    `bucket`, `observed`, `used`), bucket -1 for the 30 days before the start day, 0 for the
    first month, up to PDA_MAX_MONTHS - 1.
    `targets_by_group` must cover every target in scope (the last group is "none of the
    others")."""
    keys = list(targets_by_group)
    # The group is a column of the outcome where there is one; otherwise one true/false
    # column per group but the last. (A CASE over the groups' ids makes PostgreSQL expect a
    # group per row and give up the parallel hash aggregate: three times slower.)
    column = {
        GroupBy.SITE: "target__outcome__site_id",
        GroupBy.TARGET: "target__outcome__target_kind",
    }
    flags = (
        {}
        if group_by in column
        else {f"in_{i}": _in_group(targets_by_group[key]) for i, key in enumerate(keys[:-1])}
    )
    # The recompute keeps the 30-day blocks per target (recovery.TargetBlock, blocks -1 to
    # 23 only): summing them reads about 13 rows per target instead of a year of daily
    # records (measured at 10,000 patients: the daily-record scan was most of the page).
    cells = (
        TargetBlock.objects.filter(scope)
        .annotate(**flags)
        .order_by()
        .values(*([column[group_by]] if group_by in column else flags), "block")
        .annotate(observed=Sum("days_observed"), abstinent=Sum("days_abstinent"))
    )
    result = []
    for cell in cells:
        if not PDA_BEFORE <= cell["block"] < PDA_MAX_MONTHS:
            continue
        if group_by in column:
            key = str(cell[column[group_by]])
        else:
            key = next((k for i, k in enumerate(keys[:-1]) if cell[f"in_{i}"]), keys[-1])
        result.append(
            {
                "grp": key,
                "bucket": cell["block"],
                "observed": cell["observed"],
                "used": cell["observed"] - cell["abstinent"],
            }
        )
    return result


def _craving_window(first: int, last: int) -> Subquery:
    start = OuterRef("start_day")
    return Subquery(
        DailyRecord.objects.filter(
            target=OuterRef("target"),
            source=Source.SELF_REPORT,
            craving__isnull=False,
            day__gte=ShiftDays(start, first),
            day__lte=ShiftDays(start, last),
        )
        .order_by()
        .values("target")
        .annotate(mean=Avg(Cast("craving", FloatField())))
        .values("mean"),
        output_field=FloatField(),
    )


def craving_means(scope: Q) -> QuerySet[Any, Any]:
    """Mean self-reported craving before and after the start day, one row per subject in
    `scope`. Per subject through the (target, day) index: 36 days each instead of a scan of
    every record (measured: half the time of a hash join at 10,000 patients)."""
    return (
        TargetOutcome.objects.filter(scope)
        .order_by()
        .values("target_id")
        .annotate(
            before=_craving_window(*CRAVING_BEFORE_DAYS),
            after=_craving_window(*CRAVING_AFTER_DAYS),
        )
    )

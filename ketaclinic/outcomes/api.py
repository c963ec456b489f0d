"""REST API of the cohort outcomes: the summary behind the analytics page (aggregates)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from ketaclinic.core.api import ErrorOut, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError
from ketaclinic.outcomes.forms import CohortFilterForm
from ketaclinic.outcomes.schemas import CohortParams, CohortSummaryOut
from ketaclinic.outcomes.selectors import CohortAnalytics, cohort_analytics
from ketaclinic.outcomes.survival import plain_english

router = Router(tags=["outcomes"])

_ERRORS = {400: ErrorOut, 403: ErrorOut, 422: ErrorOut}


@router.get("/outcomes/cohort-summary", response={200: CohortSummaryOut, **_ERRORS})
def cohort_summary(request: HttpRequest, params: Query[CohortParams]) -> dict[str, Any]:
    """Relapse-free survival (Kaplan-Meier steps with 95 % bands), relapse at 3, 6 and 12
    months beside the literature baselines, and the Cox model, for your sites and the filters
    (the same as the analytics page). Groups under the small-cell threshold are left out for
    roles that cannot see patients."""
    reject_unknown_params(request, set(CohortParams.model_fields))
    user = api_user(request)
    form = CohortFilterForm(_form_data(params), user=user)
    if not form.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in form.errors.items()}
        detail = " ".join(f"{field}: {' '.join(m)}" for field, m in errors.items())
        raise ApplicationError(f"Invalid filters. {detail}", field_errors=errors)
    return _summary(cohort_analytics(user=user, filters=form.filters()))


def _form_data(params: CohortParams) -> dict[str, Any]:
    data: dict[str, Any] = {
        "sites": [str(s) for s in params.sites],
        "protocol": params.protocol,
        "target": params.target,
        "group_by": params.group_by,
        "enrolled_from": params.enrolled_from.isoformat() if params.enrolled_from else "",
        "enrolled_to": params.enrolled_to.isoformat() if params.enrolled_to else "",
    }
    if params.dropout_as_relapse:
        data["dropout_as_relapse"] = "on"
    return data


def _summary(analytics: CohortAnalytics) -> dict[str, Any]:
    hidden = analytics.small_cells_hidden and analytics.n_subjects < analytics.min_cell
    cox = analytics.cox
    return {
        "n_subjects": None if hidden else analytics.n_subjects,
        "n_events": None if hidden else analytics.n_events,
        "group_by": analytics.filters.group_by,
        "dropout_as_relapse": analytics.filters.dropout_as_relapse,
        "min_cell": analytics.min_cell,
        "suppressed_groups": list(analytics.suppressed),
        "groups": [
            {
                "label": g.label,
                "n_subjects": g.curve.n_subjects,
                "n_events": g.curve.n_events,
                "median_days": g.curve.median_days,
                "points": g.curve.points,
                "relapse_at": g.relapse_at,
            }
            for g in analytics.groups
        ],
        "cox": None
        if cox is None
        else {
            "n_subjects": cox.n_subjects,
            "n_events": cox.n_events,
            "n_excluded": cox.n_excluded,
            "concordance": cox.concordance,
            "warnings": list(cox.warnings),
            "caution": cox.caution,
            "rows": [
                {
                    "covariate": r.spec.name,
                    "label": r.spec.label,
                    "per": r.spec.unit_step,
                    "hazard_ratio": r.step_hazard_ratio,
                    "ci_lower": r.step_ci_lower,
                    "ci_upper": r.step_ci_upper,
                    "p_value": r.p_value,
                    "reading": plain_english(r),
                }
                for r in cox.rows
            ],
        },
        "cox_message": analytics.cox_message,
        "baselines": analytics.baselines,
    }

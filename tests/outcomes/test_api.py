"""GET /api/v1/outcomes/cohort-summary: the same analytics as the page, as JSON aggregates."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from tests.outcomes.factories import build_cohort, build_subject

URL = "/api/v1/outcomes/cohort-summary"


def test_the_researcher_gets_curves_relapse_at_and_the_cox_rows(
    make_user: Callable[..., User],
    api_client_for: Callable[[User], Client],
    physician: User,
    boston: Site,
) -> None:
    """Given 40 subjects at Boston, half in each of two protocols,
    when the researcher asks for the summary grouped by protocol,
    then it answers the counts, one curve per protocol starting at day 0 with its relapse at
    90, 182 and 365 days, seven Cox rows with the caution, and the five baselines."""
    planned = build_cohort(site=boston, by=physician)
    researcher = make_user(Role.RESEARCHER, boston)

    response = api_client_for(researcher).get(URL, {"group_by": "protocol"})

    assert response.status_code == 200
    body = response.json()
    assert (body["n_subjects"], body["n_events"]) == (40, sum(p.relapsed for p in planned))
    assert [(g["label"], g["n_subjects"]) for g in body["groups"]] == [
        ("dakwar-alc-2020", 20),
        ("kare-2022", 20),
    ]
    first = body["groups"][0]
    assert first["points"][0] == {
        "time_days": 0.0, "survival": 1.0, "ci_lower": 1.0, "ci_upper": 1.0,
        "at_risk": 20, "events": 0, "censored": 0,
    }  # fmt: skip
    assert [r["days"] for r in first["relapse_at"]] == [90, 182, 365]
    assert [r["covariate"] for r in body["cox"]["rows"]] == [
        "meq30_total", "complete_mystical", "dose_mg_per_kg", "infusions",
        "integration_adherence", "age", "sex_female",
    ]  # fmt: skip
    assert "observational" in body["cox"]["caution"]
    assert len(body["baselines"]) == 5
    assert AuditEvent.objects.filter(actor=researcher, action=Action.READ).count() == 1


def test_a_small_cohort_is_not_counted_for_the_researcher(
    make_user: Callable[..., User],
    api_client_for: Callable[[User], Client],
    physician: User,
    boston: Site,
) -> None:
    """Given three subjects,
    when the researcher asks for the summary,
    then the counts are null, no group is shown and the group is named as suppressed; the
    physician sees the three."""
    for days in (10, 20, 30):
        build_subject(site=boston, by=physician, duration_days=days)
    researcher = make_user(Role.RESEARCHER, boston)

    body = api_client_for(researcher).get(URL).json()
    physician_body = api_client_for(physician).get(URL).json()

    assert (body["n_subjects"], body["groups"], body["suppressed_groups"]) == (
        None,
        [],
        ["All patients"],
    )
    assert physician_body["n_subjects"] == 3


@pytest.mark.parametrize("role", [Role.NURSE, Role.CLINIC_ADMIN])
def test_other_roles_are_refused(
    make_user: Callable[..., User],
    api_client_for: Callable[[User], Client],
    boston: Site,
    role: Role,
) -> None:
    """When a nurse or clinic admin asks for the summary, the answer is 403 and no read row
    is written."""
    response = api_client_for(make_user(role, boston)).get(URL)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ({"colour": "red"}, 400, "Unknown query parameter(s): colour."),
        ({"group_by": "star_sign"}, 400, "group_by: Select a valid choice."),
        ({"protocol": "no-such"}, 400, "protocol: Select a valid choice."),
        ({"enrolled_from": "yesterday"}, 422, "enrolled_from"),
    ],
)
def test_bad_filters_are_refused_with_the_reason(
    physician: User,
    api_client_for: Callable[[User], Client],
    query: dict[str, str],
    status: int,
    text: str,
) -> None:
    """When a filter is unknown or invalid, the answer is 400 or 422 naming it, and nothing
    is read."""
    response = api_client_for(physician).get(URL, query)

    assert response.status_code == status
    assert text in response.json()["detail"]
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def test_a_site_that_is_not_yours_is_refused(
    physician: User, api_client_for: Callable[[User], Client], west_hartford: Site
) -> None:
    """When the Boston physician asks for West Hartford, the answer is 400 naming the site
    filter."""
    response = api_client_for(physician).get(URL, {"sites": [west_hartford.pk]})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "sites"

"""The analytics page, its CSV downloads and the research export view."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.patients.models import Patient
from tests.outcomes.factories import Planned, build_cohort, build_subject, daily

URL = "/outcomes/"


@pytest.fixture
def cohort(physician: User, boston: Site) -> list[Planned]:
    """40 subjects; two with daily records from day -3 to day 10 (craving 6, then 3)."""
    planned = build_cohort(site=boston, by=physician)
    for subject in planned[:2]:
        for day in range(-3, 11):
            daily(subject.built, physician, day, used=day == 5, craving=6 if day < 0 else 3)
    return planned


def _text(response: HttpResponseBase) -> str:
    return response.content.decode()  # type: ignore[attr-defined, no-any-return]  # not streaming


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.COMPLIANCE, Role.RESEARCHER])
def test_allowed_roles_see_the_charts_tables_and_caution_but_no_patient(
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    boston: Site,
    cohort: list[Planned],
    role: Role,
) -> None:
    """Given 40 subjects at Boston,
    when a physician, compliance officer or researcher opens the analytics by protocol,
    then the page shows the Kaplan-Meier chart, the relapse table with the baselines and
    their definitions, the monthly abstinence and craving charts, the Cox table with its
    caution, and no patient name or MRN; the export form only for those who may export."""
    user = make_user(role, boston)

    response = client_for(user).get(URL, {"group_by": "protocol"})

    assert response.status_code == 200
    text = _text(response)
    for marker in ('id="km-title"', 'id="relapse-table"', 'id="pda-title"', 'id="cox-table"',
                   'id="craving-title"', "observational", "kare-2022", "dakwar-alc-2020",
                   "80-95 % at 12 months after cessation (Hunt)"):  # fmt: skip
        assert marker in text
    for planned in cohort:
        assert planned.built.patient.mrn not in text
        assert planned.built.patient.last_name not in text
    assert ('id="export-section"' in text) == (role != Role.PHYSICIAN)


@pytest.mark.parametrize("role", [Role.NURSE, Role.THERAPIST, Role.FRONT_DESK, Role.CLINIC_ADMIN])
def test_other_roles_get_403_on_the_page_and_the_downloads(
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    boston: Site,
    role: Role,
) -> None:
    """Given a nurse, therapist, front desk or clinic admin,
    when they open the analytics, a CSV or post the export,
    then each answer is 403 and no read or export row is written."""
    client = client_for(make_user(role, boston))

    answers = [
        client.get(URL).status_code,
        client.get(f"{URL}cohort/km.csv").status_code,
        client.post(f"{URL}export/").status_code,
    ]

    assert answers == [403, 403, 403]
    assert not AuditEvent.objects.filter(action__in=[Action.READ, Action.EXPORT]).exists()


def test_a_refused_filter_answers_400_and_keeps_the_values(
    physician: User, client_for: Callable[[User], Client], west_hartford: Site
) -> None:
    """Given the Boston physician,
    when the filter asks for West Hartford and an enrolment end before its start,
    then the page answers 400 naming both problems, keeps the dates, and runs nothing."""
    response = client_for(physician).get(
        URL,
        {
            "sites": [str(west_hartford.pk)],
            "enrolled_from": "2024-05-01",
            "enrolled_to": "2024-04-01",
        },
    )

    assert response.status_code == 400
    text = _text(response)
    assert "is not one of the available choices" in text
    assert "“Enrolled to” is before “Enrolled from”" in text
    assert 'value="2024-05-01"' in text
    assert not AuditEvent.objects.filter(target_type="cohort_analytics").exists()


@pytest.mark.parametrize(
    ("chart", "first_column"),
    [("km", "group"), ("relapse", "group"), ("pda", "series"), ("cox", "covariate"),
     ("craving", "group")],
)  # fmt: skip
def test_each_chart_downloads_its_numbers_as_csv(
    physician: User,
    client_for: Callable[[User], Client],
    cohort: list[Planned],
    chart: str,
    first_column: str,
) -> None:
    """Given 40 subjects,
    when the physician downloads a chart's CSV,
    then it is an attachment whose header starts with the expected column, and the download
    is audited as an export."""
    response = client_for(physician).get(f"{URL}cohort/{chart}.csv", {"target": "alcohol"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(_text(response))))
    assert rows[0][0] == first_column
    assert len(rows) > 1
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.detail.startswith(f"{chart} csv; sites=all protocol=any target=alcohol")


def test_an_unknown_chart_is_404(physician: User, client_for: Callable[[User], Client]) -> None:
    """When a CSV of a chart that does not exist is asked for, the answer is 404."""
    assert client_for(physician).get(f"{URL}cohort/pie.csv").status_code == 404


def test_the_researcher_downloads_the_export_as_a_zip(
    make_user: Callable[..., User],
    client_for: Callable[[User], Client],
    boston: Site,
    cohort: list[Planned],
) -> None:
    """Given 40 subjects,
    when the researcher posts the export for the KARE protocol,
    then the answer is a ZIP attachment with the 20 KARE subjects, and it is audited."""
    researcher = make_user(Role.RESEARCHER, boston)

    response = client_for(researcher).post(f"{URL}export/", {"protocol": "kare-2022"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="ketaclinic-research-export.zip"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        subjects = list(csv.DictReader(io.TextIOWrapper(archive.open("subjects.csv"))))
    assert {row["protocol"] for row in subjects} == {"kare-2022"}
    assert len(subjects) == 20
    assert AuditEvent.objects.filter(actor=researcher, action=Action.EXPORT).count() == 1


def test_the_export_refuses_a_get_and_a_bad_filter(
    compliance: User, client_for: Callable[[User], Client]
) -> None:
    """Given the compliance officer,
    when the export is asked for with GET, and posted with an unknown protocol,
    then the answers are 405 and 400, and nothing is exported."""
    client = client_for(compliance)

    assert client.get(f"{URL}export/").status_code == 405
    response = client.post(f"{URL}export/", {"protocol": "no-such-protocol"})

    assert response.status_code == 400
    assert "Select a valid choice" in _text(response)
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_the_page_needs_a_sign_in(client: Client) -> None:
    """When nobody is signed in, the page redirects to the sign-in page."""
    response = client.get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_runs_as_many_queries_for_50_patients_as_for_1(
    physician: User,
    boston: Site,
    client_for: Callable[[User], Client],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """Given one subject, then 50,
    when the physician opens the page grouped by protocol,
    then the number of queries is the same."""
    client = client_for(physician)
    build_subject(site=boston, by=physician, duration_days=10, meq_answer=3)
    with django_assert_num_queries(14):
        assert client.get(URL, {"group_by": "protocol"}).status_code == 200
    for i in range(49):
        build_subject(site=boston, by=physician, duration_days=20 + i, meq_answer=i % 6,
                      protocol=("kare-2022", "dakwar-alc-2020")[i % 2])  # fmt: skip
    with django_assert_num_queries(14):
        assert client.get(URL, {"group_by": "protocol"}).status_code == 200
    assert Patient.objects.count() == 50

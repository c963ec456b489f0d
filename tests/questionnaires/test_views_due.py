from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.questionnaires.models import DueQuestionnaire, DueStatus
from tests.questionnaires.factories import PHQ9_MODERATE, DueQuestionnaireFactory, care_team
from tests.questionnaires.helpers import answers_for


def _item(patient, code="phq9", *, hours_ago: float = 1, window_days: float = 7, **kwargs):
    due_at = timezone.now() - dt.timedelta(hours=hours_ago)
    return DueQuestionnaireFactory(
        patient=patient,
        instrument=code,
        due_at=due_at,
        overdue_at=due_at + dt.timedelta(days=window_days),
        **kwargs,
    )


def test_the_due_list_shows_the_clinicians_patients_with_overdue_items_first(
    physician, nurse, patient, other_patient, client_for
):
    care_team(patient, physician=physician, therapist=None, by=nurse)
    due = _item(patient)
    overdue = _item(patient, "gad7", hours_ago=200)
    _item(other_patient)  # not on the physician's care team

    response = client_for(physician).get("/questionnaires/due/")

    html = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [overdue, due]
    assert html.count('<span class="badge denied">Overdue</span>') == 1
    assert f'href="/questionnaires/patients/{patient.pk}/new/gad7/"' in html
    assert patient.get_absolute_url() in html
    assert other_patient.get_absolute_url() not in html
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="due_questionnaire_list")
    assert list(reads.values_list("actor__username", "patient_id")) == [("physician", patient.pk)]


def test_the_due_list_toggles_to_every_patient_at_the_users_sites(
    nurse, patient, other_patient, wh_patient, client_for
):
    mine = client_for(nurse).get("/questionnaires/due/")
    ada, bo = _item(patient), _item(other_patient, hours_ago=2)
    _item(wh_patient)

    everyone = client_for(nurse).get("/questionnaires/due/", {"scope": "sites"})

    assert list(mine.context["page"].object_list) == []
    assert "See all patients at your sites" in mine.content.decode()
    assert list(everyone.context["page"].object_list) == [bo, ada]
    assert '<strong aria-current="page">All patients at my sites</strong>' in (
        everyone.content.decode()
    )


def test_the_due_list_runs_the_same_number_of_queries_for_1_and_8_items(
    nurse, boston, patient_factory, client_for
):
    client = client_for(nurse)
    _item(patient_factory(site=boston))
    with CaptureQueriesContext(connection) as one:
        assert client.get("/questionnaires/due/", {"scope": "sites"}).status_code == 200
    for _ in range(7):
        _item(patient_factory(site=boston), "craving")
    with CaptureQueriesContext(connection) as eight:
        assert client.get("/questionnaires/due/", {"scope": "sites"}).status_code == 200

    assert len(one) == len(eight)


def test_the_chart_section_shows_due_overdue_and_upcoming_items_with_enter_now_links(
    nurse, patient, client_for
):
    weekly = "weekly_during_treatment"
    overdue = _item(patient, "gad7", hours_ago=200, event=weekly)
    due = _item(patient, "phq9", event=weekly)
    upcoming = _item(patient, "craving", hours_ago=-48, event=weekly)

    response = client_for(nurse).get(f"/questionnaires/patients/{patient.pk}/")

    html = response.content.decode()
    chart = response.context["chart"]
    assert [(i, i.is_overdue) for i in chart.due] == [(overdue, True), (due, False)]
    assert chart.upcoming == [upcoming]
    assert html.count('<span class="badge denied">Overdue</span>') == 1
    assert f'<a href="/questionnaires/patients/{patient.pk}/new/gad7/">Enter now</a>' in html
    assert f'<a href="/questionnaires/patients/{patient.pk}/new/phq9/">Enter now</a>' in html
    assert f'<a href="/questionnaires/patients/{patient.pk}/new/craving/">Enter now</a>' not in html
    assert "Coming up (1)" in html
    assert f'href="/questionnaires/due/{due.pk}/cancel/"' in html
    assert "Schedule baseline questionnaires" in html  # no open baseline yet


def test_the_chart_section_runs_the_same_number_of_queries_for_1_and_9_due_items(
    nurse, patient, client_for
):
    client = client_for(nurse)
    url = f"/questionnaires/patients/{patient.pk}/"
    _item(patient)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for code in ["gad7", "audit", "dast10", "pacs"]:
        _item(patient, code)
        _item(patient, code, hours_ago=-30)
    with CaptureQueriesContext(connection) as nine:
        assert client.get(url).status_code == 200

    assert len(one) == len(nine)


def test_scheduling_the_baseline_from_the_chart(nurse, patient, client_for):
    client = client_for(nurse)
    url = f"/questionnaires/patients/{patient.pk}/schedule-baseline/"

    response = client.post(url)
    section = client.get(f"/questionnaires/patients/{patient.pk}/")

    assert (response.status_code, response["Location"]) == (302, patient.get_absolute_url())
    assert DueQuestionnaire.objects.filter(patient=patient, event="baseline").count() == 7
    assert len(section.context["chart"].due) == 7
    assert "Schedule baseline questionnaires" not in section.content.decode()


def test_scheduling_the_baseline_with_htmx_answers_with_the_chart_section(
    nurse, patient, client_for
):
    response = client_for(nurse).post(
        f"/questionnaires/patients/{patient.pk}/schedule-baseline/",
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="questionnaires-due"' in html
    assert html.count(">Enter now</a>") == 7


def test_entering_a_due_questionnaire_completes_it(nurse, patient, client_for):
    item = _item(patient, "phq9")

    client_for(nurse).post(
        f"/questionnaires/patients/{patient.pk}/new/phq9/",
        {k: str(v) for k, v in answers_for("phq9", PHQ9_MODERATE).items()},
    )

    item.refresh_from_db()
    assert item.status == DueStatus.COMPLETED


def test_cancelling_a_due_item_needs_a_reason_and_keeps_it_in_the_record(
    nurse, patient, client_for
):
    item = _item(patient, "craving")
    client = client_for(nurse)
    url = f"/questionnaires/due/{item.pk}/cancel/"

    page = client.get(url)
    refused = client.post(url, {"reason": ""})
    item.refresh_from_db()
    status_after_refusal = item.status
    cancelled = client.post(url, {"reason": "Infusion cancelled"})

    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert refused.status_code == 400
    assert "Say why this questionnaire is no longer needed" in refused.content.decode()
    assert status_after_refusal == DueStatus.OPEN
    assert (cancelled.status_code, cancelled["Location"]) == (302, patient.get_absolute_url())
    item.refresh_from_db()
    assert (item.status, item.cancel_reason, item.cancelled_by) == (
        DueStatus.CANCELLED,
        "Infusion cancelled",
        nurse,
    )


def test_compliance_sees_due_items_on_the_chart_but_no_actions(compliance, patient, client_for):
    item = _item(patient)

    html = client_for(compliance).get(f"/questionnaires/patients/{patient.pk}/").content.decode()

    assert f'id="due-{item.pk}"' in html
    assert "Enter now" not in html
    assert "Schedule baseline questionnaires" not in html


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/questionnaires/patients/{pk}/schedule-baseline/"),
        ("get", "/questionnaires/due/{due}/cancel/"),
        ("post", "/questionnaires/due/{due}/cancel/"),
    ],
)
def test_west_hartford_staff_get_404_for_a_boston_patients_due_items_and_it_is_audited(
    wh_therapist, patient, client_for, method, path
):
    item = _item(patient)
    url = path.format(pk=patient.pk, due=item.pk)
    client = client_for(wh_therapist)

    answer = client.get(url) if method == "get" else client.post(url, {"reason": "x"})

    assert answer.status_code == 404
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.outcome) == (
        wh_therapist,
        patient.pk,
        Outcome.DENIED,
    )
    assert DueQuestionnaire.objects.count() == 1
    item.refresh_from_db()
    assert item.status == DueStatus.OPEN


def test_west_hartford_staff_see_no_boston_items_on_the_due_list(wh_therapist, patient, client_for):
    _item(patient)

    response = client_for(wh_therapist).get("/questionnaires/due/", {"scope": "sites"})

    assert list(response.context["page"].object_list) == []
    assert patient.get_absolute_url() not in response.content.decode()

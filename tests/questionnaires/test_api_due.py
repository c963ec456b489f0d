from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.questionnaires.models import DueQuestionnaire
from tests.questionnaires.factories import DueQuestionnaireFactory

JSON = "application/json"


def _item(patient, code="phq9", *, hours_ago: float = 1):
    due_at = timezone.now() - dt.timedelta(hours=hours_ago)
    return DueQuestionnaireFactory(
        patient=patient, instrument=code, due_at=due_at, overdue_at=due_at + dt.timedelta(days=1)
    )


def test_list_returns_due_and_overdue_items_oldest_first(nurse, patient, api_client_for):
    overdue = _item(patient, "gad7", hours_ago=30)
    due = _item(patient)
    upcoming = _item(patient, "craving", hours_ago=-5)

    response = api_client_for(nurse).get(f"/api/v1/patients/{patient.pk}/due-questionnaires")
    everything = api_client_for(nurse).get(
        f"/api/v1/patients/{patient.pk}/due-questionnaires", {"upcoming": "true"}
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["count"], body["limit"], body["offset"]) == (2, 25, 0)
    assert [(i["id"], i["instrument"], i["is_overdue"]) for i in body["items"]] == [
        (overdue.pk, "gad7", True),
        (due.pk, "phq9", False),
    ]
    first = body["items"][0]
    assert (first["instrument_title"], first["event"], first["status"]) == (
        "GAD-7",
        "baseline",
        "open",
    )
    assert first["completed_response_id"] is None
    assert [i["id"] for i in everything.json()["items"]] == [overdue.pk, due.pk, upcoming.pk]
    read = AuditEvent.objects.filter(action=Action.READ).first()
    assert read is not None
    assert (read.patient_id, read.target_type) == (patient.pk, "due_questionnaire")


def test_list_runs_the_same_number_of_queries_for_1_and_6_items(nurse, patient, api_client_for):
    client = api_client_for(nurse)
    url = f"/api/v1/patients/{patient.pk}/due-questionnaires"
    _item(patient)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).json()["items"]) == 1
    for code in ["gad7", "audit", "dast10", "pacs", "craving"]:
        _item(patient, code)
    with CaptureQueriesContext(connection) as six:
        assert len(client.get(url).json()["items"]) == 6

    assert len(one) == len(six)


def test_list_rejects_an_unknown_query_parameter(nurse, patient, api_client_for):
    response = api_client_for(nurse).get(
        f"/api/v1/patients/{patient.pk}/due-questionnaires", {"status": "open"}
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Unknown query parameter(s): status. Allowed: limit, offset, upcoming."
    )


def test_schedule_creates_the_events_items_and_is_idempotent(nurse, patient, api_client_for):
    client = api_client_for(nurse)
    url = f"/api/v1/patients/{patient.pk}/schedule"
    body = {"event": "post_infusion", "at": "2026-05-04T13:30:00-04:00", "reference": "infusion:34"}

    first = client.post(url, body, content_type=JSON)
    again = client.post(url, body, content_type=JSON)

    assert first.status_code == 201
    items = first.json()
    assert [(i["instrument"], i["due_at"], i["overdue_at"]) for i in items] == [
        ("craving", "2026-05-04T17:30:00Z", "2026-05-05T17:30:00Z"),
        ("meq30", "2026-05-04T17:30:00Z", "2026-05-05T17:30:00Z"),
    ]
    assert {(i["event"], i["reference"]) for i in items} == {("post_infusion", "infusion:34")}
    assert [i["id"] for i in again.json()] == [i["id"] for i in items]
    assert DueQuestionnaire.objects.count() == 2


def test_schedule_defaults_to_now(nurse, patient, api_client_for):
    before = timezone.now()

    response = api_client_for(nurse).post(
        f"/api/v1/patients/{patient.pk}/schedule", {"event": "baseline"}, content_type=JSON
    )

    assert response.status_code == 201
    assert len(response.json()) == 7
    assert {i["is_overdue"] for i in response.json()} == {False}
    assert DueQuestionnaire.objects.filter(due_at__gte=before).count() == 7


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"event": "monthly"},
            400,
            "Unknown event 'monthly': use one of baseline, pre_infusion, post_infusion, "
            "weekly_during_treatment, after_last_infusion.",
        ),
        (
            {"event": "baseline", "at": "2026-05-04T13:30:00"},
            400,
            "Give at with its UTC offset, e.g. 2026-11-20T09:30:00-05:00.",
        ),
        (
            {"event": "baseline", "instruments": ["phq9"]},
            422,
            "Invalid input: payload.instruments: Extra inputs are not permitted",
        ),
    ],
)
def test_schedule_refuses_bad_input_and_changes_nothing(
    nurse, patient, api_client_for, body, status, detail
):
    response = api_client_for(nurse).post(
        f"/api/v1/patients/{patient.pk}/schedule", body, content_type=JSON
    )

    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert not DueQuestionnaire.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_west_hartford_staff_get_404_for_a_boston_patient_and_it_is_audited(
    wh_therapist, patient, api_client_for, method
):
    _item(patient)
    client = api_client_for(wh_therapist)
    if method == "get":
        response = client.get(f"/api/v1/patients/{patient.pk}/due-questionnaires")
    else:
        response = client.post(
            f"/api/v1/patients/{patient.pk}/schedule", {"event": "baseline"}, content_type=JSON
        )

    assert response.status_code == 404
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.outcome) == (
        wh_therapist,
        patient.pk,
        Outcome.DENIED,
    )
    assert DueQuestionnaire.objects.count() == 1

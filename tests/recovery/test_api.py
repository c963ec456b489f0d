"""Recovery API: the patient's own check-ins, staff follow-back, outcomes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.recovery.services import recompute_target
from tests.factories import PatientFactory

Record = Callable[..., DailyRecord]
ClientFor = Callable[[User], Client]
API = "/api/v1"


def _post(client: Client, url: str, body: object) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_patient_posts_and_reads_own_checkin(
    client_for: ClientFor,
    portal_user: User,
    patient: Patient,
    alcohol: AddictionTarget,
    nicotine: AddictionTarget,
    today: dt.date,
) -> None:
    """Given the patient's signed-in session, when they POST today's check-in for two
    targets, then 201 with both records and checked_in_today; GET returns the same."""
    client = client_for(portal_user)
    body = {
        "entries": [
            {
                "target_id": alcohol.pk,
                "used": True,
                "quantity": "2",
                "craving": 6,
                "mood": 2,
                "triggers": ["stress"],
            },
            {"target_id": nicotine.pk, "used": False, "quantity": "0", "craving": 1, "mood": 4},
        ]
    }
    response = _post(client, f"{API}/portal/checkins", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["day"] == today.isoformat()
    assert data["checked_in_today"] is True
    assert sorted((i["target_id"], i["used"], i["quantity"]) for i in data["items"]) == sorted(
        [(alcohol.pk, True, "2.00"), (nicotine.pk, False, "0.00")]
    )
    streaks = {s["target_id"]: s for s in data["streaks"]}
    assert streaks[alcohol.pk]["days_since_last_use"] == 0
    assert streaks[nicotine.pk]["abstinent_days_in_a_row"] == 1
    again = client.get(f"{API}/portal/checkins")
    assert again.status_code == 200
    assert len(again.json()["items"]) == 2


def test_patient_checkin_refusal_is_400_and_writes_nothing(
    client_for: ClientFor, portal_user: User, alcohol: AddictionTarget
) -> None:
    """Given used=true without an amount, when POSTed, then 400 naming the fix, no record."""
    response = _post(
        client_for(portal_user),
        f"{API}/portal/checkins",
        {"entries": [{"target_id": alcohol.pk, "used": True}]},
    )
    assert response.status_code == 400
    assert "enter how much" in response.json()["detail"]
    assert DailyRecord.objects.count() == 0


def test_patient_checkin_unknown_field_is_422(
    client_for: ClientFor, portal_user: User, alcohol: AddictionTarget
) -> None:
    """Given an unknown field, when POSTed, then 422 and nothing written."""
    response = _post(
        client_for(portal_user),
        f"{API}/portal/checkins",
        {"entries": [{"target_id": alcohol.pk, "used": False, "day": "2026-01-01"}]},
    )
    assert response.status_code == 422
    assert DailyRecord.objects.count() == 0


def test_patient_post_needs_csrf(portal_user: User, alcohol: AddictionTarget) -> None:
    """Given a session without the CSRF token, when POSTed, then 403 and nothing written."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(portal_user)
    response = _post(
        client, f"{API}/portal/checkins", {"entries": [{"target_id": alcohol.pk, "used": False}]}
    )
    assert response.status_code == 403
    assert DailyRecord.objects.count() == 0


def test_staff_session_cannot_use_portal_checkins(
    client_for: ClientFor, nurse: User, alcohol: AddictionTarget
) -> None:
    """Given a nurse's session, when she POSTs to the portal check-in, then 401, no record."""
    response = _post(
        client_for(nurse),
        f"{API}/portal/checkins",
        {"entries": [{"target_id": alcohol.pk, "used": False}]},
    )
    assert response.status_code == 401
    assert DailyRecord.objects.count() == 0


def test_staff_reads_checkins_with_token(
    api_client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given two self-reports and an interview, when the nurse lists check-ins, then only
    the two self-reports, newest first, and the read is audited."""
    record(alcohol, today - dt.timedelta(days=1))
    record(alcohol, today, used=True, quantity=3)
    record(alcohol, today - dt.timedelta(days=2), source=Source.INTERVIEW)
    response = api_client_for(nurse).get(f"{API}/patients/{patient.pk}/checkins")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [i["day"] for i in data["items"]] == [
        today.isoformat(),
        (today - dt.timedelta(days=1)).isoformat(),
    ]
    assert AuditEvent.objects.filter(action=Action.READ, actor=nurse, patient=patient).count() == 1


@pytest.mark.parametrize("rows", [1, 50])
def test_checkins_list_query_count_is_constant(
    api_client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
    rows: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """Given 1 or 50 check-ins, when listed, then the same number of queries."""
    for n in range(rows):
        record(alcohol, today - dt.timedelta(days=n))
    client = api_client_for(nurse)
    with django_assert_num_queries(8):
        assert client.get(f"{API}/patients/{patient.pk}/checkins?limit=100").status_code == 200


def test_staff_posts_followback_and_conflict_is_kept(
    api_client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given a self-report of no use yesterday, when the nurse POSTs an interview of 5 for
    that day, then 201, the day is a conflict with both records, and GET shows the same."""
    day = today - dt.timedelta(days=1)
    record(alcohol, day)
    client = api_client_for(nurse)
    body = {
        "target_id": alcohol.pk,
        "source": "interview",
        "entries": [{"day": day.isoformat(), "used": True, "quantity": "5"}],
    }
    response = _post(client, f"{API}/patients/{patient.pk}/followback", body)
    assert response.status_code == 201, response.content
    only = response.json()["days"][0]
    assert only["status"] == "conflict"
    assert [(r["source"], r["used"], r["recall_lag_days"]) for r in only["records"]] == [
        ("interview", True, 1),
        ("self_report", False, 0),
    ]
    got = client.get(
        f"{API}/patients/{patient.pk}/followback?target_id={alcohol.pk}&start={day}&end={day}"
    )
    assert got.json()["days"] == response.json()["days"]


def test_followback_foreign_patient_is_404(
    api_client_for: ClientFor, wh_therapist: User, patient: Patient, alcohol: AddictionTarget
) -> None:
    """Given a West Hartford therapist, when POSTing for a Boston patient, then 404, nothing."""
    body = {
        "target_id": alcohol.pk,
        "source": "interview",
        "entries": [{"day": "2026-01-01", "used": False, "quantity": "0"}],
    }
    response = _post(api_client_for(wh_therapist), f"{API}/patients/{patient.pk}/followback", body)
    assert response.status_code == 404
    assert DailyRecord.objects.count() == 0


def test_followback_target_of_other_patient_is_404(
    api_client_for: ClientFor, nurse: User, patient: Patient, alcohol: AddictionTarget
) -> None:
    """Given another Boston patient, when POSTing with this patient's target, then 404."""
    other = PatientFactory(site=patient.site)
    body = {
        "target_id": alcohol.pk,
        "source": "interview",
        "entries": [{"day": "2026-01-01", "used": False, "quantity": "0"}],
    }
    response = _post(api_client_for(nurse), f"{API}/patients/{other.pk}/followback", body)
    assert response.status_code == 404
    assert DailyRecord.objects.count() == 0


def test_outcomes_endpoint(
    api_client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given a quit date 10 days ago, 4 abstinent days and one of 6 drinks 2 days ago, when
    outcomes are read, then 80.0 % days abstinent, 1 heavy day, lapse and relapse on day 8."""
    alcohol.quit_date = today - dt.timedelta(days=10)
    alcohol.save()
    for n in (6, 5, 4, 3):
        record(alcohol, today - dt.timedelta(days=n))
    record(alcohol, today - dt.timedelta(days=2), used=True, quantity=6)
    recompute_target(target=alcohol)
    response = api_client_for(nurse).get(f"{API}/patients/{patient.pk}/outcomes")
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert {
        k: item[k]
        for k in (
            "days_observed",
            "days_abstinent",
            "heavy_days",
            "percent_days_abstinent",
            "days_to_first_lapse",
            "days_to_relapse",
            "dropped_out",
        )
    } == {
        "days_observed": 5,
        "days_abstinent": 4,
        "heavy_days": 1,
        "percent_days_abstinent": "80.0",
        "days_to_first_lapse": 8,
        "days_to_relapse": 8,
        "dropped_out": False,
    }
    assert item["rule"].startswith("lapse = any use; relapse = 1 heavy day(s) within 1 day(s)")

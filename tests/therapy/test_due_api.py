"""GET /api/v1/integrations/due: the integrations dashboard's data over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from tests.courses.factories import active_course, integration_for, signed_infusion
from tests.factories import PatientFactory
from tests.treatment import ready_patient

URL = "/api/v1/integrations/due"


def _owed(course, nurse, *, session_number: int, signed_hours_ago: float):
    """An integration owed for an infusion signed that long ago (due 72 h after signing)."""
    signed = timezone.now() - dt.timedelta(hours=signed_hours_ago)
    return integration_for(
        signed_infusion(course=course, nurse=nurse, session_number=session_number, signed_at=signed)
    )


@pytest.fixture
def course(ready, physician, kare, therapist):
    return active_course(patient=ready, physician=physician, version=kare, therapist=therapist)


@pytest.fixture
def boston_due(course, nurse):
    """Boston: one overdue (by 8 h), one due in 12 h, one due in 70 h (not listed)."""
    return {
        "overdue": _owed(course, nurse, session_number=1, signed_hours_ago=80),
        "soon": _owed(course, nurse, session_number=2, signed_hours_ago=60),
        "later": _owed(course, nurse, session_number=3, signed_hours_ago=2),
    }


@pytest.fixture
def wh_overdue(west_hartford, wh_physician, kare, make_user):
    patient = PatientFactory(site=west_hartford, first_name="Wes", last_name="Hartley")
    ready_patient(patient=patient, physician=wh_physician)
    course = active_course(patient=patient, physician=wh_physician, version=kare)
    wh_nurse = make_user(Role.NURSE, west_hartford, username="wh-nurse")
    return _owed(course, wh_nurse, session_number=1, signed_hours_ago=90)


def test_lists_overdue_then_due_soon_and_audits_each_patient(
    boston_due, therapist, ready, api_client_for, django_assert_max_num_queries
):
    """Given one overdue, one due in 12 h and one due in 70 h, the list has the first two,
    overdue first, and the patient's read is audited once as the dashboard does."""
    client = api_client_for(therapist)

    with django_assert_max_num_queries(12):
        response = client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["overdue_count"], body["due_soon_count"]) == (2, 1, 1)
    assert (body["limit"], body["offset"]) == (25, 0)
    assert [(i["id"], i["session_number"], i["overdue"]) for i in body["items"]] == [
        (boston_due["overdue"].pk, 1, True),
        (boston_due["soon"].pk, 2, False),
    ]
    first = body["items"][0]
    assert (first["patient_id"], first["patient_name"], first["therapist"]) == (
        ready.pk,
        ready.display_name,
        "therapist",
    )
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="integrations_due")
    assert [(e.actor, e.patient_id) for e in reads] == [(therapist, ready.pk)]


def test_pages_with_limit_and_offset(boston_due, physician, api_client_for):
    response = api_client_for(physician).get(f"{URL}?limit=1&offset=1")

    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (2, 1, 1)
    assert [i["id"] for i in body["items"]] == [boston_due["soon"].pk]


def test_query_count_does_not_grow_with_rows(
    course, nurse, therapist, api_client_for, django_assert_max_num_queries
):
    """Three due integrations cost the same queries as one (a fixed number per page)."""
    for number in (1, 2, 3):
        _owed(course, nurse, session_number=number, signed_hours_ago=80 - number)
    client = api_client_for(therapist)

    with django_assert_max_num_queries(12):
        response = client.get(URL)

    assert response.json()["count"] == 3


def test_site_scoped_each_user_sees_only_their_sites(
    boston_due, wh_overdue, therapist, wh_therapist, boston, west_hartford, api_client_for
):
    boston_ids = {i["id"] for i in api_client_for(therapist).get(URL).json()["items"]}
    wh_body = api_client_for(wh_therapist).get(f"{URL}?site_id={west_hartford.pk}").json()

    assert boston_ids == {boston_due["overdue"].pk, boston_due["soon"].pk}
    assert [i["id"] for i in wh_body["items"]] == [wh_overdue.pk]
    assert wh_body["items"][0]["site_id"] == west_hartford.pk


def test_site_filter_narrows_a_two_site_user(
    boston_due, wh_overdue, boston, west_hartford, make_user, api_client_for
):
    both = make_user(Role.THERAPIST, boston, west_hartford, username="roaming-therapist")
    client = api_client_for(both)

    everything = client.get(URL).json()
    boston_only = client.get(f"{URL}?site_id={boston.pk}").json()

    assert everything["count"] == 3
    assert everything["items"][0]["id"] == wh_overdue.pk  # most overdue first
    assert {i["site_id"] for i in boston_only["items"]} == {boston.pk}
    assert boston_only["count"] == 2


def test_another_site_is_404_and_audited(boston_due, wh_therapist, boston, api_client_for):
    response = api_client_for(wh_therapist).get(f"{URL}?site_id={boston.pk}")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denied.actor, denied.target_type, denied.target_id) == (
        wh_therapist,
        "integrations_due",
        str(boston.pk),
    )
    assert not AuditEvent.objects.filter(action=Action.READ, target_type="integrations_due")


def test_a_nurse_is_403_and_audited(boston_due, nurse, api_client_for):
    response = api_client_for(nurse).get(URL)

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denied.actor, denied.target_type) == (nurse, "integrations_due")


def test_unknown_parameters_are_refused(therapist, api_client_for):
    response = api_client_for(therapist).get(f"{URL}?status=overdue")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Unknown query parameter(s): status.")

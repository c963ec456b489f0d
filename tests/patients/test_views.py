from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import Action, AuditEvent, Outcome


def _list_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_patient_list_shows_only_own_site_patients_and_audits_each_read(
    physician, boston, west_hartford, patient_factory, client_for
):
    """Given patients at two sites, when a Boston physician lists, then only Boston ones show."""
    mine = patient_factory(site=boston, last_name="Alderwood")
    patient_factory(site=west_hartford, last_name="Birchfield")

    response = client_for(physician).get("/patients/")

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    assert b"Alderwood" in response.content
    assert b"Birchfield" not in response.content
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="patient_list")
    assert list(reads.values_list("actor__username", "patient_id", "site_id")) == [
        ("physician", mine.pk, boston.pk)
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("alder", ["Alderwood"]),
        ("BOS000002", ["Cedarholm"]),
        ("1990-02-03", ["Cedarholm"]),
        ("02/03/1990", ["Cedarholm"]),
        ("Ann Alder", ["Alderwood"]),
        ("zzz", []),
    ],
)
def test_patient_list_search_by_name_mrn_or_date_of_birth(
    physician, boston, patient_factory, client_for, query, expected
):
    """Given two patients, when searching by name words, MRN or DOB, then only matches show."""
    import datetime as dt

    patient_factory(site=boston, first_name="Ann", last_name="Alderwood", mrn="BOS000001")
    patient_factory(
        site=boston,
        first_name="Ben",
        last_name="Cedarholm",
        mrn="BOS000002",
        date_of_birth=dt.date(1990, 2, 3),
    )

    response = client_for(physician).get("/patients/", {"q": query})

    assert [p.last_name for p in response.context["page"].object_list] == expected


def test_patient_list_htmx_request_returns_the_table_partial(
    physician, boston, patient_factory, client_for
):
    patient_factory(site=boston, last_name="Alderwood")

    response = client_for(physician).get("/patients/", {"q": "ald"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "patients/_patient_table.html"
    assert b"<html" not in response.content


def test_patient_list_is_paginated_25_per_page(physician, boston, patient_factory, client_for):
    patient_factory.create_batch(30, site=boston)

    first = client_for(physician).get("/patients/")
    second = client_for(physician).get("/patients/", {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert first.context["page"].paginator.count == 30


def test_patient_list_runs_the_same_number_of_queries_for_1_and_50_patients(
    physician, boston, patient_factory, client_for, settings
):
    """The list page's query count does not grow with the number of patients shown."""
    settings.KETACLINIC_PAGE_SIZE = 50
    client = client_for(physician)
    patient_factory(site=boston)
    client.get("/patients/")  # warm the session so both measured requests do the same work
    one = _list_queries(client, "/patients/")

    patient_factory.create_batch(49, site=boston)
    fifty = _list_queries(client, "/patients/")

    assert one == fifty


def test_chart_shows_patient_and_writes_read_event(physician, boston, patient_factory, client_for):
    patient = patient_factory(site=boston, last_name="Alderwood", mrn="BOS000777")

    response = client_for(physician).get(f"/patients/{patient.pk}/")

    assert response.status_code == 200
    assert b"BOS000777" in response.content
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action=Action.READ, target_type="patient")
    assert (event.actor_id, event.patient_id, event.outcome) == (
        physician.pk,
        patient.pk,
        Outcome.SUCCESS,
    )


def test_chart_of_patient_at_another_site_is_404_like_a_missing_one_and_audited(
    wh_therapist, boston, patient_factory, client_for
):
    """wh-therapist asking for a Boston-only patient gets the same 404 as for a missing id."""
    patient = patient_factory(site=boston)
    client = client_for(wh_therapist)

    foreign = client.get(f"/patients/{patient.pk}/")
    missing = client.get(f"/patients/{patient.pk + 1000}/")

    assert (foreign.status_code, missing.status_code) == (404, 404)
    message = b'<p role="alert">No patient with that id at your sites.</p>'
    assert message in foreign.content
    assert message in missing.content
    assert patient.last_name.encode() not in foreign.content
    denials = AuditEvent.objects.filter(actor=wh_therapist, action=Action.ACCESS_DENIED)
    assert list(denials.order_by("id").values_list("patient_id", "detail", "outcome")) == [
        (patient.pk, "outside user's sites", Outcome.DENIED),
        (None, "no such patient", Outcome.DENIED),
    ]
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def test_roles_without_patient_access_get_403_and_a_denied_event(
    make_user, boston, patient_factory, client_for
):
    from ketaclinic.accounts.roles import Role

    researcher = make_user(Role.RESEARCHER, boston, username="researcher")
    patient = patient_factory(site=boston)

    listing = client_for(researcher).get("/patients/")
    chart = client_for(researcher).get(f"/patients/{patient.pk}/")

    assert (listing.status_code, chart.status_code) == (403, 403)
    assert b"Your role does not allow you to see patient records" in chart.content
    assert AuditEvent.objects.filter(actor=researcher, action=Action.ACCESS_DENIED).count() == 2
    assert not AuditEvent.objects.filter(action=Action.READ).exists()


def test_anonymous_visitor_is_sent_to_login(boston, patient_factory, client):
    patient = patient_factory(site=boston)

    response = client.get(f"/patients/{patient.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/patients/{patient.pk}/"
    assert not AuditEvent.objects.exists()

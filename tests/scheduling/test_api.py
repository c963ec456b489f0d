"""The calendar API: availability, booking (409 on a conflict), cancelling, listing."""

from __future__ import annotations

import datetime as dt

from ketaclinic.audit.models import AuditEvent
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book
from tests.scheduling.factories import add_appointments, at, day_ahead


def _body(patient, resource, clinician, day, **extra):
    return {
        "patient_id": patient.pk,
        "kind": "evaluation",
        "starts_at": at(day, 9).isoformat(),
        "resource_id": resource.pk,
        "clinician_id": clinician.pk,
        **extra,
    }


def test_availability_lists_free_slots(frontdesk, boston, room1, doctor, api_client_for):
    day = day_ahead()
    response = api_client_for(frontdesk).get(
        f"/api/v1/schedule/availability?site={boston.pk}&kind=evaluation&from={day:%Y-%m-%d}&days=1"
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["kind"], body["default_minutes"], len(body["days"])) == ("evaluation", 60, 1)
    first = body["days"][0]["slots"][0]
    assert (first["resource_ids"], first["clinician_ids"], first["late"]) == (
        [room1.pk],
        [doctor.pk],
        False,
    )
    assert AuditEvent.objects.filter(target_type="availability", action="read").count() == 1


def test_availability_refuses_unknown_kinds_and_params(frontdesk, boston, api_client_for):
    client = api_client_for(frontdesk)
    kind = client.get(f"/api/v1/schedule/availability?site={boston.pk}&kind=massage")
    extra = client.get(f"/api/v1/schedule/availability?site={boston.pk}&kind=evaluation&x=1")
    assert (kind.status_code, extra.status_code) == (400, 400)
    assert kind.json()["detail"].startswith("Unknown kind 'massage'")


def test_availability_at_another_site_is_404(frontdesk, west_hartford, api_client_for):
    response = api_client_for(frontdesk).get(
        f"/api/v1/schedule/availability?site={west_hartford.pk}&kind=evaluation"
    )
    assert response.status_code == 404


def test_book_then_conflict_is_409_naming_the_booking(
    frontdesk, patient, other_patient, room1, doctor, api_client_for
):
    """Given a booked evaluation, the same room and time for another patient is a 409 with
    the conflict named, and nothing more is written."""
    day = day_ahead()
    client = api_client_for(frontdesk)
    first = client.post(
        "/api/v1/appointments", _body(patient, room1, doctor, day), content_type="application/json"
    )
    assert first.status_code == 201
    assert (first.json()["kind"], first.json()["patient_mrn"], first.json()["resource_name"]) == (
        "evaluation",
        "BOS-00012",
        "Room 1",
    )
    second = client.post(
        "/api/v1/appointments",
        _body(other_patient, room1, doctor, day),
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert second.json()["detail"].startswith("Room 1 is already booked 9:00-10:00")
    assert Appointment.objects.count() == 1


def test_book_refuses_unknown_fields_and_naive_times(
    frontdesk, patient, room1, doctor, api_client_for
):
    day = day_ahead()
    client = api_client_for(frontdesk)
    unknown = client.post(
        "/api/v1/appointments",
        _body(patient, room1, doctor, day, colour="red"),
        content_type="application/json",
    )
    naive = client.post(
        "/api/v1/appointments",
        _body(patient, room1, doctor, day, starts_at=f"{day:%Y-%m-%d}T09:00:00"),
        content_type="application/json",
    )
    assert (unknown.status_code, naive.status_code) == (422, 422)
    assert Appointment.objects.count() == 0


def test_book_with_a_resource_of_another_site_is_400(
    frontdesk, patient, doctor, west_hartford, api_client_for
):
    from tests.scheduling.factories import chair

    far = chair(west_hartford, "Room W", kind="room")
    response = api_client_for(frontdesk).post(
        "/api/v1/appointments",
        _body(patient, far, doctor, day_ahead()),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == f"No chair or room with id {far.pk} at your sites."


def test_cancel_over_the_api(frontdesk, patient, room1, doctor, api_client_for):
    booked = appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="evaluation",
        starts_at=at(day_ahead(), 9),
        resource=room1,
        clinician=doctor,
    )
    client = api_client_for(frontdesk)
    url = f"/api/v1/appointments/{booked.pk}/cancel"
    empty = client.post(url, {"reason": " "}, content_type="application/json")
    assert empty.status_code == 400
    done = client.post(url, {"reason": "Moved (synthetic)"}, content_type="application/json")
    assert (done.status_code, done.json()["status"], done.json()["status_reason"]) == (
        200,
        "cancelled",
        "Moved (synthetic)",
    )


def test_the_list_is_site_scoped_paged_and_keeps_its_query_count(
    frontdesk, boston, room1, room2, doctor, api_client_for, django_assert_num_queries
):
    day = day_ahead()
    client = api_client_for(frontdesk)
    url = f"/api/v1/appointments?site={boston.pk}&from={day:%Y-%m-%d}&to={day:%Y-%m-%d}&limit=100"
    add_appointments(site=boston, resources=[room1, room2], clinician=doctor, day=day, count=1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        assert client.get(url).json()["count"] == 1
    add_appointments(site=boston, resources=[room1, room2], clinician=doctor, day=day, count=49)
    client = api_client_for(frontdesk)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert (response.json()["count"], len(response.json()["items"])) == (50, 50)
    assert AuditEvent.objects.filter(target_type="appointment_list").count() == 51


def test_the_list_refuses_a_reversed_range(frontdesk, boston, api_client_for):
    day = day_ahead()
    before = day - dt.timedelta(days=1)
    response = api_client_for(frontdesk).get(
        f"/api/v1/appointments?site={boston.pk}&from={day:%Y-%m-%d}&to={before:%Y-%m-%d}"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Give 'from' on or before 'to', at most 31 days apart."

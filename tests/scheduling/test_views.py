"""The calendar pages, booking page, appointment page and admin page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.audit.models import AuditEvent
from ketaclinic.scheduling.models import Appointment, OpeningHours, Resource
from ketaclinic.scheduling.services import appointment_book
from tests.scheduling.factories import add_appointments, at, day_ahead


def _evaluation(actor, patient, room, clinician, day, hour=9):
    return appointment_book(
        actor=actor,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, hour),
        resource=room,
        clinician=clinician,
    )


def test_the_day_grid_shows_the_block_with_the_patient(
    frontdesk, patient, room1, room2, doctor, client_for
):
    """Given an evaluation at 9:00 in Room 1, the front desk's day view has the rooms as
    columns and the block with time, kind, patient name and MRN, audited as a read."""
    day = day_ahead()
    booked = _evaluation(frontdesk, patient, room1, doctor, day)
    response = client_for(frontdesk).get(f"/schedule/?day={day:%Y-%m-%d}")
    body = response.content.decode()
    assert response.status_code == 200
    assert '>Room 1</a></th><th scope="col"><a' in body
    assert f'id="appointment-{booked.pk}"' in body
    assert "<strong>9:00-10:00</strong> Evaluation" in body
    assert "Alderwood, Ann · MRN BOS-00012" in body
    assert '<td rowspan="4">' in body
    assert (
        AuditEvent.objects.filter(action="read", target_type="calendar", patient=patient).count()
        == 1
    )


def test_a_clinic_admin_sees_the_calendar_without_patients(
    frontdesk, clinic_admin, patient, room1, doctor, client_for
):
    day = day_ahead()
    _evaluation(frontdesk, patient, room1, doctor, day)
    body = client_for(clinic_admin).get(f"/schedule/?day={day:%Y-%m-%d}").content.decode()
    assert "<strong>9:00-10:00</strong> Evaluation" in body
    assert "Alderwood" not in body
    assert "BOS-00012" not in body


def test_the_calendar_is_refused_to_roles_without_it(compliance, client_for):
    assert client_for(compliance).get("/schedule/").status_code == 403


def test_a_bad_day_is_a_400(frontdesk, room1, client_for):
    response = client_for(frontdesk).get("/schedule/?day=2026-13-45")
    assert response.status_code == 400
    assert "is not a day: give it as YYYY-MM-DD." in response.content.decode()


@pytest.mark.parametrize("page", ["day", "week", "resource", "clinician"])
def test_calendar_pages_keep_their_query_count(
    page, frontdesk, boston, room1, room2, doctor, client_for, django_assert_num_queries
):
    """The day, week, room and clinician pages run the same queries for 1 and 50 bookings."""
    day = day_ahead()
    urls = {
        "day": f"/schedule/?day={day:%Y-%m-%d}",
        "week": f"/schedule/week/?day={day:%Y-%m-%d}",
        "resource": f"/schedule/resources/{room1.pk}/?day={day:%Y-%m-%d}",
        "clinician": f"/schedule/clinicians/{doctor.pk}/?day={day:%Y-%m-%d}",
    }
    client = client_for(frontdesk)
    add_appointments(site=boston, resources=[room1, room2], clinician=doctor, day=day, count=1)
    client.get(urls[page])  # warm the session and the appointment types
    with CaptureQueriesContext(connection) as first:
        assert client.get(urls[page]).status_code == 200
    add_appointments(
        site=boston,
        resources=[room1, room2],
        clinician=doctor,
        day=day + dt.timedelta(days=0),
        count=49,
    )
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(urls[page])
    assert response.content.decode().count('class="appointment-block') >= 25


def test_the_week_of_a_clinician_at_another_site_is_404(frontdesk, wh_therapist, client_for):
    response = client_for(frontdesk).get(f"/schedule/clinicians/{wh_therapist.pk}/")
    assert response.status_code == 404


# --- Booking page ---------------------------------------------------------------------------


def test_the_booking_page_finds_patients_by_name(frontdesk, patient, client_for):
    response = client_for(frontdesk).get("/schedule/book/patients/?q=alder")
    assert response.status_code == 200
    assert (
        f'href="/schedule/book/?patient={patient.pk}">Alderwood, Ann</a>'
        in response.content.decode()
    )


def test_the_booking_page_offers_slots_that_fill_the_form(
    frontdesk, patient, room1, doctor, client_for
):
    """Given a patient and the kind, the page lists free times as links; following one fills
    the form with the time, the room and the physician."""
    day = day_ahead()
    client = client_for(frontdesk)
    page = client.get(f"/schedule/book/?patient={patient.pk}&kind=evaluation&day={day:%Y-%m-%d}")
    body = page.content.decode()
    assert page.status_code == 200
    assert ">8:00 Room 1 with Casey Example</a>" in body
    filled = client.get(
        f"/schedule/book/?patient={patient.pk}&kind=evaluation&starts_at={day:%Y-%m-%d}T09:00"
        f"&resource={room1.pk}&clinician={doctor.pk}"
    ).content.decode()
    assert f'value="{day:%Y-%m-%d}T09:00"' in filled
    assert f'<option value="{room1.pk}" selected>Room 1</option>' in filled
    assert f'<option value="{doctor.pk}" selected>Casey Example</option>' in filled


def _post(day, patient, resource, clinician, **extra):
    return {
        "patient": patient.pk,
        "kind": "evaluation",
        "starts_at": f"{day:%Y-%m-%d}T09:00",
        "resource": resource.pk,
        "clinician": clinician.pk,
        "nurse": "",
        "minutes": "",
        "note": "Prefers mornings (synthetic)",
        **extra,
    }


def test_booking_from_the_page_redirects_to_the_appointment(
    frontdesk, patient, room1, doctor, client_for
):
    day = day_ahead()
    response = client_for(frontdesk).post("/schedule/book/", _post(day, patient, room1, doctor))
    booked = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/schedule/appointments/{booked.pk}/"
    assert (booked.starts_at, booked.note) == (at(day, 9), "Prefers mornings (synthetic)")


def test_a_refused_booking_keeps_the_values_and_names_the_conflict(
    frontdesk, patient, other_patient, room1, doctor, client_for
):
    """Given Ann in Room 1 at 9:00, booking Ben there at 9:00 answers 400 with the conflict
    named and every typed value kept; nothing is written."""
    day = day_ahead()
    _evaluation(frontdesk, patient, room1, doctor, day)
    response = client_for(frontdesk).post(
        "/schedule/book/", _post(day, other_patient, room1, doctor)
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert (
        f"Room 1 is already booked 9:00-10:00 on {day:%a} {day.day} {day:%b} (evaluation for "
        "Ann Alderwood, MRN BOS-00012): choose another room or time."
    ) in body
    assert f'value="{day:%Y-%m-%d}T09:00"' in body
    assert "Prefers mornings (synthetic)" in body
    assert Appointment.objects.count() == 1


def test_booking_a_patient_of_another_site_is_404(
    frontdesk, west_hartford, room1, doctor, client_for
):
    from tests.factories import PatientFactory

    far = PatientFactory(site=west_hartford)
    response = client_for(frontdesk).post("/schedule/book/", _post(day_ahead(), far, room1, doctor))
    assert response.status_code == 404
    assert Appointment.objects.count() == 0


def test_the_infusion_booking_page_shows_spacing_and_gate_warnings(
    frontdesk, patient, course, chair1, nurse, client_for
):
    body = (
        client_for(frontdesk)
        .get(f"/schedule/book/?patient={patient.pk}&kind=infusion")
        .content.decode()
    )
    assert "session 1 of 3 · First session: no spacing to respect." in body
    assert 'id="gate-warnings"' in body
    assert "Preparation session signed by a physician: No signed preparation session" in body


# --- Appointment page ---------------------------------------------------------------------


def test_cancel_needs_a_reason_then_frees_the_slot(frontdesk, patient, room1, doctor, client_for):
    booked = _evaluation(frontdesk, patient, room1, doctor, day_ahead())
    client = client_for(frontdesk)
    url = f"/schedule/appointments/{booked.pk}/cancel/"
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    booked.refresh_from_db()
    assert booked.status == "booked"
    done = client.post(url, {"reason": "Patient asked to move it (synthetic)"})
    booked.refresh_from_db()
    assert (done.status_code, booked.status) == (302, "cancelled")


def test_after_an_infusion_the_page_offers_the_integration_in_its_window(
    frontdesk, patient, course, chair1, room1, nurse, therapist, client_for
):
    day = day_ahead()
    booked = appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="infusion",
        starts_at=at(day, 9),
        resource=chair1,
        nurse=nurse,
    )
    body = client_for(frontdesk).get(f"/schedule/appointments/{booked.pk}/").content.decode()
    assert 'id="book-integration"' in body
    assert "with Tara Therapist" in body
    assert f"integration_for={booked.infusion_id}" in body
    assert ">11:00 Room 1 with Tara Therapist</a>" in body


def test_an_appointment_of_another_site_is_404_and_audited(
    frontdesk, west_hartford, make_user, client_for
):
    from ketaclinic.accounts.roles import Role
    from tests.factories import PatientFactory
    from tests.scheduling.factories import chair, works_all_week

    far_desk = make_user(Role.FRONT_DESK, west_hartford)
    far_doctor = works_all_week(make_user(Role.PHYSICIAN, west_hartford), west_hartford)
    far_room = chair(west_hartford, "Room W", kind="room")
    far_patient = PatientFactory(site=west_hartford)
    booked = _evaluation(far_desk, far_patient, far_room, far_doctor, day_ahead())
    response = client_for(frontdesk).get(f"/schedule/appointments/{booked.pk}/")
    assert response.status_code == 404
    denial = AuditEvent.objects.get(action="access_denied", target_type="appointment")
    assert denial.patient_id == far_patient.pk


# --- Admin page -----------------------------------------------------------------------------


def test_the_clinic_admin_adds_a_chair_and_its_hours(clinic_admin, boston, client_for):
    client = client_for(clinic_admin)
    added = client.post(
        "/schedule/manage/add/resource/",
        {"site": boston.pk, "kind": "chair", "name": "Chair 5", "sort_order": 5},
    )
    chair = Resource.objects.get(name="Chair 5")
    assert added.status_code == 302
    hours = client.post(
        "/schedule/manage/add/hours/",
        {
            "site": boston.pk,
            "resource": chair.pk,
            "weekday": 0,
            "opens_at": "08:00",
            "closes_at": "18:00",
        },
    )
    assert hours.status_code == 302
    page = client.get(f"/schedule/manage/?site={boston.pk}").content.decode()
    assert "Monday 08:00-18:00" in page
    refused = client.post(
        "/schedule/manage/add/hours/",
        {
            "site": boston.pk,
            "resource": chair.pk,
            "weekday": 0,
            "opens_at": "18:00",
            "closes_at": "08:00",
        },
    )
    assert refused.status_code == 400
    assert "Closing time must be after opening time: check the times." in refused.content.decode()
    assert chair.hours.count() == 1


def test_removing_booked_hours_shows_the_booking_and_keeps_them(
    clinic_admin, frontdesk, patient, room1, doctor, boston, client_for
):
    """Given an evaluation in Room 1, when the clinic admin removes Room 1's hours for that
    weekday, the setup page comes back naming the booking and the hours are still there."""
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, 9),
        resource=room1,
        clinician=doctor,
    )
    hours = OpeningHours.objects.get(resource=room1, weekday=day.weekday())
    client = client_for(clinic_admin)
    response = client.post(f"/schedule/manage/remove/hours/{hours.pk}/", follow=True)
    assert response.status_code == 200
    assert (
        f"Room 1 is booked 9:00-10:00 on {day:%a} {day.day} {day:%b}: move or cancel its "
        "bookings in these hours before removing them."
    ) in response.content.decode()
    assert OpeningHours.objects.filter(pk=hours.pk).exists()


def test_the_front_desk_cannot_change_the_setup(frontdesk, boston, client_for):
    response = client_for(frontdesk).post(
        "/schedule/manage/add/resource/",
        {"site": boston.pk, "kind": "chair", "name": "Chair 9", "sort_order": 1},
    )
    assert response.status_code == 403
    assert not Resource.objects.filter(name="Chair 9").exists()


def test_the_nav_has_the_calendar_for_bookers(frontdesk, client_for):
    assert (
        f'href="{reverse("scheduling:day")}">Calendar</a>'
        in client_for(frontdesk).get("/").content.decode()
    )


def test_the_appointment_page_names_the_patient_for_the_front_desk(
    frontdesk, patient, room1, doctor, client_for
):
    booked = _evaluation(frontdesk, patient, room1, doctor, day_ahead())
    body = client_for(frontdesk).get(f"/schedule/appointments/{booked.pk}/").content.decode()
    assert "Alderwood, Ann</a> · MRN BOS-00012" in body


def test_no_infusion_slots_without_an_open_course(frontdesk, patient, chair1, nurse, client_for):
    body = client_for(frontdesk).get(f"/schedule/book/?patient={patient.pk}&kind=infusion")
    html = body.content.decode()
    assert "The patient has no open treatment course" in html
    assert 'id="slots"' not in html

"""The course page's booking goes through the calendar; the chair board shows every chair."""

from __future__ import annotations

from django.urls import reverse

from ketaclinic.infusions.models import Infusion
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book
from tests.scheduling.factories import at, day_ahead
from tests.treatment import InfusionFactory


def test_the_course_page_books_through_the_calendar(doctor, nurse, course, chair2, client_for):
    """Given the site's chairs in the calendar, booking from the course page in "chair 2"
    makes the calendar booking (Chair 2, a free nurse, the physician)."""
    day = day_ahead()
    response = client_for(doctor).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{day:%Y-%m-%d}T09:00", "chair": "chair 2"},
    )
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert booked.infusion is not None
    assert (booked.resource_id, booked.nurse_id, booked.infusion.chair) == (
        chair2.pk,
        nurse.pk,
        "Chair 2",
    )


def test_the_course_page_refuses_a_taken_chair(
    frontdesk, doctor, nurse, course, other_patient, other_course, chair2, make_user, client_for
):
    """Given Ben's infusion in Chair 2 at 9:00, booking Ann there at 10:00 from her course page
    is refused naming Ben's booking, and no infusion is written."""
    from ketaclinic.accounts.roles import Role
    from tests.scheduling.factories import works_all_week

    works_all_week(make_user(Role.NURSE, chair2.site), chair2.site)
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=other_patient,
        kind="infusion",
        starts_at=at(day, 9),
        resource=chair2,
        nurse=nurse,
    )
    response = client_for(doctor).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{day:%Y-%m-%d}T10:00", "chair": "Chair 2"},
    )
    assert response.status_code == 422
    assert (
        f"Chair 2 is already booked 9:00-11:00 on {day:%a} {day.day} {day:%b} (infusion for Ben "
        "Birch, MRN BOS-00013): choose another chair or time."
    ) in response.content.decode()
    assert Infusion.objects.filter(course=course).count() == 0


def test_the_course_page_names_the_chairs_for_an_unknown_one(
    doctor, nurse, course, chair1, chair2, client_for
):
    response = client_for(doctor).post(
        f"/courses/{course.pk}/infusions/",
        {
            "session_number": "1",
            "scheduled_at": f"{day_ahead():%Y-%m-%d}T09:00",
            "chair": "Chair 9",
        },
    )
    assert response.status_code == 422
    assert "Give one of the chairs at Boston, MA: Chair 1, Chair 2." in response.content.decode()


def test_the_chair_board_shows_free_chairs(doctor, nurse, course, chair1, chair2, client_for):
    """Given today's infusion in Chair 2 and Chair 1 free, the board lists Chair 1 as free
    and the infusion under Chair 2, in the calendar's order."""
    infusion = InfusionFactory(course=course, created_by=nurse, chair="Chair 2")
    html = client_for(nurse).get(reverse("infusions:chair_board")).content.decode()
    free = html.index('<tr class="free-chair"><td>Chair 1</td>')
    placed = html.index(f'id="board-infusion-{infusion.pk}"')
    assert free < placed
    assert html.count("Free today") == 1

"""Booking an infusion from the course page, the course chart section and the API."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.courses import selectors
from ketaclinic.courses.models import CourseStatus
from ketaclinic.infusions.models import Infusion, InfusionStatus
from tests.courses.factories import active_course, enrol, set_status
from tests.treatment import InfusionFactory

HX = {"HX-Request": "true"}
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _site_today() -> dt.date:
    return timezone.now().astimezone(NEW_YORK).date()


def _infusions():
    return list(
        Infusion.objects.values_list("course_id", "session_number", "status", "scheduled_at")
    )


@pytest.fixture
def course(ready, physician, kare):
    """Active KARE course (3 sessions, weekly) planned to start in two weeks."""
    return active_course(
        patient=ready,
        physician=physician,
        version=kare,
        planned_start=_site_today() + dt.timedelta(days=14),
    )


# --- The defaults -------------------------------------------------------------------------------


def test_booking_defaults_to_the_next_free_session_on_its_planned_day_at_nine(course, nurse):
    """Given session 1 booked, when the form's defaults are computed, then they are session 2
    on its planned date (start + 7 days) at 09:00 New York time."""
    InfusionFactory(course=course, created_by=nurse, session_number=1)
    course = selectors.course_get(user=nurse, course_id=course.pk)

    defaults = selectors.booking_defaults(overview=selectors.course_overview(course=course))

    assert defaults is not None
    assert defaults.session_number == 2
    assert defaults.scheduled_at == dt.datetime.combine(
        course.planned_start + dt.timedelta(days=7), dt.time(9, 0), tzinfo=NEW_YORK
    )


def test_a_cancelled_infusion_frees_its_session_again(course, nurse):
    """Given session 1 cancelled, the next free session is 1 again."""
    InfusionFactory(
        course=course, created_by=nurse, session_number=1, status=InfusionStatus.CANCELLED
    )

    overview = selectors.course_overview(course=course)

    defaults = selectors.booking_defaults(overview=overview)
    assert defaults is not None
    assert defaults.session_number == 1


def test_a_planned_date_in_the_past_defaults_to_today(ready, physician, kare):
    """Given a course planned to start 20 days ago and nothing booked, the default is session 1
    today at 09:00 site time (not the past date)."""
    start = _site_today() - dt.timedelta(days=20)
    course = active_course(patient=ready, physician=physician, version=kare, planned_start=start)

    defaults = selectors.booking_defaults(overview=selectors.course_overview(course=course))

    assert defaults is not None
    assert (defaults.session_number, defaults.scheduled_at) == (
        1,
        dt.datetime.combine(_site_today(), dt.time(9, 0), tzinfo=NEW_YORK),
    )


def test_no_defaults_when_every_session_is_booked_or_the_course_is_closed(course, nurse):
    for number in (1, 2, 3):
        InfusionFactory(course=course, created_by=nurse, session_number=number)
    assert selectors.booking_defaults(overview=selectors.course_overview(course=course)) is None

    Infusion.objects.filter(course=course).update(status=InfusionStatus.CANCELLED)
    set_status(course, CourseStatus.COMPLETED)
    assert selectors.booking_defaults(overview=selectors.course_overview(course=course)) is None


# --- The page form ------------------------------------------------------------------------------


def test_course_page_offers_the_booking_form_with_its_defaults(course, nurse, client_for):
    """Given session 1 booked in Chair 3, the course page lists it with its status, chair and
    flowsheet link, and the form proposes session 2 at 09:00 on its planned day."""
    booked = InfusionFactory(course=course, created_by=nurse, session_number=1, chair="Chair 3")
    second = course.planned_start + dt.timedelta(days=7)

    response = client_for(nurse).get(f"/courses/{course.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="/courses/{course.pk}/infusions/"' in html
    assert '<option value="2" selected>Session 2, planned ' in html
    assert "Session 1: booked (scheduled)" in html
    assert f'value="{second:%Y-%m-%d}T09:00"' in html
    assert f'href="/infusions/{booked.pk}/"' in html
    assert "Chair 3" in html


def test_a_therapist_is_not_offered_the_booking_form(course, therapist, client_for):
    html = client_for(therapist).get(f"/courses/{course.pk}/").content.decode()

    assert "Book infusion" not in html


def test_book_an_infusion_from_the_course_page(course, nurse, client_for):
    """When the nurse books session 1 at 10:30 site time in Chair 2, the infusion is stored at
    14:30 UTC (EDT) or 15:30 UTC (EST), audited, and the course page shows it."""
    day = course.planned_start
    client = client_for(nurse)

    response = client.post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{day:%Y-%m-%d}T10:30", "chair": " Chair 2 "},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/courses/{course.pk}/"
    infusion = Infusion.objects.get()
    assert (infusion.session_number, infusion.status, infusion.chair) == (1, "scheduled", "Chair 2")
    assert infusion.scheduled_at == dt.datetime.combine(day, dt.time(10, 30), tzinfo=NEW_YORK)
    assert infusion.created_by == nurse
    assert AuditEvent.objects.filter(
        action=Action.CREATE, target_type="infusion", target_id=str(infusion.pk)
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Infusion 1 booked." in page


def test_the_form_reads_and_shows_the_site_clock_not_the_server_clock(
    course, boston, nurse, client_for
):
    """Given a site in Los Angeles (the server runs on New York time), the default is 09:00
    Los Angeles time and a typed 10:30 is stored as 10:30 Los Angeles time."""
    boston.time_zone = "America/Los_Angeles"
    boston.save(update_fields=["time_zone"])
    day = course.planned_start
    client = client_for(nurse)

    page = client.get(f"/courses/{course.pk}/").content.decode()
    client.post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{day:%Y-%m-%d}T10:30"},
    )

    assert f'value="{day:%Y-%m-%d}T09:00"' in page
    assert Infusion.objects.get().scheduled_at == dt.datetime.combine(
        day, dt.time(10, 30), tzinfo=zoneinfo.ZoneInfo("America/Los_Angeles")
    )


def test_book_from_the_chart_section_is_204_with_chart_changed(course, nurse, client_for):
    """From the chart (htmx) a booking answers 204 with HX-Trigger: chart-changed; the
    section reloads itself and shows the message."""
    client = client_for(nurse)

    response = client.post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{course.planned_start:%Y-%m-%d}T09:00"},
        headers=HX,
    )
    section = client.get(f"/courses/patients/{course.patient_id}/", headers=HX).content.decode()

    assert response.status_code == 204
    assert response["HX-Trigger"] == "chart-changed"
    assert Infusion.objects.filter(course=course, session_number=1).count() == 1
    assert "Infusion 1 booked." in section
    assert '<option value="2" selected>' in section


def test_a_booked_session_is_refused_with_the_values_kept_and_nothing_written(
    course, nurse, client_for
):
    InfusionFactory(course=course, created_by=nurse, session_number=1)
    before = _infusions()
    when = f"{course.planned_start:%Y-%m-%d}T11:15"

    response = client_for(nurse).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": when, "chair": "Chair 9"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Session 1 is already booked" in html
    assert f'value="{when}"' in html
    assert 'value="Chair 9"' in html
    assert '<option value="1" selected>' in html
    assert _infusions() == before


def test_a_refusal_on_the_chart_re_renders_the_section_with_values_kept(course, nurse, client_for):
    response = client_for(nurse).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "2", "scheduled_at": "", "chair": "Chair 4"},
        headers=HX,
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert next(t.name for t in response.templates) == "courses/_chart_section.html"
    assert "HX-Trigger" not in response
    assert 'value="Chair 4"' in html
    assert '<option value="2" selected>' in html
    assert Infusion.objects.count() == 0


def test_an_implausible_year_is_refused(course, nurse, client_for):
    response = client_for(nurse).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": "2205-03-02T09:00"},
    )

    assert response.status_code == 422
    assert "Check the year" in response.content.decode()
    assert Infusion.objects.count() == 0


def test_a_closed_course_is_refused_and_writes_nothing(course, nurse, client_for):
    set_status(course, CourseStatus.DISCONTINUED, "Patient moved away (synthetic)")

    response = client_for(nurse).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{course.planned_start:%Y-%m-%d}T09:00"},
    )

    assert response.status_code == 422
    assert "The course is discontinued" in response.content.decode()
    assert Infusion.objects.count() == 0


def test_a_therapist_may_not_book_403_audited(course, therapist, client_for):
    response = client_for(therapist).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{course.planned_start:%Y-%m-%d}T09:00"},
    )

    assert response.status_code == 403
    assert Infusion.objects.count() == 0
    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denied.actor, denied.detail) == (therapist, "missing permission infusion.chart")


def test_booking_at_another_site_is_404_audited(course, make_user, west_hartford, client_for):
    from ketaclinic.accounts.roles import Role

    wh_nurse = make_user(Role.NURSE, west_hartford, username="wh-nurse")

    response = client_for(wh_nurse).post(
        f"/courses/{course.pk}/infusions/",
        {"session_number": "1", "scheduled_at": f"{course.planned_start:%Y-%m-%d}T09:00"},
    )

    assert response.status_code == 404
    assert Infusion.objects.count() == 0
    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denied.actor, denied.patient_id) == (wh_nurse, course.patient_id)


def test_course_page_with_booked_infusions_keeps_its_query_count(
    course, nurse, client_for, django_assert_max_num_queries
):
    for number in (1, 2):
        InfusionFactory(course=course, created_by=nurse, session_number=number)
    client = client_for(nurse)

    with django_assert_max_num_queries(30):
        page = client.get(f"/courses/{course.pk}/")
    with django_assert_max_num_queries(30):
        section = client.get(f"/courses/patients/{course.patient_id}/", headers=HX)

    assert page.status_code == section.status_code == 200
    assert '<option value="3" selected>' in section.content.decode()


# --- The API ------------------------------------------------------------------------------------


def _in_a_month() -> dt.date:
    return _site_today() + dt.timedelta(days=30)


def _body(**extra):
    return {"session_number": 1, "scheduled_at": f"{_in_a_month():%Y-%m-%d}T09:00:00-04:00"} | extra


def test_api_books_an_infusion(course, nurse, api_client_for):
    response = api_client_for(nurse).post(
        f"/api/v1/courses/{course.pk}/infusions",
        _body(chair="Chair 2"),
        content_type="application/json",
    )

    assert response.status_code == 201
    infusion = Infusion.objects.get()
    assert response.json() == {
        "id": infusion.pk,
        "course_id": course.pk,
        "session_number": 1,
        "status": "scheduled",
        "scheduled_at": f"{_in_a_month():%Y-%m-%d}T13:00:00Z",
        "chair": "Chair 2",
        "flowsheet_url": f"/infusions/{infusion.pk}/",
    }


def test_api_refuses_a_naive_time_and_unknown_fields(course, nurse, api_client_for):
    client = api_client_for(nurse)

    naive = client.post(
        f"/api/v1/courses/{course.pk}/infusions",
        _body(scheduled_at=f"{_in_a_month():%Y-%m-%d}T09:00:00"),
        content_type="application/json",
    )
    unknown = client.post(
        f"/api/v1/courses/{course.pk}/infusions",
        _body(dose_mg=50),
        content_type="application/json",
    )

    assert (naive.status_code, unknown.status_code) == (422, 422)
    assert "scheduled_at" in naive.json()["detail"]
    assert Infusion.objects.count() == 0


def test_api_refuses_a_session_outside_the_course(course, nurse, api_client_for):
    response = api_client_for(nurse).post(
        f"/api/v1/courses/{course.pk}/infusions",
        _body(session_number=4),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Session 4 is outside this course, which plans 3: choose a session from 1 to 3."
    )
    assert Infusion.objects.count() == 0


def test_api_booking_is_403_for_a_therapist_and_404_at_another_site(
    course, therapist, wh_physician, api_client_for
):
    url = f"/api/v1/courses/{course.pk}/infusions"

    forbidden = api_client_for(therapist).post(url, _body(), content_type="application/json")
    foreign = api_client_for(wh_physician).post(url, _body(), content_type="application/json")

    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "permission_denied")
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    assert Infusion.objects.count() == 0
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED)
    assert {(e.actor_id, e.patient_id) for e in denied} == {
        (therapist.pk, course.patient_id),
        (wh_physician.pk, course.patient_id),
    }


def test_api_booking_a_planned_course_is_allowed(ready, physician, nurse, kare, api_client_for):
    """Booking ahead of the start is allowed: the gates are checked at the infusion's start."""
    course = enrol(patient=ready, physician=physician, version=kare)

    response = api_client_for(nurse).post(
        f"/api/v1/courses/{course.pk}/infusions", _body(), content_type="application/json"
    )

    assert response.status_code == 201

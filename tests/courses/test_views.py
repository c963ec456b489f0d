"""Course pages: chart section, course page, enrolment, transitions, overrides, settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.courses.models import (
    CourseStatusChange,
    GateOverride,
    SiteTreatmentSettings,
    TreatmentCourse,
)
from tests.courses.factories import (
    active_course,
    enrol,
    integration_for,
    signed_infusion,
    signed_preparation,
)

HX = {"HX-Request": "true"}


def _courses():
    return (
        list(TreatmentCourse.objects.values_list("pk", "status", "status_reason")),
        CourseStatusChange.objects.count(),
        GateOverride.objects.count(),
    )


def test_chart_section_without_a_course_offers_enrolment(ready, physician, client_for):
    response = client_for(physician).get(f"/courses/patients/{ready.pk}/", headers=HX)

    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "courses/_chart_section.html"
    html = response.content.decode()
    assert "Not enrolled in a treatment course." in html
    assert f'href="/courses/patients/{ready.pk}/enrol/"' in html


def test_chart_section_shows_the_course_gates_and_actions(
    ready, physician, nurse, kare, client_for, django_assert_max_num_queries
):
    course = active_course(patient=ready, physician=physician, version=kare)
    signed_preparation(course=course, physician=physician)
    integration_for(
        signed_infusion(
            course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
        )
    )
    client = client_for(physician)

    with django_assert_max_num_queries(30):
        response = client.get(f"/courses/patients/{ready.pk}/", headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Active" in html
    assert kare.source in html
    assert "Before infusion 2 can start" in html
    assert 'data-gate="integration_not_overdue"' in html
    assert "Overdue" in html
    assert "Override the overdue integration for infusion 2" in html
    assert "Pause the course" in html
    read = AuditEvent.objects.filter(action=Action.READ, target_type="treatment_course").get()
    assert (read.actor, read.patient_id) == (physician, ready.pk)


def test_chart_section_of_another_site_is_404_and_audited(ready, wh_physician, client_for):
    response = client_for(wh_physician).get(f"/courses/patients/{ready.pk}/", headers=HX)

    assert response.status_code == 404
    assert AuditEvent.objects.get(action=Action.ACCESS_DENIED).actor == wh_physician


def test_a_therapist_sees_the_course_but_no_physician_actions(
    ready, physician, therapist, kare, client_for
):
    active_course(patient=ready, physician=physician, version=kare)

    html = client_for(therapist).get(f"/courses/patients/{ready.pk}/", headers=HX).content.decode()

    assert "Active" in html
    assert "Pause the course" not in html
    assert "Enrol in a treatment course" not in html


def test_the_course_page_has_the_timeline_and_history(ready, physician, kare, client_for):
    course = active_course(patient=ready, physician=physician, version=kare)

    response = client_for(physician).get(f"/courses/{course.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert f'id="course-{course.pk}-timeline-table"' in html
    assert "enrolled → Planned" in html
    assert "Planned → Active" in html


def test_the_course_page_of_another_site_is_404(ready, physician, wh_physician, kare, client_for):
    course = enrol(patient=ready, physician=physician, version=kare)

    assert client_for(wh_physician).get(f"/courses/{course.pk}/").status_code == 404


def test_enrol_page_is_for_physicians(ready, therapist, client_for):
    assert client_for(therapist).get(f"/courses/patients/{ready.pk}/enrol/").status_code == 403


def test_enrol_through_the_page(ready, physician, kare, client_for):
    response = client_for(physician).post(
        f"/courses/patients/{ready.pk}/enrol/",
        {
            "protocol_version": kare.pk,
            "planned_start": "2026-12-01",
            "supervising_physician": physician.pk,
        },
    )

    course = TreatmentCourse.objects.get(patient=ready)
    assert response.status_code == 302
    assert response["Location"] == f"/courses/{course.pk}/"
    assert (course.status, course.planned_start) == ("planned", dt.date(2026, 12, 1))


def test_enrol_refused_rerenders_with_values_and_422(patient, physician, kare, client_for):
    """Given a patient who is not ready, the form comes back with the typed values, the
    refusal, and nothing saved."""
    response = client_for(physician).post(
        f"/courses/patients/{patient.pk}/enrol/",
        {
            "protocol_version": kare.pk,
            "planned_start": "2026-12-01",
            "supervising_physician": physician.pk,
            "sessions_planned": "2",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "The patient is not ready for enrolment" in html
    assert 'value="2026-12-01"' in html
    assert 'value="2"' in html
    assert TreatmentCourse.objects.count() == 0


def test_start_then_pause_with_a_reason(ready, physician, kare, client_for):
    course = enrol(patient=ready, physician=physician, version=kare)
    client = client_for(physician)

    started = client.post(f"/courses/{course.pk}/start/")
    paused = client.post(f"/courses/{course.pk}/pause/", {"reason": "BP review (synthetic)"})

    assert (started.status_code, paused.status_code) == (302, 302)
    assert paused["HX-Trigger"] == "chart-changed"
    course.refresh_from_db()
    assert (course.status, course.status_reason) == ("paused", "BP review (synthetic)")


def test_pause_without_a_reason_is_422_and_changes_nothing(ready, physician, kare, client_for):
    course = active_course(patient=ready, physician=physician, version=kare)
    before = _courses()

    response = client_for(physician).post(f"/courses/{course.pk}/pause/", {"reason": ""})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert _courses() == before


def test_an_invalid_transition_shows_the_refusal(ready, physician, kare, client_for):
    course = enrol(patient=ready, physician=physician, version=kare)
    before = _courses()

    response = client_for(physician).post(f"/courses/{course.pk}/resume/")

    assert response.status_code == 422
    assert (
        "Cannot resume a course that is planned: only a paused course can be resumed."
        in response.content.decode()
    )
    assert _courses() == before


def test_chart_section_forms_post_by_htmx_into_the_section(ready, physician, kare, client_for):
    """On the chart (htmx) the action forms are boosted into #course-section; the plain page
    (no JS) keeps ordinary forms."""
    course = active_course(patient=ready, physician=physician, version=kare)
    client = client_for(physician)

    section = client.get(f"/courses/patients/{ready.pk}/", headers=HX).content.decode()
    page = client.get(f"/courses/patients/{ready.pk}/").content.decode()

    controls = (
        f'<div id="course-{course.pk}-controls" hx-boost="true" hx-target="#course-section"'
        ' hx-swap="innerHTML" hx-push-url="false">'
    )
    assert controls in section
    assert f'action="/courses/{course.pk}/pause/"' in section
    assert 'hx-boost="true"' not in page
    assert f'action="/courses/{course.pk}/pause/"' in page


def test_an_htmx_pause_answers_204_and_the_section_shows_the_message(
    ready, physician, kare, client_for
):
    """Given the chart section, when the physician pauses by htmx, the answer is 204 with
    HX-Trigger: chart-changed (the section reloads itself) and the reload says so."""
    course = active_course(patient=ready, physician=physician, version=kare)
    client = client_for(physician)

    response = client.post(
        f"/courses/{course.pk}/pause/", {"reason": "BP review (synthetic)"}, headers=HX
    )
    section = client.get(f"/courses/patients/{ready.pk}/", headers=HX).content.decode()

    assert (response.status_code, response["HX-Trigger"]) == (204, "chart-changed")
    course.refresh_from_db()
    assert course.status == "paused"
    assert "Course paused." in section
    assert "Resume course" in section


def test_a_refused_htmx_action_re_renders_the_section_with_422(ready, physician, kare, client_for):
    course = enrol(patient=ready, physician=physician, version=kare)
    before = _courses()

    response = client_for(physician).post(f"/courses/{course.pk}/resume/", headers=HX)

    assert response.status_code == 422
    assert "HX-Trigger" not in response
    assert next(t.name for t in response.templates) == "courses/_chart_section.html"
    assert "only a paused course can be resumed" in response.content.decode()
    assert _courses() == before


def test_an_htmx_pause_without_a_reason_keeps_the_form_open(ready, physician, kare, client_for):
    course = active_course(patient=ready, physician=physician, version=kare)
    before = _courses()

    response = client_for(physician).post(
        f"/courses/{course.pk}/pause/", {"reason": ""}, headers=HX
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "<details open><summary>Pause the course…</summary>" in html
    assert "This field is required." in html
    assert _courses() == before


def test_a_nurse_cannot_start_a_course(ready, physician, nurse, kare, client_for):
    course = enrol(patient=ready, physician=physician, version=kare)
    before = _courses()

    assert client_for(nurse).post(f"/courses/{course.pk}/start/").status_code == 403
    assert _courses() == before


def test_an_unknown_action_is_404(ready, physician, kare, client_for):
    course = enrol(patient=ready, physician=physician, version=kare)

    assert client_for(physician).post(f"/courses/{course.pk}/explode/").status_code == 404


def test_override_through_the_page(ready, physician, nurse, kare, client_for):
    course = active_course(patient=ready, physician=physician, version=kare)
    integration_for(
        signed_infusion(
            course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
        )
    )
    client = client_for(physician)

    refused = client.post(
        f"/courses/{course.pk}/gate-overrides/",
        {"gate": "integration_not_overdue", "session_number": "2", "reason": ""},
    )
    done = client.post(
        f"/courses/{course.pk}/gate-overrides/",
        {"gate": "integration_not_overdue", "session_number": "2", "reason": "Ill (synthetic)"},
    )

    assert (refused.status_code, done.status_code) == (422, 302)
    assert GateOverride.objects.get().reason == "Ill (synthetic)"


def test_booster_page_enrols_a_booster(ready, physician, kare, client_for):
    from ketaclinic.courses.services import course_complete

    course = active_course(patient=ready, physician=physician, version=kare)
    course_complete(actor=physician, course=course)

    response = client_for(physician).post(
        f"/courses/{course.pk}/booster/",
        {
            "protocol_version": kare.pk,
            "planned_start": "2026-12-01",
            "supervising_physician": physician.pk,
            "sessions_planned": "1",
        },
    )

    assert response.status_code == 302
    booster = TreatmentCourse.objects.get(booster_of=course)
    assert (booster.kind, booster.sessions_planned) == ("booster", 1)


@pytest.fixture
def settings_post(boston):
    prefix = f"site{boston.pk}-"
    return {
        "site_id": str(boston.pk),
        f"{prefix}integration_window_hours": "48",
        f"{prefix}weight_max_age_days": "30",
        f"{prefix}bag_volume_ml": "250.0",
        f"{prefix}concentration_mg_per_ml": "10.00",
    }


def test_a_clinic_admin_saves_site_settings(clinic_admin, boston, client_for, settings_post):
    client = client_for(clinic_admin)

    assert client.get("/courses/settings/").status_code == 200
    response = client.post("/courses/settings/", settings_post)

    assert response.status_code == 302
    assert SiteTreatmentSettings.objects.get(site=boston).integration_window_hours == 48


def test_invalid_site_settings_are_422_and_unsaved(clinic_admin, boston, client_for, settings_post):
    settings_post[f"site{boston.pk}-integration_window_hours"] = "0"

    response = client_for(clinic_admin).post("/courses/settings/", settings_post)

    assert response.status_code == 422
    assert SiteTreatmentSettings.objects.count() == 0


def test_site_settings_are_for_clinic_admins(physician, client_for):
    assert client_for(physician).get("/courses/settings/").status_code == 403

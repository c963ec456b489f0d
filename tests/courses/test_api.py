"""Course API: site-scoped, audited, strict inputs, paged lists."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.courses.models import CourseStatusChange, GateOverride, TreatmentCourse
from tests.courses.factories import (
    active_course,
    enrol,
    integration_for,
    signed_infusion,
    signed_preparation,
)


def _enrol_body(kare, physician, **extra):
    return {
        "protocol_version_id": kare.pk,
        "planned_start": "2026-12-01",
        "supervising_physician_id": physician.pk,
    } | extra


def test_enrol_and_list_courses(
    ready, physician, kare, api_client_for, django_assert_max_num_queries
):
    client = api_client_for(physician)

    created = client.post(
        f"/api/v1/patients/{ready.pk}/courses",
        _enrol_body(kare, physician),
        content_type="application/json",
    )
    with django_assert_max_num_queries(12):
        listed = client.get(f"/api/v1/patients/{ready.pk}/courses?limit=10")

    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["protocol_code"], body["sessions_planned"], body["kind"]) == (
        "planned",
        kare.template.code,
        3,
        "initial",
    )
    assert listed.json()["count"] == 1
    assert listed.json()["items"][0]["id"] == body["id"]


def test_enrol_refused_is_400_with_the_missing_items(patient, physician, kare, api_client_for):
    response = api_client_for(physician).post(
        f"/api/v1/patients/{patient.pk}/courses",
        _enrol_body(kare, physician),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith("The patient is not ready for enrolment: ")
    assert TreatmentCourse.objects.count() == 0


def test_enrol_rejects_unknown_fields(ready, physician, kare, api_client_for):
    response = api_client_for(physician).post(
        f"/api/v1/patients/{ready.pk}/courses",
        _enrol_body(kare, physician, dose_mg=500),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert TreatmentCourse.objects.count() == 0


def test_course_detail_has_history_and_planned_dates(ready, physician, kare, api_client_for):
    course = enrol(
        patient=ready, physician=physician, version=kare, planned_start=dt.date(2026, 3, 2)
    )

    body = api_client_for(physician).get(f"/api/v1/courses/{course.pk}").json()

    assert [s["planned_on"] for s in body["sessions"]] == ["2026-03-02", "2026-03-09", "2026-03-16"]
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [("", "planned")]
    read = AuditEvent.objects.filter(action=Action.READ, target_type="treatment_course").get()
    assert read.patient_id == ready.pk


def test_another_sites_course_is_404_and_audited(
    ready, physician, wh_physician, kare, api_client_for
):
    course = enrol(patient=ready, physician=physician, version=kare)

    response = api_client_for(wh_physician).get(f"/api/v1/courses/{course.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=wh_physician).exists()


def test_transitions_through_the_api(ready, physician, kare, api_client_for):
    course = enrol(patient=ready, physician=physician, version=kare)
    client = api_client_for(physician)

    assert client.post(f"/api/v1/courses/{course.pk}/start").json()["status"] == "active"
    paused = client.post(
        f"/api/v1/courses/{course.pk}/pause",
        {"reason": "BP review (synthetic)"},
        content_type="application/json",
    )
    assert (paused.json()["status"], paused.json()["status_reason"]) == (
        "paused",
        "BP review (synthetic)",
    )
    assert client.post(f"/api/v1/courses/{course.pk}/resume").json()["status"] == "active"
    assert client.post(f"/api/v1/courses/{course.pk}/complete").json()["status"] == "completed"
    assert CourseStatusChange.objects.filter(course=course).count() == 5


def test_an_invalid_transition_is_400_and_changes_nothing(ready, physician, kare, api_client_for):
    course = enrol(patient=ready, physician=physician, version=kare)

    response = api_client_for(physician).post(f"/api/v1/courses/{course.pk}/resume")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Cannot resume a course that is planned: only a paused course can be resumed.",
        "code": "conflict",
    }
    assert CourseStatusChange.objects.count() == 1


def test_a_therapist_gets_403_for_a_transition(ready, physician, therapist, kare, api_client_for):
    course = enrol(patient=ready, physician=physician, version=kare)

    response = api_client_for(therapist).post(f"/api/v1/courses/{course.pk}/start")

    assert response.status_code == 403
    assert TreatmentCourse.objects.get().status == "planned"


def test_gates_and_override(ready, physician, nurse, kare, api_client_for):
    course = active_course(patient=ready, physician=physician, version=kare)
    signed_preparation(course=course, physician=physician)
    integration_for(
        signed_infusion(
            course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
        )
    )
    client = api_client_for(physician)

    before = client.get(f"/api/v1/courses/{course.pk}/gates?session_number=2").json()
    override = client.post(
        f"/api/v1/courses/{course.pk}/gate-overrides",
        {"session_number": 2, "reason": "Therapist ill (synthetic)"},
        content_type="application/json",
    )
    after = client.get(f"/api/v1/courses/{course.pk}/gates?session_number=2").json()

    failed = [g["code"] for g in before["gates"] if not g["passed"]]
    assert failed == ["integration_not_overdue", "entry_condition"]
    assert before["ready"] is False
    assert override.status_code == 201
    assert override.json()["overridden_by"] == physician.username
    assert after["ready"] is True
    assert GateOverride.objects.count() == 1


def test_gates_reject_unknown_query_parameters(ready, physician, kare, api_client_for):
    course = enrol(patient=ready, physician=physician, version=kare)

    response = api_client_for(physician).get(
        f"/api/v1/courses/{course.pk}/gates?session_number=1&confirmed=1"
    )

    assert response.status_code == 400
    assert "Unknown query parameter(s): confirmed" in response.json()["detail"]

"""Therapy API: preparation and integration notes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.therapy.models import IntegrationSession, PreparationSession
from tests.courses.factories import active_course, integration_for, signed_infusion


@pytest.fixture
def course(ready, physician, kare, therapist):
    return active_course(patient=ready, physician=physician, version=kare, therapist=therapist)


def test_preparation_create_patch_sign_and_list(
    course, physician, api_client_for, django_assert_max_num_queries
):
    client = api_client_for(physician)

    created = client.post(
        f"/api/v1/courses/{course.pk}/preparations",
        {"intentions": "Be present (synthetic)"},
        content_type="application/json",
    )
    note_id = created.json()["id"]
    refused = client.post(f"/api/v1/preparations/{note_id}/sign")
    patched = client.patch(
        f"/api/v1/preparations/{note_id}",
        {"consent_reviewed": True},
        content_type="application/json",
    )
    signed = client.post(f"/api/v1/preparations/{note_id}/sign")
    with django_assert_max_num_queries(12):
        listed = client.get(f"/api/v1/courses/{course.pk}/preparations")

    assert created.status_code == 201
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "field": "consent_reviewed",
            "messages": [
                "Tick 'consent reviewed' once you have gone through the treatment consent "
                "with the patient."
            ],
        }
    ]
    assert patched.json()["intentions"] == "Be present (synthetic)"  # untouched by the patch
    assert (signed.status_code, signed.json()["status"]) == (200, "signed")
    assert listed.json()["count"] == 1


def test_preparation_rejects_unknown_fields(course, physician, api_client_for):
    response = api_client_for(physician).post(
        f"/api/v1/courses/{course.pk}/preparations",
        {"intentions": "x", "mood": "good"},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert PreparationSession.objects.count() == 0


def test_integration_patch_sign_and_list(
    course, nurse, therapist, api_client_for, django_assert_max_num_queries
):
    session = integration_for(signed_infusion(course=course, nurse=nurse))
    client = api_client_for(therapist)
    held = timezone.now().isoformat()

    patched = client.patch(
        f"/api/v1/integrations/{session.pk}",
        {"held_at": held, "what_emerged": "Calm (synthetic)", "craving_now": 3},
        content_type="application/json",
    )
    signed = client.post(f"/api/v1/integrations/{session.pk}/sign")
    again = client.post(
        f"/api/v1/integrations/{session.pk}",
        {"craving_now": 9},
        content_type="application/json",
    )
    with django_assert_max_num_queries(12):
        listed = client.get(f"/api/v1/courses/{course.pk}/integrations")

    assert patched.status_code == 200
    assert (
        signed.json()["status"],
        signed.json()["craving_now"],
        signed.json()["session_number"],
    ) == (
        "signed",
        3,
        1,
    )
    assert again.status_code == 400
    assert IntegrationSession.objects.get().craving_now == 3
    assert listed.json()["items"][0]["overdue"] is False


def test_integration_craving_out_of_range_is_422(course, nurse, therapist, api_client_for):
    session = integration_for(signed_infusion(course=course, nurse=nurse))

    response = api_client_for(therapist).patch(
        f"/api/v1/integrations/{session.pk}", {"craving_now": 11}, content_type="application/json"
    )

    assert response.status_code == 422


def test_overdue_flag_and_other_site_404(course, nurse, wh_therapist, therapist, api_client_for):
    session = integration_for(
        signed_infusion(
            course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
        )
    )

    mine = api_client_for(therapist).get(f"/api/v1/integrations/{session.pk}")
    theirs = api_client_for(wh_therapist).get(f"/api/v1/integrations/{session.pk}")

    assert mine.json()["overdue"] is True
    assert theirs.status_code == 404

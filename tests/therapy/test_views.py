"""Therapy pages: the note forms (drafts never lost), the dashboard and the home card."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.therapy.models import IntegrationSession, PreparationSession
from tests.courses.factories import active_course, integration_for, signed_infusion
from tests.treatment import SignedPreparationFactory


@pytest.fixture
def course(ready, physician, kare, therapist):
    return active_course(patient=ready, physician=physician, version=kare, therapist=therapist)


@pytest.fixture
def integration(course, nurse):
    return integration_for(signed_infusion(course=course, nurse=nurse))


PREP = {
    "held_at": "2026-01-05T10:30",
    "intentions": "Be present (synthetic)",
    "expectations": "",
    "set_and_setting": "Quiet (synthetic)",
    "questions": "",
}


def test_preparation_form_is_for_physicians(course, therapist, physician, client_for):
    assert (
        client_for(therapist).get(f"/therapy/courses/{course.pk}/preparations/new/").status_code
        == 403
    )
    assert (
        client_for(physician).get(f"/therapy/courses/{course.pk}/preparations/new/").status_code
        == 200
    )


def test_save_draft_keeps_the_half_filled_note(course, physician, client_for):
    response = client_for(physician).post(
        f"/therapy/courses/{course.pk}/preparations/new/", PREP | {"action": "save"}
    )

    note = PreparationSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/therapy/preparations/{note.pk}/"
    assert (note.status, note.intentions) == ("draft", "Be present (synthetic)")
    # The typed wall-clock time is Boston's.
    assert note.held_at == dt.datetime(2026, 1, 5, 15, 30, tzinfo=dt.UTC)


def test_sign_without_consent_reviewed_keeps_the_draft_and_the_values(
    course, physician, client_for
):
    response = client_for(physician).post(
        f"/therapy/courses/{course.pk}/preparations/new/", PREP | {"action": "sign"}
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Tick &#x27;consent reviewed&#x27;" in html
    assert "Be present (synthetic)" in html
    note = PreparationSession.objects.get()
    assert note.status == "draft"
    assert f'action="/therapy/preparations/{note.pk}/"' in html


def test_sign_a_preparation_then_it_is_read_only(course, physician, client_for):
    client = client_for(physician)
    client.post(
        f"/therapy/courses/{course.pk}/preparations/new/",
        PREP | {"action": "sign", "consent_reviewed": "on"},
    )
    note = PreparationSession.objects.get()

    page = client.get(f"/therapy/preparations/{note.pk}/").content.decode()
    refused = client.post(f"/therapy/preparations/{note.pk}/", PREP | {"action": "save"})

    assert note.status == "signed"
    assert "A signed note cannot be edited." in page
    assert refused.status_code == 422
    assert "signed and can no longer be edited" in refused.content.decode()


def test_integration_page_shows_carried_intentions(
    course, physician, therapist, integration, client_for
):
    SignedPreparationFactory(course=course, physician=physician, intentions="Be brave (synthetic)")

    html = client_for(therapist).get(f"/therapy/integrations/{integration.pk}/").content.decode()

    assert "Be brave (synthetic)" in html
    assert "Integration after infusion 1" in html


def test_integration_validation_error_rerenders_values_with_422(integration, therapist, client_for):
    response = client_for(therapist).post(
        f"/therapy/integrations/{integration.pk}/",
        {"what_emerged": "Grief (synthetic)", "craving_now": "14", "action": "save"},
    )

    assert response.status_code == 422
    assert "Grief (synthetic)" in response.content.decode()
    integration.refresh_from_db()
    assert integration.what_emerged == ""


def test_a_therapist_signs_the_integration_through_the_page(integration, therapist, client_for):
    held = timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    response = client_for(therapist).post(
        f"/therapy/integrations/{integration.pk}/",
        {"held_at": held, "what_emerged": "Calm (synthetic)", "craving_now": "2", "action": "sign"},
    )

    assert response.status_code == 302
    assert IntegrationSession.objects.get().status == "signed"


def test_integration_page_of_another_site_is_404(integration, wh_therapist, client_for):
    assert (
        client_for(wh_therapist).get(f"/therapy/integrations/{integration.pk}/").status_code == 404
    )


def test_dashboard_lists_overdue_integrations(
    course, nurse, therapist, client_for, django_assert_max_num_queries
):
    for number in (1, 2):
        integration_for(
            signed_infusion(
                course=course,
                nurse=nurse,
                session_number=number,
                signed_at=timezone.now() - dt.timedelta(hours=80 - number),
            )
        )
    client = client_for(therapist)

    with django_assert_max_num_queries(12):
        response = client.get("/therapy/integrations/due/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Overdue (2)" in html
    assert html.count('class="overdue"') == 2


def test_dashboard_is_forbidden_for_a_nurse(nurse, client_for):
    assert client_for(nurse).get("/therapy/integrations/due/").status_code == 403


def test_home_card(integration, therapist, nurse, client_for):
    card = client_for(therapist).get("/therapy/home-card/", headers={"HX-Request": "true"})

    assert card.status_code == 200
    assert "None overdue · 0 due within 24 hours" in card.content.decode()
    assert client_for(nurse).get("/therapy/home-card/").status_code == 204

"""QA fixes (issue 5): the consent checkbox is not covered by its help text, and a new
draft's "Held at" starts at now in the site's time."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone

from tests.courses.factories import active_course, integration_for, signed_infusion

CHECKBOX = re.compile(
    r'<div class="checkbox-field" id="id_consent_reviewed_field">\s*'
    r'<label for="id_consent_reviewed"><input type="checkbox" name="consent_reviewed" '
    r'aria-describedby="id_consent_reviewed_helptext" id="id_consent_reviewed"> '
    r"I reviewed the treatment consent with the patient</label>\s*"
    r'<small id="id_consent_reviewed_helptext" class="muted">Required to sign.</small>'
)


@pytest.fixture
def course(ready, physician, kare, therapist):
    return active_course(patient=ready, physician=physician, version=kare, therapist=therapist)


def _minutes_around_now(zone: zoneinfo.ZoneInfo) -> set[str]:
    now = timezone.now()
    return {
        timezone.localtime(moment, zone).strftime("%Y-%m-%dT%H:%M")
        for moment in (now - dt.timedelta(minutes=1), now)
    }


def _held_at_value(html: str) -> str:
    found = re.search(r'<input type="datetime-local" name="held_at" value="([^"]*)"', html)
    assert found is not None, "no held_at input with a value"
    return found.group(1)


def test_the_consent_checkbox_sits_in_its_label_with_the_help_after_it(
    course, physician, client_for
):
    """Pico pulls a <small> that directly follows an <input> up by a negative margin, over a
    checkbox; the help now follows the label, and clicking the label's words ticks the box."""
    html = client_for(physician).get(f"/therapy/courses/{course.pk}/preparations/new/")

    text = html.content.decode()
    assert CHECKBOX.search(text)
    assert not re.search(r'id="id_consent_reviewed">\s*<small', text)


def test_a_refused_sign_keeps_the_ticked_box_in_its_label(course, physician, client_for):
    response = client_for(physician).post(
        f"/therapy/courses/{course.pk}/preparations/new/",
        {"held_at": "", "intentions": "", "consent_reviewed": "on", "action": "sign"},
    )

    text = response.content.decode()
    assert response.status_code == 422
    assert re.search(
        r'<label for="id_consent_reviewed"><input type="checkbox" name="consent_reviewed" '
        r'aria-describedby="id_consent_reviewed_helptext" id="id_consent_reviewed" checked> ',
        text,
    )


def test_a_new_integration_draft_is_held_now_in_site_time(course, nurse, therapist, client_for):
    """Boston is UTC-5/-4: the field shows Boston's wall clock, not the server's UTC."""
    integration = integration_for(signed_infusion(course=course, nurse=nurse))
    zone = zoneinfo.ZoneInfo(course.patient.site.time_zone)

    html = client_for(therapist).get(f"/therapy/integrations/{integration.pk}/").content.decode()

    assert integration.held_at is None
    assert course.patient.site.time_zone == "America/New_York"
    assert _held_at_value(html) in _minutes_around_now(zone)


def test_a_new_preparation_draft_is_held_now_in_site_time(course, physician, client_for):
    zone = zoneinfo.ZoneInfo(course.patient.site.time_zone)

    html = client_for(physician).get(f"/therapy/courses/{course.pk}/preparations/new/")

    assert _held_at_value(html.content.decode()) in _minutes_around_now(zone)


def test_a_saved_integration_keeps_its_own_held_at(course, nurse, therapist, client_for):
    integration = integration_for(signed_infusion(course=course, nurse=nurse))
    integration.held_at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    integration.save(update_fields=["held_at"])
    zone = zoneinfo.ZoneInfo(course.patient.site.time_zone)

    html = client_for(therapist).get(f"/therapy/integrations/{integration.pk}/").content.decode()

    assert _held_at_value(html) == timezone.localtime(integration.held_at, zone).strftime(
        "%Y-%m-%dT%H:%M"
    )

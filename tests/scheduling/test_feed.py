"""The clinician's private iCalendar feed."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client

from ketaclinic.audit.models import AuditEvent
from ketaclinic.scheduling.models import CalendarFeed
from ketaclinic.scheduling.services import appointment_book, calendar_feed_create
from tests.scheduling.factories import at, day_ahead


def _token(client) -> str:
    body = client.post("/schedule/my-feed/", {"action": "create"}).content.decode()
    match = re.search(r"/schedule/feed/([A-Za-z0-9_-]+)\.ics", body)
    assert match is not None
    return match.group(1)


def test_the_feed_has_no_patient_and_is_rfc5545(
    frontdesk, nurse, doctor, patient, course, chair2, client_for
):
    """Given an infusion the nurse looks after, her feed (fetched without a login) lists it
    as "Infusion — Chair 2" at the site, in UTC, with CRLF lines of at most 75 octets, and
    never the patient's name or MRN; the fetch is audited."""
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="infusion",
        starts_at=at(day, 9),
        resource=chair2,
        nurse=nurse,
    )
    token = _token(client_for(nurse))
    assert len(token) >= 43  # 32 random bytes
    stored = CalendarFeed.objects.get(user=nurse)
    assert token not in stored.token_hash
    response = Client().get(f"/schedule/feed/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    text = raw.decode()
    assert "\r\n" in text
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "SUMMARY:Infusion — Chair 2" in text
    assert "LOCATION:Boston\\, MA" in text
    start = at(day, 9).astimezone(dt.UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in text
    assert "UID:appointment-" in text
    assert "DTSTAMP:" in text
    for secret in ("Alderwood", "Ann", "BOS-00012"):
        assert secret not in text
    assert AuditEvent.objects.filter(target_type="calendar_feed", action="read").count() == 1


def test_a_bad_token_is_404_and_audited(db, client):
    response = client.get("/schedule/feed/" + "x" * 43 + ".ics")
    assert response.status_code == 404
    assert (
        AuditEvent.objects.filter(target_type="calendar_feed", action="access_denied").count() == 1
    )


def test_rotate_and_revoke_stop_the_old_address(nurse, client, client_for):
    _feed, old = calendar_feed_create(actor=nurse)
    _feed, new = calendar_feed_create(actor=nurse)
    assert client.get(f"/schedule/feed/{old}.ics").status_code == 404
    assert client.get(f"/schedule/feed/{new}.ics").status_code == 200
    client_for(nurse).post("/schedule/my-feed/", {"action": "revoke"})
    assert client.get(f"/schedule/feed/{new}.ics").status_code == 404
    assert CalendarFeed.objects.count() == 0


def test_the_front_desk_has_no_feed(frontdesk, client_for):
    assert client_for(frontdesk).post("/schedule/my-feed/", {"action": "create"}).status_code == 403
    assert CalendarFeed.objects.count() == 0

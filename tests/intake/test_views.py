"""The public inquiry form at /inquire/<site-slug>/ and its confirmation page."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.intake.models import Inquiry, InquiryAttempt
from ketaclinic.intake.views import URGENT_SESSION_KEY

FORM_URL = "/inquire/boston/"
THANKS_URL = "/inquire/boston/thanks/"


def _post(client: Client, data: dict[str, object], ip: str = "203.0.113.7"):
    return client.post(FORM_URL, data, REMOTE_ADDR=ip)


def test_form_is_public_mobile_friendly_and_has_a_hidden_labelled_trap_field(boston, client):
    """Given no login, when the form is opened, then it renders with CSRF and a honeypot."""
    response = client.get(FORM_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in content
    assert "<h1>Contact Boston, MA</h1>" in content
    assert 'name="csrfmiddlewaretoken"' in content
    assert '<div class="kc-hp" aria-hidden="true">' in content
    assert '<label for="id_website">Leave this empty</label>' in content
    assert "Are you having thoughts of harming yourself or ending your life right now?" in content
    assert "Ketamine or other dissociatives" in content


@pytest.mark.parametrize("slug", ["nowhere", "closed-site"])
def test_unknown_or_inactive_site_is_404(slug, client, db):
    """Given a slug that is missing or belongs to an inactive site, the form is a 404."""
    from tests.factories import SiteFactory

    SiteFactory(slug="closed-site", name="Closed", is_active=False)

    form = client.get(f"/inquire/{slug}/")
    thanks = client.get(f"/inquire/{slug}/thanks/")

    assert (form.status_code, thanks.status_code) == (404, 404)
    assert b"There is no clinic at this address" in form.content


def test_valid_submission_is_stored_and_redirects_without_personal_data(boston, client, form_data):
    """Given a complete form, when posted, then the inquiry is stored and the URL is opaque."""
    response = _post(client, form_data)

    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    inquiry = Inquiry.objects.get()
    assert (inquiry.site, inquiry.first_name, inquiry.last_name) == (
        boston,
        "Robin",
        "Quillfeather",
    )
    assert inquiry.date_of_birth == dt.date(1985, 4, 12)
    assert (inquiry.phone, inquiry.email, inquiry.preferred_contact) == (
        "(857) 555-0142",
        "robin.q@example.org",
        "text",
    )
    assert inquiry.addictions == ["alcohol", "gambling", "other"]
    assert inquiry.addiction_other == "Video games"
    assert inquiry.prior_treatment == "Twelve weeks of outpatient counselling"
    assert (inquiry.psychosis_history, inquiry.prior_ketamine_misuse) == ("unsure", "yes")
    assert (inquiry.crisis_reported, inquiry.is_urgent, inquiry.status) == (False, False, "new")
    assert URGENT_SESSION_KEY not in client.session
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_username, event.site_id, event.target_id) == (
        Action.CREATE,
        "public inquiry form",
        boston.pk,
        str(inquiry.pk),
    )
    assert "Robin" not in event.detail


def test_confirmation_says_what_happens_next_without_crisis_block(boston, client, form_data):
    """Given a non-urgent inquiry, the confirmation explains next steps and no crisis alert."""
    response = client.get(_post(client, form_data)["Location"])

    assert response.status_code == 200
    assert b"contacts you within one business day, the way you asked us to" in response.content
    assert b'id="crisis-resources"' not in response.content


def test_crisis_yes_marks_urgent_and_puts_988_first_on_the_next_page(boston, client, form_data):
    """Given the crisis question answered yes, the inquiry is urgent and 988 leads the page."""
    response = client.get(_post(client, {**form_data, "crisis": "yes"})["Location"])

    inquiry = Inquiry.objects.get()
    assert (inquiry.crisis_reported, inquiry.is_urgent) == (True, True)
    assert client.session[URGENT_SESSION_KEY] is True
    content = response.content.decode()
    assert "Call or text 988 (Suicide &amp; Crisis Lifeline)" in content
    assert "call 911 in an emergency" in content
    body = content.split("<body>", 1)[1].lstrip()
    assert body.startswith('<section class="crisis" id="crisis-resources" role="alert"')
    assert content.index("Call or text 988") < content.index("<h1>Thank you")
    assert AuditEvent.objects.get().detail == "urgent: crisis question answered yes"


def test_crisis_yes_shows_988_first_even_when_the_form_must_be_corrected(boston, client, form_data):
    """Given crisis yes and a bad email, the re-shown form starts with the crisis resources."""
    response = _post(client, {**form_data, "crisis": "yes", "email": "bad"})

    assert response.status_code == 400
    body = response.content.decode().split("<body>", 1)[1].lstrip()
    assert body.startswith('<section class="crisis" id="crisis-resources" role="alert"')
    assert not Inquiry.objects.exists()


def test_no_crisis_block_on_a_form_reshown_after_crisis_no(boston, client, form_data):
    response = _post(client, {**form_data, "email": "bad"})

    assert b'id="crisis-resources"' not in response.content


def test_bad_email_reshows_form_with_400_every_typed_value_and_a_message(boston, client, form_data):
    """Given a bad email, the form comes back with every other value kept; nothing stored."""
    response = _post(client, {**form_data, "email": "robin-at-example"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter an email address like name@example.org." in content
    for value in [
        'value="Robin"',
        'value="Quillfeather"',
        'value="1985-04-12"',
        'value="857-555-0142"',
        'value="robin-at-example"',
        'value="Video games"',
        "Twelve weeks of outpatient counselling</textarea>",
    ]:
        assert value in content
    for name, value in [
        ("preferred_contact", "text"),
        ("addictions", "alcohol"),
        ("addictions", "gambling"),
        ("addictions", "other"),
        ("psychosis_history", "unsure"),
        ("prior_ketamine_misuse", "yes"),
        ("crisis", "no"),
    ]:
        assert f'name="{name}" value="{value}"' in content
        chunk = content.split(f'name="{name}" value="{value}"', 1)[1].split(">", 1)[0]
        assert "checked" in chunk, (name, value)
    assert 'name="addictions" value="cannabis" id="id_addictions_3">' in content
    assert not Inquiry.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"addiction_other": ""},
            "addiction_other",
            "You ticked &#x27;Other&#x27;: say what it is.",
        ),
        (
            {"preferred_contact": "email", "email": ""},
            "email",
            "Enter your email address: you asked us to email you.",
        ),
        ({"phone": ""}, "phone", "Enter your phone number: you asked us to call or text."),
        ({"phone": "call me"}, "phone", "Enter a US phone number with its area code"),
        ({"addictions": []}, "addictions", "Choose at least one thing you would like help with."),
        ({"crisis": ""}, "crisis", "Please answer yes or no."),
        ({"pregnancy": ""}, "pregnancy", "Choose yes, no or not sure."),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "The date of birth is in the future"),
    ],
)
def test_each_invalid_answer_gets_its_own_message_and_nothing_is_stored(
    boston, client, form_data, change, field, message
):
    response = _post(client, {**form_data, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(response.context["form"].errors) == [field]
    assert not Inquiry.objects.exists()


def test_sixth_submission_in_an_hour_gets_429_and_stores_nothing(boston, client, form_data):
    """Given five submissions from one address, the sixth is refused with a friendly page."""
    for _ in range(5):
        assert _post(client, form_data).status_code == 302
    assert Inquiry.objects.count() == 5

    response = _post(client, form_data)

    assert response.status_code == 429
    assert b"You have sent several inquiries in the last hour" in response.content
    assert b"Please call the clinic" in response.content
    assert b'id="crisis-resources"' not in response.content
    assert Inquiry.objects.count() == 5


def test_a_refused_submission_with_crisis_yes_still_shows_988(boston, client, form_data):
    """Given the limit reached, a person answering the crisis question yes still sees 988."""
    for _ in range(5):
        _post(client, form_data)

    response = _post(client, {**form_data, "crisis": "yes"})

    assert response.status_code == 429
    assert b"Call or text 988 (Suicide &amp; Crisis Lifeline)" in response.content
    assert Inquiry.objects.count() == 5


def test_the_limit_is_per_address(boston, client, form_data):
    """Given one address at its limit, another address can still submit."""
    for _ in range(6):
        _post(client, form_data, ip="203.0.113.7")

    response = _post(client, form_data, ip="198.51.100.9")

    assert response.status_code == 302
    assert Inquiry.objects.count() == 6


def test_attempts_are_kept_by_digest_never_by_raw_address(boston, client, form_data):
    _post(client, form_data, ip="203.0.113.7")

    attempt = InquiryAttempt.objects.get()
    assert len(attempt.address_digest) == 64
    assert "203.0.113" not in attempt.address_digest


def test_honeypot_pretends_success_and_stores_nothing(boston, client, form_data):
    """Given the hidden trap field filled in, the visitor sees the confirmation; nothing kept."""
    response = _post(client, {**form_data, "website": "http://spam.example"})

    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    assert client.get(THANKS_URL).status_code == 200
    assert not Inquiry.objects.exists()
    assert not AuditEvent.objects.exists()


def test_honeypot_with_crisis_yes_still_shows_988(boston, client, form_data):
    """Given a person who somehow filled the trap field, a crisis yes still brings up 988."""
    _post(client, {**form_data, "website": "x", "crisis": "yes"})

    response = client.get(THANKS_URL)

    assert b'id="crisis-resources"' in response.content
    assert not Inquiry.objects.exists()


def test_post_without_csrf_token_is_refused(boston, form_data):
    client = Client(enforce_csrf_checks=True)

    response = client.post(FORM_URL, form_data)

    assert response.status_code == 403
    assert not Inquiry.objects.exists()


def test_submission_logs_no_personal_data(boston, client, form_data, caplog):
    """Given a submission, nothing the person typed reaches the server log."""
    with caplog.at_level(logging.DEBUG):
        _post(client, form_data)
        _post(client, {**form_data, "email": "bad"})

    for value in ["Robin", "Quillfeather", "1985-04-12", "555-0142", "robin.q@example.org"]:
        assert value not in caplog.text

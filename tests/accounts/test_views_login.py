"""Sign-in, sign-out and lockout through the real middleware stack (axes, sessions, audit)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from tests.factories import TEST_PASSWORD

LOGIN_URL = "/accounts/login/"


def _audit_rows() -> list[tuple[str, str, int | None, str, str, str]]:
    return [
        (e.action, e.actor_username, e.actor_id, e.target_id, e.outcome, e.detail)
        for e in AuditEvent.objects.order_by("id")
    ]


def test_login_with_right_password_redirects_home_and_audits(physician):
    """Given a physician, when they sign in with the right password,
    then they land on the start page with a session and a login row is written."""
    client = Client()

    response = client.post(LOGIN_URL, {"username": "physician", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(physician.pk)
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor_id,
        event.actor_username,
        event.roles,
        event.target_type,
        event.outcome,
        event.client_ip,
        event.detail,
    ) == (
        Action.LOGIN,
        physician.pk,
        "physician",
        "physician",
        "session",
        Outcome.SUCCESS,
        "127.0.0.1",
        "",
    )


def test_login_with_wrong_password_is_400_and_audited_as_failure(physician):
    """Given a physician, when they type a wrong password,
    then the form says so (400), no session starts and a login_failed row names the typed user."""
    client = Client()

    response = client.post(LOGIN_URL, {"username": "physician", "password": "not-the-password"})

    assert response.status_code == 400
    assert (
        f"Wrong username or password. After {settings.AXES_FAILURE_LIMIT} wrong attempts "
        "the account is locked for 15 minutes."
    ) in response.content.decode()
    assert SESSION_KEY not in client.session
    assert _audit_rows() == [
        (
            Action.LOGIN_FAILED,
            "physician",
            None,
            str(physician.pk),
            Outcome.FAILURE,
            "wrong username or password",
        )
    ]


def test_login_with_unknown_username_audits_the_typed_name_without_a_target(db):
    """Given no account called 'ghost', when someone tries to sign in as 'ghost',
    then the failure row keeps the typed name and points at no account."""
    response = Client().post(LOGIN_URL, {"username": "ghost", "password": "whatever-it-is"})

    assert response.status_code == 400
    assert _audit_rows() == [
        (Action.LOGIN_FAILED, "ghost", None, "", Outcome.FAILURE, "wrong username or password")
    ]


def test_login_of_inactive_account_is_refused_like_a_wrong_password(physician):
    """Given a deactivated physician, when they sign in with the right password,
    then they are refused with the same message and no session starts."""
    physician.is_active = False
    physician.save()
    client = Client()

    response = client.post(LOGIN_URL, {"username": "physician", "password": TEST_PASSWORD})

    assert response.status_code == 400
    assert "Wrong username or password" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert _audit_rows() == [
        (
            Action.LOGIN_FAILED,
            "physician",
            None,
            str(physician.pk),
            Outcome.FAILURE,
            "wrong username or password",
        )
    ]


def test_failure_limit_locks_the_account_even_for_the_right_password(physician):
    """Given AXES_FAILURE_LIMIT wrong passwords in a row, when the physician then types the
    right password, then axes answers with the lockout page and no session starts."""
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [
        client.post(LOGIN_URL, {"username": "physician", "password": f"wrong-{n}"}).status_code
        for n in range(limit)
    ]

    response = client.post(LOGIN_URL, {"username": "physician", "password": TEST_PASSWORD})

    lockout_status = getattr(settings, "AXES_HTTP_RESPONSE_CODE")  # noqa: B009  # set by axes
    assert lockout_status == 429  # axes' default: Too Many Requests
    # The attempt that reaches the limit is itself answered with the lockout page.
    assert statuses == [400] * (limit - 1) + [lockout_status]
    assert response.status_code == lockout_status
    page = response.content.decode()
    assert "<h1>Account locked</h1>" in page
    assert "Wrong username or password" not in page
    assert SESSION_KEY not in client.session
    # The attempt made during the lockout is not counted: it must not restart the cool-off.
    assert AccessAttempt.objects.get(username="physician").failures_since_start == limit
    assert [detail for *_, detail in _audit_rows()] == ["wrong username or password"] * (
        limit - 1
    ) + ["account locked"] * 2
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


def test_logout_by_post_ends_the_session_and_audits(physician, client_for):
    """Given a signed-in physician, when they sign out (POST),
    then the session ends, they see the sign-in page and a logout row is written."""
    client = client_for(physician)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert SESSION_KEY not in client.session
    assert _audit_rows() == [(Action.LOGOUT, "physician", physician.pk, "", Outcome.SUCCESS, "")]


def test_logout_by_get_is_refused_and_keeps_the_session(physician, client_for):
    """Given a signed-in physician, when a link (GET) hits the logout URL,
    then it is refused with 405, the session stays and nothing is audited."""
    client = client_for(physician)

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert client.session[SESSION_KEY] == str(physician.pk)
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example.com/phish",
        "//evil.example.com/phish",
        "http://testserver.evil.example.com/",
        "javascript:alert(1)",
    ],
)
def test_login_ignores_a_next_url_on_another_host(physician, next_url):
    """Given a sign-in link whose `next` points off site, when the physician signs in,
    then they land on the start page, never on the foreign URL."""
    client = Client()

    response = client.post(
        LOGIN_URL, {"username": "physician", "password": TEST_PASSWORD, "next": next_url}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_follows_a_next_url_on_this_site(physician):
    """Given a sign-in link from the patient list, when the physician signs in,
    then they go back to the patient list."""
    response = Client().post(
        f"{LOGIN_URL}?next=/patients/", {"username": "physician", "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/patients/"


def test_an_email_username_signs_in_whatever_its_capitals(boston, client):
    """Given a login whose username is a lower-case e-mail, when a phone capitalises it,
    then sign-in still succeeds."""
    from tests.factories import UserFactory

    UserFactory(username="ann.alderwood@example.org", sites=[boston])

    response = client.post(
        "/accounts/login/",
        {"username": " Ann.Alderwood@Example.org ", "password": "correct-horse-battery-staple-42"},
    )

    assert response.status_code == 302

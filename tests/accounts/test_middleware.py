"""Automatic logoff after idle time, and the two-factor gate in front of every page."""

from __future__ import annotations

import time
from base64 import b32encode

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.middleware import LAST_SEEN_KEY
from ketaclinic.audit.models import Action, AuditEvent, Outcome


def _last_seen(client: Client, seconds_ago: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - seconds_ago
    session.save()


def _current_code(device: TOTPDevice, *, drift: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{code:0{device.digits}d}"


# --- idle logoff -------------------------------------------------------------------------


def test_idle_session_is_signed_out_and_sent_to_login_with_next(physician, client_for, settings):
    """Given a physician last seen longer ago than the idle limit, when they open a page,
    then they are signed out, sent to sign in with next=<that page>, and the logoff is audited."""
    client = client_for(physician)
    _last_seen(client, settings.KETACLINIC_IDLE_LOGOUT_SECONDS + 1)

    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fpatients%2F"
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor_id,
        event.target_type,
        event.outcome,
        event.detail,
    ) == (Action.LOGOUT, physician.pk, "session", Outcome.SUCCESS, "idle timeout")


def test_idle_signout_message_states_the_configured_idle_time(physician, client_for, settings):
    """Given the idle limit set to 10 minutes, when an idle physician is signed out,
    then the sign-in page tells them it was after 10 minutes, not a hard-coded 15."""
    settings.KETACLINIC_IDLE_LOGOUT_SECONDS = 600
    client = client_for(physician)
    _last_seen(client, 601)

    response = client.get("/patients/", follow=True)

    assert response.redirect_chain == [("/accounts/login/?next=%2Fpatients%2F", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "You were signed out after 10 minutes without activity."
    ]


def test_active_session_stays_signed_in_and_is_marked_seen(
    physician, client_for, settings, monkeypatch
):
    """Given a physician last seen a minute inside the idle limit (clock frozen), when they open
    a page, then they see it, stay signed in, their last-seen time moves to now and nothing
    is audited."""
    now = 1_800_000_000.0
    monkeypatch.setattr(time, "time", lambda: now)
    client = client_for(physician)
    _last_seen(client, settings.KETACLINIC_IDLE_LOGOUT_SECONDS - 60)

    response = client.get("/accounts/profile/")

    assert response.status_code == 200
    assert client.session[SESSION_KEY] == str(physician.pk)
    assert client.session[LAST_SEEN_KEY] == now
    assert AuditEvent.objects.count() == 0


def test_idle_for_exactly_the_limit_is_not_yet_signed_out(
    physician, client_for, settings, monkeypatch
):
    """Given a physician last seen exactly KETACLINIC_IDLE_LOGOUT_SECONDS ago (clock frozen),
    when they open a page, then they are still signed in: only longer idling signs out."""
    now = 1_800_000_000.0
    monkeypatch.setattr(time, "time", lambda: now)
    client = client_for(physician)
    _last_seen(client, settings.KETACLINIC_IDLE_LOGOUT_SECONDS)

    response = client.get("/accounts/profile/")

    assert response.status_code == 200
    assert client.session[LAST_SEEN_KEY] == now
    assert AuditEvent.objects.count() == 0


# --- two-factor gate ---------------------------------------------------------------------


def test_mfa_required_sends_unverified_user_to_the_mfa_page_with_next(
    physician, client_for, settings
):
    """Given MFA required and a physician signed in with a password only,
    when they open the patient list, then they are sent to /accounts/mfa/?next=/patients/."""
    settings.KETACLINIC_REQUIRE_MFA = True
    client = client_for(physician)

    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/mfa/?next=%2Fpatients%2F"
    assert AuditEvent.objects.count() == 0


def test_mfa_off_lets_a_password_only_user_through(physician, client_for, settings):
    """Given MFA not required (the test default), when a password-only physician opens the
    patient list, then they see it."""
    settings.KETACLINIC_REQUIRE_MFA = False

    response = client_for(physician).get("/patients/")

    assert response.status_code == 200


def test_mfa_page_shows_a_setup_qr_code_for_a_new_user(physician, client_for, settings):
    """Given MFA required and a physician with no authenticator yet, when they open the MFA page,
    then they get a QR code and the key to type by hand, for one unconfirmed device."""
    settings.KETACLINIC_REQUIRE_MFA = True

    response = client_for(physician).get("/accounts/mfa/?next=/patients/")

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=physician)
    assert (device.name, device.confirmed) == ("Authenticator app", False)
    assert response.context["setting_up"] is True
    assert response.context["qr_svg"].startswith("<svg ")
    assert response.context["secret"] == b32encode(device.bin_key).decode()
    page = response.content.decode()
    assert "Scan this code with an authenticator app" in page
    assert '<input type="hidden" name="next" value="/patients/">' in page


def test_mfa_page_asks_for_a_code_without_qr_once_set_up(physician, client_for, settings):
    """Given MFA required and a physician with a confirmed authenticator, when they open the
    MFA page, then it asks for the code and shows neither QR code nor key."""
    settings.KETACLINIC_REQUIRE_MFA = True
    TOTPDevice.objects.create(user=physician, name="Authenticator app", confirmed=True)

    response = client_for(physician).get("/accounts/mfa/")

    assert response.status_code == 200
    assert response.context["setting_up"] is False
    assert "qr_svg" not in response.context
    assert "Enter the 6-digit code your authenticator app shows now." in response.content.decode()
    assert TOTPDevice.objects.filter(user=physician).count() == 1


def test_correct_totp_code_verifies_and_opens_the_patient_list(physician, client_for, settings):
    """Given MFA required and a physician setting up their authenticator, when they post the
    code it shows now, then the device is confirmed, they go to `next` and can see /patients/."""
    settings.KETACLINIC_REQUIRE_MFA = True
    client = client_for(physician)
    client.get("/accounts/mfa/?next=/patients/")
    device = TOTPDevice.objects.get(user=physician)

    response = client.post("/accounts/mfa/", {"code": _current_code(device), "next": "/patients/"})

    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/patients/").status_code == 200


def test_wrong_totp_code_shows_the_error_and_stays_unverified(physician, client_for, settings):
    """Given MFA required and a physician setting up their authenticator, when they post a code
    that is not valid now, then they see the error (400), the device stays unconfirmed and
    /patients/ still sends them back to the MFA page."""
    settings.KETACLINIC_REQUIRE_MFA = True
    client = client_for(physician)
    client.get("/accounts/mfa/")
    device = TOTPDevice.objects.get(user=physician)
    valid_now = {_current_code(device, drift=drift) for drift in range(-2, 3)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid_now)

    response = client.post("/accounts/mfa/", {"code": wrong, "next": "/patients/"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "code": ["That code is not right or has expired: enter the current one."]
    }
    device.refresh_from_db()
    assert device.confirmed is False
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/patients/")["Location"] == "/accounts/mfa/?next=%2Fpatients%2F"


def test_malformed_totp_code_is_refused_by_the_form(physician, client_for, settings):
    """Given MFA required, when a physician posts letters instead of 6 digits,
    then the form explains the format and the device is not touched."""
    settings.KETACLINIC_REQUIRE_MFA = True
    client = client_for(physician)
    client.get("/accounts/mfa/")

    response = client.post("/accounts/mfa/", {"code": "12ab56"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "code": ["Enter the 6 digits your authenticator app shows now."]
    }
    device = TOTPDevice.objects.get(user=physician)
    assert (device.confirmed, device.throttling_failure_count) == (False, 0)


def test_last_seen_is_refreshed_at_most_every_30_seconds(physician, client_for, monkeypatch):
    """Given a physician seen 10 s ago, when they open a page, then the session keeps the old
    time (no session write for each of a chart's parallel requests); 30 s later it moves."""
    now = 1_800_000_000.0
    monkeypatch.setattr(time, "time", lambda: now)
    client = client_for(physician)
    _last_seen(client, 10)

    client.get("/accounts/profile/")
    assert client.session[LAST_SEEN_KEY] == now - 10

    _last_seen(client, 30)
    client.get("/accounts/profile/")
    assert client.session[LAST_SEEN_KEY] == now

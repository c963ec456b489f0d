from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_is_200_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_fails(client, db):
    from unittest import mock

    from django.db.backends.utils import CursorWrapper

    with mock.patch.object(CursorWrapper, "execute", side_effect=DatabaseError("refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_every_page_carries_the_security_headers(client, db):
    response = client.get("/accounts/login/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_request_id_is_generated_or_kept_when_well_formed(client, db):
    generated = client.get("/healthz")
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-req-0001"})
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})

    assert len(generated["X-Request-ID"]) == 32
    assert kept["X-Request-ID"] == "proxy-req-0001"
    assert forged["X-Request-ID"] != "bad id\nwith newline"


def test_pages_link_only_vendored_assets(client, db):
    html = client.get("/accounts/login/").content.decode()

    assert 'src="/static/vendor/htmx/htmx.min.js"' in html
    assert 'href="/static/vendor/pico/pico.min.css"' in html
    assert "https://" not in html
    assert client.get("/static/vendor/htmx/htmx.min.js").status_code == 200


def test_demo_login_page_says_mfa_is_off(client, db):
    html = client.get("/accounts/login/").content.decode()

    assert "Two-factor sign-in is <strong>off</strong> in this demo" in html


def _django(settings: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(  # noqa: S603  # fixed arguments, our own interpreter
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow_subprocess
def test_production_settings_pass_django_deploy_check(tmp_path):
    result = _django(
        "ketaclinic.config.settings.production",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="x" * 20 + "production-test-key-0123456789-abcdefghijklmnop",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_ALLOWED_HOSTS="clinic.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow_subprocess
def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = _django(
        "ketaclinic.config.settings.production",
        "check",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )

    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_demo_secret_key_is_generated_once_and_kept(tmp_path):
    from ketaclinic.config.settings.base import stored_secret_key

    first = stored_secret_key(tmp_path / "secret_key")
    second = stored_secret_key(tmp_path / "secret_key")

    assert first == second
    assert len(first) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_client_ip_comes_from_the_configured_proxy_header_only(rf, settings):
    from ketaclinic.core.middleware import client_ip

    request = rf.get("/", HTTP_X_REAL_IP="203.0.113.7", REMOTE_ADDR="10.0.0.2")
    settings.KETACLINIC_CLIENT_IP_HEADER = ""
    assert client_ip(request) == "10.0.0.2"
    settings.KETACLINIC_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_ip(request) == "203.0.113.7"
    garbage = rf.get("/", HTTP_X_REAL_IP="not-an-ip", REMOTE_ADDR="10.0.0.2")
    assert client_ip(garbage) == "10.0.0.2"


def test_a_model_validation_error_escaping_a_service_is_a_clear_400(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import ValidationError
    from django.http import HttpResponse

    from ketaclinic.core.middleware import ApplicationErrorMiddleware

    error = ValidationError({"weight_kg": ["Ensure this value is at most 400."]})
    request = rf.get("/")
    request.user = AnonymousUser()

    response = ApplicationErrorMiddleware(HttpResponse).process_exception(request, error)

    assert response is not None
    assert response.status_code == 400
    assert (
        "Please correct: weight kg: Ensure this value is at most 400." in response.content.decode()
    )


def test_home_shows_each_role_only_its_own_entry_points(make_user, boston, client_for):
    from ketaclinic.accounts.roles import Role

    front_desk = client_for(make_user(Role.FRONT_DESK, boston, username="frontdesk"))
    admin = client_for(make_user(Role.CLINIC_ADMIN, boston, username="clinicadmin"))

    desk_page = front_desk.get("/").content.decode()
    admin_page = admin.get("/").content.decode()

    assert "Open triage queue" in desk_page
    assert 'href="/inquire/boston/"' in desk_page
    assert "Manage consent templates" not in desk_page
    assert "Manage consent templates" in admin_page
    assert "Open triage queue" not in admin_page
    assert "Open patient list" not in admin_page


def test_implausible_dates_are_refused_with_the_field_named(
    physician, boston, patient_factory, api_client_for
):
    """Year 1 or 9999 would overflow on save: each write refuses it with a 400 naming it."""
    patient = patient_factory(site=boston)
    client = api_client_for(physician)

    weight = client.post(
        f"/api/v1/patients/{patient.pk}/measurements",
        {"measured_at": "0001-01-01T00:00:00+05:00", "weight_kg": "70"},
        content_type="application/json",
    )
    schedule = client.post(
        f"/api/v1/patients/{patient.pk}/schedule",
        {"event": "after_last_infusion", "at": "9999-12-31T23:00:00+00:00"},
        content_type="application/json",
    )

    assert (weight.status_code, schedule.status_code) == (400, 400)
    assert weight.json()["detail"] == (
        "Measured at: 0001-01-01 is not a plausible date. Check the year."
    )
    assert schedule.json()["detail"] == "At: 9999-12-31 is not a plausible date. Check the year."

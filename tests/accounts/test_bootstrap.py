from __future__ import annotations

from click.testing import CliRunner

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.cli import main

STRONG = "a-long-bootstrap-passphrase-77"


def _run(*extra: str, password: str = STRONG):
    args = [
        "bootstrap",
        "--site-name",
        "Springfield, MA",
        "--site-slug",
        "springfield",
        "--username",
        "jdoe",
        "--email",
        "jdoe@example.org",
        "--password",
        password,
        *extra,
    ]
    return CliRunner().invoke(main, args)


def test_bootstrap_creates_site_and_clinic_admin_and_audits_both(db):
    result = _run()

    assert result.exit_code == 0, result.output
    assert "Site Springfield, MA (springfield) has clinic admin jdoe." in result.output
    admin = User.objects.get(username="jdoe")
    assert (sorted(admin.role_names), [s.slug for s in admin.sites.all()]) == (
        ["clinic_admin"],
        ["springfield"],
    )
    assert admin.check_password(STRONG)
    rows = AuditEvent.objects.order_by("id").values_list("actor_username", "action", "target_type")
    assert list(rows) == [
        ("ketaclinic bootstrap", Action.CREATE, "site"),
        ("ketaclinic bootstrap", Action.CREATE, "staff"),
    ]


def test_bootstrap_refuses_a_weak_password_and_writes_nothing(db):
    result = _run(password="short")

    assert result.exit_code == 1
    assert "This password is too short. It must contain at least 12 characters." in result.output
    assert (Site.objects.count(), User.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_bootstrap_refuses_an_existing_username_and_writes_nothing(db):
    assert _run().exit_code == 0
    before = (Site.objects.count(), User.objects.count(), AuditEvent.objects.count())

    again = _run()

    assert again.exit_code == 1
    assert "A user named 'jdoe' already exists: choose another username." in again.output
    assert (Site.objects.count(), User.objects.count(), AuditEvent.objects.count()) == before

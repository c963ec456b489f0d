"""The `ketaclinic` command against the test database: tokens, help texts, seeding."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.test import Client

from ketaclinic.accounts.models import ApiToken, Site, User
from ketaclinic.accounts.services import api_token_authenticate
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.cli import main
from ketaclinic.patients.models import Patient
from ketaclinic.seed import seed_all


@pytest.fixture
def runner(settings) -> CliRunner:
    """A CliRunner whose subcommands leave the test run's logging alone.

    Each subcommand calls django.setup(), which would reconfigure logging while the runner has
    swapped sys.stderr (and drop pytest's log capture); Django is already set up here.
    """
    settings.LOGGING_CONFIG = None
    return CliRunner()


def _bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


# --- token -------------------------------------------------------------------------------


def test_token_create_prints_a_secret_that_opens_the_api(physician, runner):
    """Given the physician, when `ketaclinic token create --user physician` runs,
    then the last line is a secret that authenticates GET /api/v1/patients (200)."""
    result = runner.invoke(main, ["token", "create", "--user", "physician"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    secret = lines[-1]
    token = ApiToken.objects.get()
    assert lines == [
        f"Token {token.pk} (command line) for physician. Store it now; it is shown once:",
        secret,
    ]
    assert secret.startswith("kc_")
    assert api_token_authenticate(secret=secret) == physician
    response = _bearer(secret).get("/api/v1/patients")
    assert response.status_code == 200
    assert response.json() == {"count": 0, "limit": 25, "offset": 0, "items": []}


def test_token_create_takes_a_name(physician, runner):
    """Given the physician, when a token is created with --name, then it carries that name."""
    result = runner.invoke(main, ["token", "create", "--user", "physician", "--name", "lab feed"])

    assert result.exit_code == 0, result.output
    assert ApiToken.objects.get().name == "lab feed"


@pytest.mark.parametrize("username", ["nobody", "physician"], ids=["unknown", "inactive"])
def test_token_create_for_an_unknown_or_inactive_user_fails_clearly(physician, runner, username):
    """Given no active user by that name, when `token create --user <name>` runs,
    then it exits with 1, says which username is wrong, and writes nothing."""
    physician.is_active = False
    physician.save()

    result = runner.invoke(main, ["token", "create", "--user", username])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: No active user {username!r}: check the username.\n"
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_token_revoke_makes_the_api_answer_401(physician, runner):
    """Given a token made on the command line, when `token revoke` runs for it,
    then it reports the revocation and the API refuses the secret with 401."""
    created = runner.invoke(main, ["token", "create", "--user", "physician"])
    secret = created.output.splitlines()[-1]
    token = ApiToken.objects.get()

    result = runner.invoke(main, ["token", "revoke", "--user", "physician", "--id", str(token.pk)])

    assert result.exit_code == 0, result.output
    assert result.output == f"Revoked token {token.pk} (command line).\n"
    response = _bearer(secret).get("/api/v1/patients")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Send a valid personal access token as 'Authorization: Bearer <token>'.",
        "code": "not_authenticated",
    }
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor_id, denial.target_id, denial.outcome, denial.detail) == (
        None,
        "/api/v1/patients",
        Outcome.DENIED,
        "invalid or revoked token",
    )


def test_token_revoke_of_another_users_token_fails_and_changes_nothing(physician, nurse, runner):
    """Given the nurse's token, when `token revoke --user physician` names it,
    then it exits with 1, says there is no such token, and the token still works."""
    runner.invoke(main, ["token", "create", "--user", "nurse"])
    token = ApiToken.objects.get()

    result = runner.invoke(main, ["token", "revoke", "--user", "physician", "--id", str(token.pk)])

    assert result.exit_code == 1
    assert result.stderr == "Error: No such token on your account.\n"
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.filter(action=Action.UPDATE).count() == 0


def test_token_list_shows_prefixes_never_secrets(physician, runner):
    """Given a command-line token, when `token list` runs, then it shows id, prefix, name and
    state, but not the secret."""
    secret = runner.invoke(main, ["token", "create", "--user", "physician"]).output.splitlines()[-1]
    token = ApiToken.objects.get()

    result = runner.invoke(main, ["token", "list", "--user", "physician"])

    assert result.exit_code == 0, result.output
    assert result.output == f"{token.pk}\t{secret[:10]}...\tcommand line\tactive\n"


# --- help --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "summary"),
    [
        (
            "demo",
            "Migrate, load the demo data once (re-running keeps your data), print logins, serve.",
        ),
        ("serve", "Serve Ketaclinic with gunicorn (put a TLS proxy in front of it in production)."),
        (
            "migrate",
            "Create or update the database tables (SQLite under var/ unless DATABASE_URL is set).",
        ),
        (
            "seed",
            "Load synthetic demo data: the two demo sites, the demo staff and N fake patients.",
        ),
        ("token", "Personal access tokens for the API (Authorization: Bearer <token>)."),
    ],
)
def test_each_subcommand_help_exits_0_and_describes_it(runner, command, summary):
    """Given the ketaclinic command, when `<subcommand> --help` runs,
    then it exits 0, shows the usage line and the subcommand's description (nothing runs)."""
    result = runner.invoke(main, [command, "--help"])

    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: main {command} [OPTIONS]")
    assert summary in " ".join(result.output.split())


def test_token_help_lists_its_subcommands(runner):
    """Given the token group, when `token --help` runs, then create, list and revoke are listed."""
    result = runner.invoke(main, ["token", "--help"])

    commands = result.output.split("Commands:\n", 1)[1].split()
    assert [word for word in commands if word in {"create", "list", "revoke"}] == [
        "create",
        "list",
        "revoke",
    ]


# --- seed --------------------------------------------------------------------------------


def _patients_by_site() -> dict[str, list[tuple[str, str, str]]]:
    rows: dict[str, list[tuple[str, str, str]]] = {}
    # Patients from the synthetic generator, not the demo inquiries converted into patients.
    seeded = Patient.objects.filter(inquiries__isnull=True).select_related("site")
    for patient in seeded.order_by("site__slug", "mrn"):
        rows.setdefault(patient.site.slug, []).append(
            (patient.mrn, patient.first_name, patient.last_name)
        )
    return rows


def test_seed_command_writes_sites_staff_and_n_patients(db, runner):
    """Given an empty database, when `seed --patients 10 --seed 7` runs,
    then it reports two sites, the demo staff and 10 patients, five per site, MRNs from 1."""
    result = runner.invoke(main, ["seed", "--patients", "10", "--seed", "7"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "Seeded 2 sites, demo staff and 10 synthetic patients (10 brought along the intake "
        "journey, 524 questionnaire responses, 0 infusions), 72 register entries and "
        "24 inquiries (seed 7); daily recovery records for 2 patients (0 with a past year of "
        "synthetic treatment history: 0 infusions)."
    )
    assert list(Site.objects.values_list("slug", flat=True)) == ["boston", "west-hartford"]
    assert User.objects.filter(patient_account__isnull=True).count() == 10  # staff only
    mrns = {slug: [mrn for mrn, *_ in rows] for slug, rows in _patients_by_site().items()}
    assert mrns == {
        "boston": [f"BOS{n:06d}" for n in range(1, 6)],
        "west-hartford": [f"WES{n:06d}" for n in range(1, 6)],
    }


def test_seed_with_the_same_seed_repeats_the_same_people_with_new_mrns(db, runner):
    """Given `seed --patients 10 --seed 7` already run, when the same seed runs again,
    then the second batch has exactly the first batch's names, with MRNs continuing."""
    runner.invoke(main, ["seed", "--patients", "10", "--seed", "7"])
    first = _patients_by_site()
    # MRNs continue after every patient at the site, converted inquiries included.
    start = {s.slug: Patient.objects.filter(site=s).count() + 1 for s in Site.objects.all()}

    seed_all(patients=10, seed=7)

    second = _patients_by_site()
    for slug, prefix in [("boston", "BOS"), ("west-hartford", "WES")]:
        assert second[slug][:5] == first[slug]
        assert [mrn for mrn, *_ in second[slug][5:]] == [
            f"{prefix}{n:06d}" for n in range(start[slug], start[slug] + 5)
        ]
        assert [names for _mrn, *names in second[slug][5:]] == [
            names for _mrn, *names in first[slug]
        ]
    assert Site.objects.count() == 2
    assert User.objects.filter(patient_account__isnull=True).count() == 10  # staff only


def test_seed_with_another_seed_gives_other_people(db):
    """Given seed 7 already run, when seed 8 runs, then its five Boston names differ from seed 7's
    (the seed, not chance, decides who is generated)."""
    seed_all(patients=10, seed=7)
    first = [names for _mrn, *names in _patients_by_site()["boston"]]

    seed_all(patients=10, seed=8)

    second = [names for _mrn, *names in _patients_by_site()["boston"][5:]]
    assert second != first

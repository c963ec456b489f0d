"""The `ketaclinic` console command: demo, serve, migrate, seed, bootstrap, token.

Each subcommand sets up Django itself, so `ketaclinic ...` works from any directory.
The demo uses the local settings (SQLite under var/); set DJANGO_SETTINGS_MODULE to use others.
"""

from __future__ import annotations

import os
import shutil
import sys

import click

DEMO_PASSWORD = "ketaclinic-demo"  # noqa: S105  # published demo-only password, see README


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.settings.local")
    import django

    django.setup()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Ketaclinic: clinical platform for ketamine-assisted addiction treatment."""


@main.command()
def migrate() -> None:
    """Create or update the database tables (SQLite under var/ unless DATABASE_URL is set)."""
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@main.command()
@click.option(
    "--patients",
    "patients",
    default=200,
    show_default=True,
    type=click.IntRange(0),
    help="How many synthetic patients to add, spread over the demo sites.",
)
@click.option(
    "--seed",
    "seed",
    default=42,
    show_default=True,
    type=int,
    help="Random seed: the same seed on an empty database gives the same data.",
)
@click.option(
    "--recovery-days",
    "recovery_days",
    default=0,
    show_default=True,
    type=click.IntRange(0, 3650),
    help="Volume for the outcome analytics: give every new patient outside the demo journey "
    "a synthetic treatment history and this many days of daily check-ins "
    "(tier M: --patients 10000 --recovery-days 365).",
)
def seed(patients: int, seed: int, recovery_days: int) -> None:
    """Load synthetic demo data: the two demo sites, the demo staff and N fake patients."""
    _setup_django()
    from django.core.management import call_command
    from django.db.models import Max

    from ketaclinic.patients.models import Patient
    from ketaclinic.seed import seed_all

    call_command("migrate", interactive=False, verbosity=0)
    last_pk = Patient.objects.aggregate(last=Max("pk"))["last"] or 0
    with click.progressbar(length=patients, label="Writing synthetic patients") as bar:
        summary = seed_all(patients=patients, seed=seed, progress=bar.update)
    click.echo(summary)
    if recovery_days:
        _seed_volume(since_pk=last_pk, days=recovery_days, seed=seed)


def _seed_volume(*, since_pk: int, days: int, seed: int) -> None:
    from ketaclinic.volume_seed import seed_volume, volume_candidates, volume_outcomes

    candidates = volume_candidates(since_pk=since_pk)
    label = f"Writing {days} days of recovery data"
    with click.progressbar(length=len(candidates), label=label) as bar:
        volume = seed_volume(
            patients=candidates, days=days, seed=seed, progress=bar.update, recompute=False
        )
    click.echo("Computing lapses, relapses and outcomes for every addiction target...")
    volume_outcomes(volume, days=days, seed=seed)
    click.echo(str(volume))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=lambda: int(os.environ.get("PORT", "8000")),
    type=int,
    show_default="8000, or $PORT",
    help="Port to listen on.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    help="gunicorn worker processes.",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve Ketaclinic with gunicorn (put a TLS proxy in front of it in production)."""
    _setup_django()
    _serve(host=host, port=port, workers=workers)


def _serve(*, host: str, port: int, workers: int) -> None:
    gunicorn = shutil.which("gunicorn") or os.path.join(os.path.dirname(sys.executable), "gunicorn")
    args = [
        gunicorn,
        "ketaclinic.config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        # Query strings can carry search terms: log the path only, never the query.
        "--access-logformat",
        '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
    ]
    os.execv(gunicorn, args)  # noqa: S606  # replaces this process with the server


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=lambda: int(os.environ.get("PORT", "8000")),
    type=int,
    show_default="8000, or $PORT",
    help="Port to listen on.",
)
def demo(host: str, port: int) -> None:
    """Migrate, load the demo data once (re-running keeps your data), print logins, serve."""
    _setup_django()
    from django.core.management import call_command

    from ketaclinic.seed import demo_logins, portal_logins, seed_all, seeded

    call_command("migrate", interactive=False, verbosity=0)
    if seeded():
        from ketaclinic.treatment_seed import refresh_live_infusion

        click.echo("Demo data already loaded: keeping it.")
        click.echo(refresh_live_infusion())
    else:
        with click.progressbar(length=200, label="Loading synthetic demo data") as bar:
            click.echo(seed_all(patients=200, seed=42, progress=bar.update))
    click.echo(f"\nKetaclinic demo: http://{host}:{port}/")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, description in [*demo_logins(), *portal_logins()]:
        click.echo(f"  {username:<14} {description}")
    click.echo("Stop with Ctrl-C.\n")
    sys.stdout.flush()
    _serve(host=host, port=port, workers=2)


@main.command()
@click.option("--site-name", required=True, help='Site name, for example "Boston, MA".')
@click.option("--site-slug", required=True, help="Short name used in URLs, for example boston.")
@click.option(
    "--time-zone", default="America/New_York", show_default=True, help="The site's IANA time zone."
)
@click.option("--address", default="", help="The site's postal address.")
@click.option("--username", required=True, help="Username of the first clinic admin.")
@click.option("--email", required=True, help="E-mail of the first clinic admin.")
@click.password_option(help="Password (asked twice when not given; at least 12 characters).")
def bootstrap(
    site_name: str,
    site_slug: str,
    time_zone: str,
    address: str,
    username: str,
    email: str,
    password: str,
) -> None:
    """Create a site and its first clinic admin on a new production database (audited)."""
    _setup_django()
    from django.core.exceptions import ValidationError

    from ketaclinic.accounts.services import clinic_bootstrap
    from ketaclinic.core.errors import ApplicationError

    try:
        site, admin = clinic_bootstrap(
            site_name=site_name,
            site_slug=site_slug,
            time_zone=time_zone,
            address=address,
            username=username,
            email=email,
            password=password,
        )
    except ApplicationError as error:
        raise click.ClickException(error.message) from error
    except ValidationError as error:
        raise click.ClickException(" ".join(error.messages)) from error
    click.echo(
        f"Site {site.name} ({site.slug}) has clinic admin {admin.username}. "
        "Sign in and add staff under Staff."
    )


@main.group()
def token() -> None:
    """Personal access tokens for the API (Authorization: Bearer <token>)."""


@token.command("create")
@click.option("--user", "username", required=True, help="Username the token acts as.")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def token_create(username: str, name: str) -> None:
    """Create a token; the secret is printed once, as the last line."""
    _setup_django()
    from ketaclinic.accounts.models import User
    from ketaclinic.accounts.services import api_token_create

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise click.ClickException(f"No active user {username!r}: check the username.")
    created, secret = api_token_create(actor=user, user=user, name=name)
    click.echo(
        f"Token {created.pk} ({created.name}) for {username}. Store it now; it is shown once:"
    )
    click.echo(secret)


@token.command("list")
@click.option("--user", "username", required=True, help="Username whose tokens to list.")
def token_list(username: str) -> None:
    """List a user's tokens (never the secrets)."""
    _setup_django()
    from ketaclinic.accounts.models import ApiToken

    for item in ApiToken.objects.filter(user__username=username).order_by("-created_at"):
        state = "active" if item.is_active else "revoked"
        click.echo(f"{item.pk}\t{item.prefix}...\t{item.name}\t{state}")


@token.command("revoke")
@click.option("--user", "username", required=True, help="Username who owns the token.")
@click.option("--id", "token_id", required=True, type=int, help="Token id from `token list`.")
def token_revoke(username: str, token_id: int) -> None:
    """Revoke a token at once; requests with it get 401 from then on."""
    _setup_django()
    from ketaclinic.accounts.models import User
    from ketaclinic.accounts.services import api_token_revoke
    from ketaclinic.core.errors import ApplicationError

    user = User.objects.filter(username=username).first()
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    try:
        revoked = api_token_revoke(actor=user, token_id=token_id)
    except ApplicationError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Revoked token {revoked.pk} ({revoked.name}).")


if __name__ == "__main__":
    main()

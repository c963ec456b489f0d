"""How fast the cohort analytics answer at tier M: 10,000 patients with a year of daily
check-ins on PostgreSQL (issue 7 item 7: the analytics page within 2 seconds).

Method. The database named by --database-url (default: BENCH_DATABASE_URL, else the
dedicated PostgreSQL database kc_bench_m) is created if missing, migrated, and seeded once
with `ketaclinic.volume_seed.seed_volume_database` (the demo sites and staff, N synthetic
patients, and for each a treatment history and D days of daily records; outcomes computed
with the recovery app's `recompute_all`). A later run with the same parameters finds the
audit row the seed wrote and reuses the data; a database seeded with other parameters is
refused. Then `outcomes.selectors.cohort_analytics` is timed for three users (the demo
researcher and physician, who work at Boston, and a researcher at every site, who sees the
whole cohort) and three filter sets: (a) none, (b) one protocol, (c) one addiction target,
after an ANALYZE (fresh planner statistics, as autovacuum keeps them in production).
"Cold" is the first call on a new database connection (PostgreSQL's shared buffers and the
operating system's page cache stay warm: the machine is shared, nothing is flushed); "warm"
is the median of --runs further calls. The full page (`GET /outcomes/`, rendered by Django's
test client, session login) is timed the same way. JSON goes to benchmarks/results/.

    uv run python benchmarks/outcomes_benchmark.py                         # tier M
    uv run python benchmarks/outcomes_benchmark.py --patients 200 --days 60 \
        --database-url postgres://postgres@127.0.0.1:5432/kc_bench_small    # small mode
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kc_bench_m"
TARGET_SECONDS = 2.0
ALL_SITES_USER = "bench-researcher"
PROTOCOL = "kare-2022"
TARGET = "alcohol"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=5, help="warm runs per case (median)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    _setup(args.database_url)
    result = run(patients=args.patients, days=args.days, seed=args.seed, runs=args.runs)
    output = args.output or RESULTS / result_name(result)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))
    print(f"Written to {output}")


def result_name(result: dict[str, Any]) -> str:
    tier = "tier-m" if (result["patients"], result["days"]) == (10_000, 365) else "small"
    return f"outcomes-{tier}-{result['database']['vendor']}.json"


def _setup(url: str) -> None:
    """Point Django at `url` (creating a PostgreSQL database if missing) and migrate."""
    if url.startswith("postgres"):
        _create_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "ketaclinic.config.settings.local"
    os.environ.setdefault("KETACLINIC_VAR_DIR", tempfile.mkdtemp(prefix="ketaclinic-bench-"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def run(*, patients: int, days: int, seed: int, runs: int) -> dict[str, Any]:
    """Seed (or reuse) the volume in the configured database and time the analytics."""
    from ketaclinic.volume_seed import analyze

    seeding = ensure_seeded(patients=patients, days=days, seed=seed)
    analyze()  # fresh planner statistics, as autovacuum keeps them in production
    users = _users()
    _warm_up(users[0])
    cases = [_case(user, name, runs) for user in users for name in ("none", "protocol", "target")]
    pages = [_page(user, name, runs) for user in users for name in ("none", "protocol")]
    slowest = max(c["warm_median_seconds"] for c in cases + pages)
    slowest_cold = max(c["cold_seconds"] for c in cases + pages)
    return {
        "benchmark": "outcomes",
        "patients": patients,
        "days": days,
        "seed": seed,
        "database": _database(),
        "machine": _machine(),
        "seeding": seeding,
        "rows": _counts(),
        "selector": cases,
        "page": pages,
        "target_seconds": TARGET_SECONDS,
        "summary": {
            "slowest_warm_median_seconds": round(slowest, 3),
            "slowest_cold_seconds": round(slowest_cold, 3),
            "within_target": slowest < TARGET_SECONDS,
        },
        "method": (__doc__ or "").split("\n\n")[1].replace("\n", " "),
    }


def ensure_seeded(*, patients: int, days: int, seed: int) -> dict[str, Any]:
    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.patients.models import Patient
    from ketaclinic.volume_seed import MARKER, seed_volume_database, volume_marker

    marker = volume_marker(patients=patients, days=days, seed=seed)
    if AuditEvent.objects.filter(target_type=MARKER, detail=marker).exists():
        return {"reused": True, "marker": marker, **_seeded_phases()}
    if Patient.objects.exists():
        raise SystemExit(
            "This database holds other data (no volume seeded with "
            f"{marker}): drop it or name another with --database-url."
        )
    started = time.perf_counter()
    summary = seed_volume_database(
        patients=patients, days=days, seed=seed, progress=_progress(patients)
    )
    total = time.perf_counter() - started
    return {
        "reused": False,
        "marker": marker,
        "seconds": round(total, 1),
        "phases_seconds": {k: round(v, 1) for k, v in summary.seconds.items()},
        "summary": str(summary),
    }


def _seeded_phases() -> dict[str, Any]:
    """When the data is reused: how long each seeding phase took, read from the audit rows
    the seed wrote (patients, clinical records, volume batches, outcomes, the marker)."""
    from django.db.models import Max, Min

    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.volume_seed import MARKER

    times = AuditEvent.objects.values("target_type").annotate(
        first=Min("occurred_at"), last=Max("occurred_at")
    )
    by_type = {t["target_type"]: t for t in times}
    steps = ["patient_batch", "clinical_record_batch", "recovery_volume_batch", MARKER]
    if not all(step in by_type for step in steps):
        return {}
    ends = [by_type[step]["last"] for step in steps]
    return {
        "seeded_at": ends[-1].isoformat(timespec="seconds"),
        "phases_seconds_from_audit": {
            "clinical records": round((ends[1] - ends[0]).total_seconds(), 1),
            "treatment history and daily records": round((ends[2] - ends[1]).total_seconds(), 1),
            "recompute_all (outcomes)": round((ends[3] - ends[2]).total_seconds(), 1),
        },
    }


def _progress(total: int) -> Callable[[int], None]:
    done = [0]

    def update(count: int) -> None:
        done[0] += count
        print(f"\rseeded {done[0]}/{total} patients", end="", file=sys.stderr, flush=True)
        if done[0] >= total:
            print(file=sys.stderr)

    return update


def _warm_up(user: Any) -> None:
    """Load the code and templates once (an empty cohort), so "cold" is about the database."""
    from ketaclinic.outcomes.queries import CohortFilters
    from ketaclinic.outcomes.selectors import cohort_analytics

    cohort_analytics(user=user, filters=CohortFilters(target="other"))
    _client(user).get("/outcomes/", {"target": "other"})


def _client(user: Any) -> Any:
    from django.test import Client

    from ketaclinic.accounts.middleware import LAST_SEEN_KEY

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[LAST_SEEN_KEY] = time.time()
    session.save()
    return client


def _users() -> list[Any]:
    """The demo researcher and physician (Boston), and a researcher at every site."""
    from ketaclinic.accounts.models import RoleAssignment, Site, User
    from ketaclinic.accounts.roles import Role

    everywhere, created = User.objects.get_or_create(
        username=ALL_SITES_USER,
        defaults={"first_name": "Bench", "last_name": "Researcher", "email": "bench@example.org"},
    )
    if created:
        everywhere.set_unusable_password()
        everywhere.save()
        everywhere.sites.set(Site.objects.all())
        RoleAssignment.objects.create(user=everywhere, role=Role.RESEARCHER)
    users = list(User.objects.filter(username__in=["researcher", "physician"]).order_by("username"))
    return [*users, User.objects.get(pk=everywhere.pk)]


def _filters(name: str) -> Any:
    from ketaclinic.outcomes.queries import CohortFilters

    return {
        "none": CohortFilters(),
        "protocol": CohortFilters(protocol_code=PROTOCOL),
        "target": CohortFilters(target=TARGET),
    }[name]


def _query(name: str) -> dict[str, str]:
    return {"none": {}, "protocol": {"protocol": PROTOCOL}, "target": {"target": TARGET}}[name]


def _timed(call: Callable[[], Any], runs: int) -> tuple[float, list[float], Any]:
    """(cold seconds on a new connection, warm seconds per run, the last result)."""
    from django.db import connection

    if not connection.in_atomic_block:  # a test's transaction must stay open
        connection.close()
    started = time.perf_counter()
    result = call()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        warm.append(time.perf_counter() - started)
    return cold, warm, result


def _case(user: Any, name: str, runs: int) -> dict[str, Any]:
    from ketaclinic.outcomes.selectors import cohort_analytics

    filters = _filters(name)
    cold, warm, analytics = _timed(lambda: cohort_analytics(user=user, filters=filters), runs)
    return {
        "user": user.username,
        "sites": len(user.site_ids),
        "filters": name,
        "subjects": analytics.n_subjects,
        "relapses": analytics.n_events,
        "cox_fitted": analytics.cox is not None,
        "cold_seconds": round(cold, 3),
        "warm_median_seconds": round(statistics.median(warm), 3),
        "warm_seconds": [round(w, 3) for w in warm],
    }


def _page(user: Any, name: str, runs: int) -> dict[str, Any]:
    client = _client(user)
    query = _query(name)

    def get() -> Any:
        response = client.get("/outcomes/", query)
        if response.status_code != 200:
            raise SystemExit(f"/outcomes/ answered {response.status_code} for {user.username}")
        return response

    cold, warm, response = _timed(get, runs)
    return {
        "user": user.username,
        "sites": len(user.site_ids),
        "filters": name,
        "url": "/outcomes/"
        + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
        "status": response.status_code,
        "bytes": len(response.content),
        "cold_seconds": round(cold, 3),
        "warm_median_seconds": round(statistics.median(warm), 3),
        "warm_seconds": [round(w, 3) for w in warm],
    }


def _database() -> dict[str, Any]:
    from django.db import connection

    info: dict[str, Any] = {"vendor": connection.vendor}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key, query in (
                ("server_version", "SHOW server_version"),
                ("shared_buffers", "SHOW shared_buffers"),
                ("size", "SELECT pg_size_pretty(pg_database_size(current_database()))"),
            ):
                cursor.execute(query)
                info[key] = (cursor.fetchone() or [None])[0]
        info["name"] = connection.settings_dict["NAME"]
    else:
        import sqlite3

        info["version"] = sqlite3.sqlite_version
    return info


def _machine() -> dict[str, Any]:
    memory = None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gib": memory,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def _counts() -> dict[str, int]:
    from ketaclinic.courses.models import TreatmentCourse
    from ketaclinic.infusions.models import Infusion
    from ketaclinic.patients.models import AddictionTarget, Patient
    from ketaclinic.questionnaires.models import QuestionnaireResponse
    from ketaclinic.recovery.models import DailyRecord, RecoveryEvent, TargetOutcome
    from ketaclinic.therapy.models import IntegrationSession

    models = {
        "patients": Patient,
        "addiction_targets": AddictionTarget,
        "daily_records": DailyRecord,
        "treatment_courses": TreatmentCourse,
        "infusions": Infusion,
        "integration_sessions": IntegrationSession,
        "questionnaire_responses": QuestionnaireResponse,
        "target_outcomes": TargetOutcome,
        "recovery_events": RecoveryEvent,
    }
    return {name: model._default_manager.count() for name, model in models.items()}


if __name__ == "__main__":
    main()

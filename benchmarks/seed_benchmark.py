"""How long `ketaclinic seed --patients N` takes on a fresh database, and its peak memory.

Runs the real console command in a child process against a fresh SQLite file (or the
PostgreSQL in BENCH_DATABASE_URL, whose tables it creates), and writes JSON to
benchmarks/results/seed-<database>.json. The target from the foundation issue: 1,000 patients in
under a minute on a 2-core machine.

    uv run python benchmarks/seed_benchmark.py [--patients 1000] [--seed 42]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def run(patients: int, seed: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="ketaclinic-bench-") as var_dir:
        env = {
            **os.environ,
            "KETACLINIC_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "ketaclinic.config.settings.local",
        }
        if os.environ.get("BENCH_DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
        else:
            env.pop("DATABASE_URL", None)
        command = [
            sys.executable,
            "-m",
            "ketaclinic.cli",
            "seed",
            "--patients",
            str(patients),
            "--seed",
            str(seed),
        ]
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"seed failed:\n{result.stderr}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "benchmark": "seed",
        "patients": patients,
        "seed": seed,
        "database": "postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite",
        "seconds_including_migrate": round(elapsed, 3),
        "patients_per_second": round(patients / elapsed, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "target_seconds": 60,
        "within_target": elapsed < 60,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "output": result.stdout.strip().splitlines()[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    outcome = run(args.patients, args.seed)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"seed-{outcome['database']}.json").write_text(json.dumps(outcome, indent=2) + "\n")
    print(json.dumps(outcome, indent=2))


if __name__ == "__main__":
    main()

"""The synthetic-data generator behind `ketaclinic seed` and `ketaclinic demo`.

Each clinical app contributes its own `seed.py`; later modules add their step to `seed_all`.
"""

from __future__ import annotations

from collections.abc import Callable

from ketaclinic.accounts.seed import demo_logins, seed_sites_and_staff
from ketaclinic.patients.models import Patient

__all__ = ["demo_logins", "seed_all", "seeded"]


def seeded() -> bool:
    """True once the demo data is in: re-running the demo keeps it."""
    return Patient.objects.filter(site__slug="boston").exists()


def seed_all(*, patients: int, seed: int, progress: Callable[[int], object] | None = None) -> str:
    from ketaclinic.patients.seed import seed_patients

    sites = seed_sites_and_staff()
    written = seed_patients(sites=sites, count=patients, seed=seed, progress=progress)
    return f"Seeded {len(sites)} sites, demo staff and {written} synthetic patients (seed {seed})."

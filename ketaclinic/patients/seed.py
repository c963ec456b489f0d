"""Deterministic synthetic patients. Clearly fake: example.org e-mail, 555-01xx phone numbers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from faker import Faker

from ketaclinic.accounts.models import Site
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.patients.models import Patient, Sex

BATCH = 500
_SEXES = [Sex.FEMALE, Sex.MALE, Sex.FEMALE, Sex.MALE, Sex.INTERSEX, Sex.UNKNOWN]


def mrn_prefix(site: Site) -> str:
    return site.slug.replace("-", "")[:3].upper()


def _fake_patient(fake: Faker, rng: random.Random, site: Site, number: int) -> Patient:
    sex = rng.choice(_SEXES)
    first = fake.first_name_female() if sex == Sex.FEMALE else fake.first_name_male()
    return Patient(
        site=site,
        mrn=f"{mrn_prefix(site)}{number:06d}",
        first_name=first,
        last_name=fake.last_name(),
        date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55)),
        sex=sex,
        phone=f"(617) 555-01{rng.randrange(0, 100):02d}",
        email=f"{first.lower()}.{number}@example.org",
        address=f"{rng.randrange(1, 999)} {fake.street_name()} (synthetic)",
    )


def seed_patients(
    *, sites: list[Site], count: int, seed: int, progress: Callable[[int], object] | None = None
) -> int:
    """Write `count` patients spread over `sites` in batches; MRNs continue after existing ones."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    next_number = {site.pk: Patient.objects.filter(site=site).count() + 1 for site in sites}
    written = 0
    while written < count:
        size = min(BATCH, count - written)
        batch = []
        for index in range(written, written + size):
            site = sites[index % len(sites)]
            batch.append(_fake_patient(fake, rng, site, next_number[site.pk]))
            next_number[site.pk] += 1
        with transaction.atomic():
            Patient.objects.bulk_create(batch)
        written += size
        if progress is not None:
            progress(size)
    with transaction.atomic():
        for site in sites:
            audit_record(
                actor=None,
                actor_username="ketaclinic seed",
                action=Action.CREATE,
                site=site,
                target_type="patient_batch",
                detail=f"synthetic patients seeded with seed {seed}",
            )
    return written

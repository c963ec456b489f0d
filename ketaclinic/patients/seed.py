"""Deterministic synthetic patients. Clearly fake: example.org e-mail, 555-01xx phone numbers."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone
from faker import Faker

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.patients.codes import ICD10CM_SUGGESTIONS, ICD10CM_SYSTEM
from ketaclinic.patients.models import (
    AddictionTarget,
    Allergy,
    AllergySeverity,
    BodyMeasurement,
    CareTeam,
    Diagnosis,
    HistoryCondition,
    HistoryItem,
    HistoryStatus,
    Medication,
    Patient,
    RecoveryUnit,
    Route,
    Sex,
    Target,
)
from ketaclinic.patients.models.addiction import kind_for_target

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


# --- Clinical parts of the chart -------------------------------------------------------------

# target, unit, ICD-10-CM code (DOMAIN.md section 6; behavioural targets other than
# gambling have none)
_TARGET_PROFILES: list[tuple[Target, RecoveryUnit, str]] = [
    (Target.ALCOHOL, RecoveryUnit.STANDARD_DRINKS, "F10.20"),
    (Target.ALCOHOL, RecoveryUnit.STANDARD_DRINKS, "F10.10"),
    (Target.OPIOIDS, RecoveryUnit.USE_EPISODES, "F11.20"),
    (Target.COCAINE_STIMULANTS, RecoveryUnit.USE_EPISODES, ""),
    (Target.CANNABIS, RecoveryUnit.USE_EPISODES, ""),
    (Target.GAMBLING, RecoveryUnit.MONEY_USD, "F63.0"),
    (Target.GAMBLING, RecoveryUnit.MINUTES, ""),
    (Target.FOOD, RecoveryUnit.BINGE_EPISODES, ""),
    (Target.SHOPPING, RecoveryUnit.MONEY_USD, ""),
    (Target.SEX, RecoveryUnit.MINUTES, ""),
]
_CODE_NAMES = dict(ICD10CM_SUGGESTIONS)
# name, dose, route, frequency, flags (synthetic examples, not prescribing advice)
_MEDICATIONS: list[tuple[str, str, Route, str, frozenset[str]]] = [
    ("Sertraline", "50 mg", Route.ORAL, "once daily", frozenset()),
    ("Naltrexone", "50 mg", Route.ORAL, "once daily", frozenset()),
    ("Acamprosate", "666 mg", Route.ORAL, "three times daily", frozenset()),
    ("Lisinopril", "10 mg", Route.ORAL, "once daily", frozenset()),
    ("Levothyroxine", "75 mcg", Route.ORAL, "once daily", frozenset()),
    ("Lorazepam", "1 mg", Route.ORAL, "as needed", frozenset({"is_sedative"})),
    ("Zolpidem", "5 mg", Route.ORAL, "at bedtime", frozenset({"is_sedative"})),
    (
        "Buprenorphine-naloxone",
        "8 mg/2 mg",
        Route.SUBLINGUAL,
        "once daily",
        frozenset({"is_opioid"}),
    ),
    ("Methylphenidate", "10 mg", Route.ORAL, "twice daily", frozenset({"is_stimulant"})),
    ("Phenelzine", "15 mg", Route.ORAL, "three times daily", frozenset({"is_maoi"})),
]
_ALLERGIES = [
    ("Penicillin", "Rash", AllergySeverity.MILD),
    ("Sulfonamides", "Hives", AllergySeverity.MODERATE),
    ("Codeine", "Nausea and vomiting", AllergySeverity.MILD),
    ("Latex", "Swelling", AllergySeverity.SEVERE),
]
_HISTORY = [
    (HistoryCondition.HYPERTENSION, HistoryStatus.CURRENT),
    (HistoryCondition.HEPATIC_DISEASE, HistoryStatus.PAST),
    (HistoryCondition.BIPOLAR_DISORDER, HistoryStatus.CURRENT),
]


@dataclass(frozen=True)
class _Staff:
    physician: User
    nurse: User
    therapist: User | None


def _site_staff(site_ids: set[int], actor: User | None) -> dict[int, _Staff]:
    """Who "recorded" each site's seeded rows: the actor, else the site's demo clinicians."""
    staff: dict[int, _Staff] = {}
    for site_id in sorted(site_ids):
        found = {
            role: User.objects.filter(is_active=True, sites=site_id, role_assignments__role=role)
            .order_by("username")
            .first()
            for role in (Role.PHYSICIAN, Role.NURSE, Role.THERAPIST)
        }
        physician = actor or found[Role.PHYSICIAN]
        if physician is not None:
            nurse = actor or found[Role.NURSE] or physician
            staff[site_id] = _Staff(physician, nurse, found[Role.THERAPIST])
    return staff


def _clinical_rows(
    rng: random.Random, patient: Patient, staff: _Staff, now: dt.datetime
) -> list[models.Model]:
    rows: list[models.Model] = []
    for target, unit, code in rng.sample(_TARGET_PROFILES, k=rng.choice([1, 1, 2])):
        if any(isinstance(r, AddictionTarget) and r.target == target for r in rows):
            continue  # one target of each kind per patient
        quit_date = (
            now.date() - dt.timedelta(days=rng.randrange(1, 60)) if rng.random() < 0.5 else None
        )
        kind = kind_for_target(target)
        assert kind is not None  # the profiles above never use 'other'
        rows.append(
            AddictionTarget(
                patient=patient,
                kind=kind,
                target=target,
                unit=unit,
                quit_date=quit_date,
                code=code,
                code_system=ICD10CM_SYSTEM if code else "",
                recorded_by=staff.physician,
            )
        )
        if code and rng.random() < 0.7:
            rows.append(
                Diagnosis(
                    patient=patient,
                    code=code,
                    code_system=ICD10CM_SYSTEM,
                    display=_CODE_NAMES[code],
                    noted_by=staff.physician,
                )
            )
    chance = rng.random()
    if chance < 0.9:  # most weighed in the last 2 weeks, some longer ago, a few never
        days_ago = rng.uniform(0, 14) if chance < 0.8 else rng.uniform(40, 120)
        rows.append(
            BodyMeasurement(
                patient=patient,
                measured_at=now - dt.timedelta(days=days_ago),
                weight_kg=Decimal(rng.randrange(500, 1300)) / 10,
                height_cm=Decimal(rng.randrange(1500, 1950)) / 10 if rng.random() < 0.8 else None,
                recorded_by=staff.nurse,
            )
        )
    for name, dose, route, frequency, flags in rng.sample(
        _MEDICATIONS, k=rng.choice([0, 1, 1, 2, 3])
    ):
        rows.append(
            Medication(
                patient=patient,
                name=name,
                dose_text=dose,
                route=route,
                frequency=frequency,
                start_date=now.date() - dt.timedelta(days=rng.randrange(30, 900)),
                recorded_by=staff.nurse,
                **dict.fromkeys(flags, True),
            )
        )
    chance = rng.random()
    if chance < 0.55:
        rows.append(Allergy(patient=patient, is_nkda=True, recorded_by=staff.nurse))
    elif chance < 0.8:
        substance, reaction, severity = rng.choice(_ALLERGIES)
        rows.append(
            Allergy(
                patient=patient,
                substance=substance,
                reaction=reaction,
                severity=severity,
                recorded_by=staff.nurse,
            )
        )
    if rng.random() < 0.2:
        condition, status = rng.choice(_HISTORY)
        rows.append(
            HistoryItem(
                patient=patient, condition=condition, status=status, recorded_by=staff.physician
            )
        )
    if rng.random() < 0.7:
        rows.append(
            CareTeam(
                patient=patient,
                physician=staff.physician,
                therapist=staff.therapist,
                updated_by=staff.physician,
            )
        )
    return rows


def seed_clinical_records(
    *, patients: Iterable[Patient], seed: int, actor: User | None = None
) -> int:
    """Give each synthetic patient addiction targets, a weight, medications and allergies.

    Call once per patient, right after `seed_patients`. Rows go in with bulk_create (they are
    built valid; tests full_clean them) with one audit row per site. Patients at a site
    without a physician are skipped. Returns the number of rows written.
    """
    rng = random.Random(seed)
    patients = sorted(patients, key=lambda patient: patient.pk)
    staff = _site_staff({patient.site_id for patient in patients}, actor)
    now = timezone.now()
    by_model: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for patient in patients:
        if patient.site_id in staff:
            for row in _clinical_rows(rng, patient, staff[patient.site_id], now):
                by_model[type(row)].append(row)
    with transaction.atomic():
        for model, rows in by_model.items():
            model._default_manager.bulk_create(rows, batch_size=BATCH)
        for site_id in sorted(staff):
            audit_record(
                actor=actor,
                actor_username="ketaclinic seed",
                action=Action.CREATE,
                site=Site.objects.get(pk=site_id),
                target_type="clinical_record_batch",
                detail=f"synthetic clinical records seeded with seed {seed}",
            )
    return sum(len(rows) for rows in by_model.values())

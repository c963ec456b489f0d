"""The synthetic-data generator behind `ketaclinic seed` and `ketaclinic demo`.

Each clinical app contributes its own `seed.py`; this module runs them in journey order.
Everything is deterministic from `seed` on an empty database, and clearly synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.seed import demo_logins, seed_sites_and_staff
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.patients.models import Patient

__all__ = ["demo_logins", "portal_logins", "seed_all", "seeded"]

# How many of each site's new patients are brought to each stage of the journey (bounded so
# seeding 1,000 patients stays fast; stages run the real services, gates included).
STAGE_COUNTS = {"evaluated": 4, "not_eligible": 2, "referred_inpatient": 2, "ready": 15}
# Demo physicians by site slug: they sign the eligibility records of their site's patients.
SITE_PHYSICIANS = {"boston": "physician", "west-hartford": "wh-physician"}


def seeded() -> bool:
    """True once the demo data is in: re-running the demo keeps it."""
    return Patient.objects.filter(site__slug="boston").exists()


def seed_all(*, patients: int, seed: int, progress: Callable[[int], object] | None = None) -> str:
    from ketaclinic.intake.seed import seed_inquiries
    from ketaclinic.inventory.seed import seed_inventory
    from ketaclinic.patients.seed import seed_clinical_records, seed_patients
    from ketaclinic.recovery.seed import seed_recovery
    from ketaclinic.scheduling.seed import seed_schedule
    from ketaclinic.treatment_seed import seed_treatment

    sites = seed_sites_and_staff()
    last_pk = Patient.objects.aggregate(last=Max("pk"))["last"] or 0
    written = seed_patients(sites=sites, count=patients, seed=seed, progress=progress)
    new_patients = list(Patient.objects.filter(pk__gt=last_pk).select_related("site"))
    seed_clinical_records(patients=new_patients, seed=seed)
    staged = _seed_stages(sites=sites, patients=new_patients, seed=seed)
    responses = _seed_questionnaires(sites=sites, staged=staged, seed=seed)
    register = seed_inventory(sites=sites, seed=seed)
    ready = [p for p in staged if patient_readiness(patient=p).ready]
    infusions = seed_treatment(sites=sites, ready=ready, seed=seed)
    seed_schedule(sites=sites, seed=seed)
    recovery = seed_recovery(sites=sites, patients=new_patients, staged=staged, seed=seed)
    inquiries = seed_inquiries(sites=sites, seed=seed)
    return (
        f"Seeded {len(sites)} sites, demo staff and {written} synthetic patients "
        f"({len(staged)} brought along the intake journey, {responses} questionnaire "
        f"responses, {infusions} infusions), {register} register entries and "
        f"{len(inquiries)} inquiries (seed {seed}); {recovery}."
    )


def _seed_questionnaires(*, sites: list[Site], staged: list[Patient], seed: int) -> int:
    """Score trajectories and due questionnaires for the staged patients, entered by their
    site's physician, and one patient portal login per site to complete them."""
    from ketaclinic.portal.seed import seed_portal_accounts
    from ketaclinic.questionnaires.seed import seed_schedules, seed_trajectories

    written = 0
    for site in sites:
        physician = User.objects.filter(username=SITE_PHYSICIANS.get(site.slug, "")).first()
        patients = [p for p in staged if p.site_id == site.pk]
        if physician is not None and patients:
            written += seed_trajectories(patients=patients, seed=seed, actor=physician)
            seed_schedules(patients=patients, actor=physician, seed=seed)
            seed_portal_accounts(patients=patients, actor=physician, seed=seed, count=1)
    return written


def portal_logins() -> list[tuple[str, str]]:
    """The demo's patient portal logins (username is the patient's e-mail)."""
    from ketaclinic.portal.models import PatientAccount

    accounts = PatientAccount.objects.filter(
        activated_at__isnull=False, disabled_at__isnull=True
    ).select_related("user", "patient__site")
    return [(a.user.username, f"Patient portal, {a.patient.site.name}") for a in accounts[:4]]


def _seed_stages(*, sites: list[Site], patients: list[Patient], seed: int) -> list[Patient]:
    """Patients at each stage: evaluated, not eligible, referred to in-patient care, ready."""
    from ketaclinic.consent.seed import seed_treatment_consent
    from ketaclinic.eligibility import seed as eligibility

    stage_functions = {
        "evaluated": eligibility.seed_evaluated,
        "not_eligible": eligibility.seed_not_eligible,
        "referred_inpatient": eligibility.seed_referred_inpatient,
        "ready": eligibility.seed_eligible_with_risk_benefit,
    }
    eligibility.seed_configuration()
    rng = random.Random(seed)  # noqa: S311  # synthetic data, not security
    staged: list[Patient] = []
    for site in sites:
        physician = User.objects.filter(username=SITE_PHYSICIANS.get(site.slug, "")).first()
        if physician is None:
            continue
        pool = [p for p in patients if p.site_id == site.pk]
        rng.shuffle(pool)
        for stage, count in STAGE_COUNTS.items():
            chosen, pool = pool[:count], pool[count:]
            for patient in chosen:
                stage_functions[stage](patient, physician, seed)
                if stage == "ready":
                    seed_treatment_consent(patient=patient, witness=physician, seed=seed)
                    _ensure_weight(patient=patient, actor=physician, rng=rng)
                staged.append(patient)
    return staged


def _ensure_weight(*, patient: Patient, actor: User, rng: random.Random) -> None:
    """A ready patient has a baseline weight (the clinical seed leaves a few without one)."""
    from ketaclinic.patients.selectors import latest_weight
    from ketaclinic.patients.services import body_measurement_record

    if latest_weight(patient=patient) is None:
        kilograms = Decimal(rng.randrange(550, 1100)) / 10
        body_measurement_record(
            actor=actor,
            patient=patient,
            weight_kg=kilograms,
            measured_at=timezone.now() - dt.timedelta(days=2),
        )

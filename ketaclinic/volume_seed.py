"""Bulk volume for the outcome analytics (issue 7 item 7; PRODUCT.md "Scale the design must
carry", tier M: 10,000 patients, a year of daily check-ins, tens of thousands of infusions).

`ketaclinic seed --patients 10000 --recovery-days 365` seeds the demo as usual, then gives
every new patient outside the demo journey (no course, no questionnaire yet) a synthetic
treatment history (course, signed infusions, signed integrations, boosters, MEQ-30 scored by
the questionnaire engine) and daily records from a few weeks before the first infusion until
yesterday, with the same model as the demo (`recovery.seed`). Rows are written in bulk: the
history with bulk_create in batches, the daily records with COPY on PostgreSQL (psycopg 3)
and bulk_create elsewhere. The outcome of every addiction target is then computed with the
recovery app's `recompute_all`, and each phase is timed.

Deterministic for a given seed on an empty database (random streams are keyed on MRNs).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ketaclinic.accounts.models import Site
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.recovery import seed as recovery

BATCH_PATIENTS = 250  # patients per transaction: their history, then their daily records
# Tier M: boosters every 5-10 weeks for most patients in care, about six infusions a year.
VOLUME_BOOSTER_PROBABILITY = 0.8
MARKER = "volume_seed"  # target_type of the audit row that records the parameters


@dataclass
class VolumeSummary:
    patients: int = 0
    courses: int = 0
    infusions: int = 0
    responses: int = 0
    daily_records: int = 0
    targets_computed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"Recovery volume: {self.patients} patients, {self.courses} courses, "
            f"{self.infusions} infusions, {self.responses} MEQ-30 responses, "
            f"{self.daily_records} daily records, {self.targets_computed} target outcomes "
            f"computed ({', '.join(f'{k} {v:.1f} s' for k, v in self.seconds.items())})."
        )


def volume_candidates(*, since_pk: int = 0) -> list[Patient]:
    """Patients after `since_pk` outside the demo journey: no course, no questionnaire."""
    courses = TreatmentCourse.objects.filter(patient=OuterRef("pk"))
    responses = QuestionnaireResponse.objects.filter(patient=OuterRef("pk"))
    return list(
        Patient.objects.filter(pk__gt=since_pk, is_active=True)
        .exclude(Exists(courses))
        .exclude(Exists(responses))
        .select_related("site")
        .order_by("pk")
    )


def seed_volume(
    *,
    patients: Sequence[Patient],
    days: int,
    seed: int,
    progress: Callable[[int], object] | None = None,
    use_copy: bool | None = None,
    recompute: bool = True,
    today: dt.date | None = None,
) -> VolumeSummary:
    """Treatment history and `days` days of daily records for each of `patients`, then
    their outcomes. `progress` is called with the number of patients written per batch."""
    today = today or timezone.localdate()
    summary = VolumeSummary()
    instrument = recovery.meq30_instrument()
    definition = instrument.parsed
    by_site: dict[int, list[Patient]] = defaultdict(list)
    for patient in patients:
        by_site[patient.site_id].append(patient)
    staff = {
        site.pk: recovery.site_staff(site) for site in Site.objects.filter(pk__in=list(by_site))
    }
    started = time.perf_counter()
    generate = 0.0
    for site_id, site_patients in sorted(by_site.items()):
        site_staff = staff.get(site_id)
        if site_staff is None:
            continue
        for start in range(0, len(site_patients), BATCH_PATIENTS):
            chunk = site_patients[start : start + BATCH_PATIENTS]
            with transaction.atomic():
                plans = _plans(chunk, days, seed, today, definition)
                history = recovery.history_write(
                    plans=plans, staff=site_staff, instrument=instrument
                )
                began = time.perf_counter()
                rows = [
                    row
                    for plan in plans
                    for subject in recovery.subjects_for(plan, staff=site_staff)
                    for row in recovery.simulate(subject, seed)
                ]
                generate += time.perf_counter() - began
                written = recovery.daily_rows_write(rows, use_copy=use_copy)
                audit_record(
                    actor=None,
                    actor_username="ketaclinic seed",
                    action=Action.CREATE,
                    site=chunk[0].site,
                    target_type="recovery_volume_batch",
                    detail=(
                        f"{len(chunk)} patients: {history.infusions} synthetic infusions and "
                        f"{written} daily records seeded with seed {seed}"
                    ),
                )
            summary.patients += len(plans)
            summary.courses += history.courses
            summary.infusions += history.infusions
            summary.responses += history.responses
            summary.daily_records += written
            if progress is not None:
                progress(len(chunk))
    summary.seconds["write"] = time.perf_counter() - started
    summary.seconds["of which generating daily rows"] = generate
    if recompute:
        volume_outcomes(summary, days=days, seed=seed)
    return summary


def volume_outcomes(summary: VolumeSummary, *, days: int, seed: int) -> None:
    """Compute every target's outcome (timed into `summary`), then record the parameters."""
    from ketaclinic.recovery.services.recompute import recompute_all

    began = time.perf_counter()
    analyze()
    summary.targets_computed = recompute_all()
    summary.seconds["recompute_all"] = time.perf_counter() - began
    audit_record(
        actor=None,
        actor_username="ketaclinic seed",
        action=Action.CREATE,
        target_type=MARKER,
        detail=volume_marker(patients=summary.patients, days=days, seed=seed),
    )


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load (autovacuum would, later)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def volume_marker(*, patients: int, days: int, seed: int) -> str:
    """The audit detail that says a volume was seeded with these parameters."""
    return f"patients={patients} days={days} seed={seed}"


def _plans(
    patients: Sequence[Patient],
    days: int,
    seed: int,
    today: dt.date,
    definition: scoring.InstrumentDefinition,
) -> list[recovery.PatientPlan]:
    """Each patient's first infusion `days` (up to two weeks more) before today, their
    records from two to four weeks before it: a full `days` of follow-up unless they drop
    out."""
    targets = recovery.active_targets(patients)
    weights = recovery.latest_weights(patients)
    yesterday = today - dt.timedelta(days=1)
    plans = []
    for patient in patients:
        if not targets.get(patient.pk):
            continue
        rng = recovery.seeded_rng(seed, "volume", patient.mrn)
        first = today - dt.timedelta(days=days + rng.randint(0, 14))
        plans.append(
            recovery.plan_patient(
                patient=patient,
                targets=targets[patient.pk],
                first_day=first,
                records_from=first - dt.timedelta(days=rng.randint(14, 28)),
                last_day=yesterday,
                definition=definition,
                seed=seed,
                booster_probability=VOLUME_BOOSTER_PROBABILITY,
                weight_kg=weights.get(patient.pk),
            )
        )
    return plans


def seed_volume_database(
    *, patients: int, days: int, seed: int, progress: Callable[[int], object] | None = None
) -> VolumeSummary:
    """A database for the outcome benchmark: the demo sites and staff, `patients` synthetic
    patients with their clinical records, and the volume for all of them (no demo journey)."""
    from django.db.models import Max

    from ketaclinic.accounts.seed import seed_sites_and_staff
    from ketaclinic.patients.seed import seed_clinical_records, seed_patients

    began = time.perf_counter()
    sites = seed_sites_and_staff()
    last_pk = Patient.objects.aggregate(last=Max("pk"))["last"] or 0
    seed_patients(sites=sites, count=patients, seed=seed)
    seed_clinical_records(patients=Patient.objects.filter(pk__gt=last_pk), seed=seed)
    patients_seconds = time.perf_counter() - began
    summary = seed_volume(
        patients=volume_candidates(since_pk=last_pk), days=days, seed=seed, progress=progress
    )
    summary.seconds = {"patients and clinical records": patients_seconds, **summary.seconds}
    return summary

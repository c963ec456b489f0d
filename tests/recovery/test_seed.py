"""The demo recovery data (issue 7 item 11): deterministic, missed days unknown, heavy days
for alcohol, dropouts, and an MEQ-30 that relates to relapse."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Max
from django.utils import timezone

from ketaclinic.accounts.seed import seed_sites_and_staff
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion
from ketaclinic.outcomes.survival import SubjectTime, cox_model
from ketaclinic.patients.models import Patient
from ketaclinic.patients.seed import seed_clinical_records, seed_patients
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.recovery import seed as recovery_seed
from ketaclinic.recovery.models import DailyRecord, TargetOutcome
from ketaclinic.recovery.seed import (
    MEQ_HAZARD_RATIO_PER_10_POINTS,
    RecoverySeed,
    Subject,
    hazard_multiplier,
    seed_recovery,
    simulate,
)
from ketaclinic.therapy.models import IntegrationSession

SEED = 17


def _seed(patients: int = 60) -> RecoverySeed:
    """Sites, staff and `patients` new patients (none in the demo journey), then the demo
    recovery step: at most HISTORY_PER_SITE of them per site get a treatment history."""
    sites = seed_sites_and_staff()
    last = Patient.objects.aggregate(last=Max("pk"))["last"] or 0
    seed_patients(sites=sites, count=patients, seed=SEED)
    new = list(Patient.objects.filter(pk__gt=last).select_related("site").order_by("pk"))
    seed_clinical_records(patients=new, seed=SEED)
    return seed_recovery(sites=sites, patients=new, staged=[], seed=SEED)


def _subject(**changes: object) -> Subject:
    today = timezone.localdate()
    values: dict[str, object] = {
        "key": "BOS000001:alcohol",
        "patient_id": 1,
        "target_id": 1,
        "target": "alcohol",
        "unit": "standard_drinks",
        "sex": "female",
        "first_day": today - dt.timedelta(days=200),
        "records_from": today - dt.timedelta(days=220),
        "records_to": today - dt.timedelta(days=1),
        "relapse_offset": 60.0,
        "hazard": 1.0,
        "meq_percent": 50.0,
        "infusion_days": (today - dt.timedelta(days=200),),
        "reporter_id": 1,
        "nurse_id": 2,
        "therapist_id": 3,
        "zone": zoneinfo.ZoneInfo("America/New_York"),
    }
    values.update(changes)
    return Subject(**values)  # type: ignore[arg-type]  # test values of the right types


def _first_rows() -> list[tuple[object, ...]]:
    today = timezone.localdate()
    rows = DailyRecord.objects.select_related("patient", "target").order_by(
        "patient__mrn", "target__target", "day", "source"
    )[:3]
    return [
        (
            r.patient.mrn,
            r.target.target,
            (today - r.day).days,
            r.source,
            r.used,
            r.quantity,
            r.craving,
        )
        for r in rows
    ]


def test_demo_recovery_seed_is_deterministic_and_its_history_complete(db):
    """Given 60 new patients, when the demo recovery step runs with a seed, then it writes a
    fixed number of rows of each kind and the same first rows (simulating a target twice with
    the same seed gives the same records, another seed different ones); each history patient
    has one initial course, each signed infusion a signed integration (some late) and an
    MEQ-30 scored by the engine; dropouts have a discontinued course."""
    summary = _seed()

    assert (summary.history_patients, summary.courses, summary.infusions) == (40, 84, 150)
    assert summary.responses == 150
    assert summary.daily_records == DailyRecord.objects.count() == 9696
    assert Counter(DailyRecord.objects.values_list("source", flat=True)) == {
        "self_report": 9555,
        "interview": 98,
        "breathalyser": 21,
        "urine_test": 20,
        "etg": 2,
    }
    assert _first_rows() == [
        ("BOS000001", "cannabis", 102, "self_report", True, Decimal("4.00"), 8),
        ("BOS000001", "cannabis", 101, "self_report", True, Decimal("2.00"), 8),
        ("BOS000001", "cannabis", 100, "self_report", False, Decimal("0.00"), 8),
    ]
    assert simulate(_subject(), SEED) == simulate(_subject(), SEED)
    assert simulate(_subject(), SEED) != simulate(_subject(), SEED + 1)
    infusions = Infusion.objects.filter(lot_number=recovery_seed.HISTORY_LOT)
    integrations = IntegrationSession.objects.filter(infusion__in=infusions)
    responses = QuestionnaireResponse.objects.filter(instrument__code="meq30")
    late = [i for i in integrations if i.signed_at is not None and i.signed_at > i.due_at]

    assert infusions.count() == integrations.count() == responses.count()
    assert integrations.filter(status="signed").count() == integrations.count()
    assert late
    for response in responses[:20]:
        result = scoring.score(response.instrument.parsed, response.answers, context={"sex": "x"})
        assert response.total == result.total
    statuses = Counter(
        TreatmentCourse.objects.filter(kind="initial").values_list("status", flat=True)
    )
    assert sum(statuses.values()) == 40
    discontinued = set(
        TreatmentCourse.objects.filter(status="discontinued").values_list("patient_id", flat=True)
    )
    dropped = set(
        TargetOutcome.objects.filter(dropped_out=True, last_observed_day__isnull=False).values_list(
            "patient_id", flat=True
        )
    )
    assert dropped
    assert dropped <= discontinued


def test_missed_days_are_unknown_and_alcohol_relapses_start_on_a_heavy_day(db):
    """Given the seeded demo, when a self-report day is missed, then that day has no record
    of any source (not an abstinent row) and the outcome counts only recorded days; alcohol
    relapses start on a heavy day (>= 5 drinks for men, >= 4 for women and others)."""
    _seed()
    outcome = next(
        o
        for o in TargetOutcome.objects.filter(start_day__isnull=False).order_by("target_id")
        if o.last_observed_day is not None
        and o.start_day is not None
        and o.days_observed < (o.last_observed_day - o.start_day).days + 1
    )
    assert outcome.start_day is not None
    assert outcome.last_observed_day is not None
    days = set(
        DailyRecord.objects.filter(target_id=outcome.target_id).values_list("day", flat=True)
    )
    span = [
        outcome.start_day + dt.timedelta(days=n)
        for n in range((outcome.last_observed_day - outcome.start_day).days + 1)
    ]
    missed = [d for d in span if d not in days]

    assert missed
    assert not DailyRecord.objects.filter(target_id=outcome.target_id, day__in=missed).exists()
    assert outcome.days_observed == len([d for d in span if d in days])
    assert outcome.days_abstinent + outcome.days_used == outcome.days_observed
    relapses = TargetOutcome.objects.filter(
        target_kind="alcohol", relapse_day__isnull=False
    ).select_related("patient")

    assert relapses.count() > 0
    for outcome in relapses:
        assert outcome.relapse_day is not None
        threshold = Decimal(5 if outcome.patient.sex == "male" else 4)
        day = DailyRecord.objects.get(
            target_id=outcome.target_id, day=outcome.relapse_day, source="self_report"
        )
        assert day.used
        assert day.quantity is not None
        assert day.quantity >= threshold
    heavy = TargetOutcome.objects.filter(target_kind="alcohol", heavy_days__gt=0)
    assert heavy.count() == relapses.count()


def test_missed_days_come_from_the_simulation_not_from_blank_rows():
    """Given one simulated target, when its self-reports are listed, then some days in its
    range have no self-report, and every self-report says used or not with a quantity."""
    rows = [r for r in simulate(_subject(), SEED) if r.source == "self_report"]
    days = {r.day for r in rows}
    subject = _subject()
    span = (subject.records_to - subject.records_from).days + 1

    assert 0 < span - len(days) < span // 2
    assert all(r.quantity is not None for r in rows)
    assert all((r.quantity == 0) != r.used for r in rows)


def test_a_stronger_mystical_experience_lowers_the_relapse_hazard(db):
    """Given the seeded demo, when a Cox model of time to relapse on the mean MEQ-30 total is
    fitted, then its hazard ratio is below 1, as the generator's parameter says."""
    _seed()
    meq: dict[int, list[float]] = defaultdict(list)
    for patient_id, percent in QuestionnaireResponse.objects.filter(
        instrument__code="meq30"
    ).values_list("patient_id", "total_percent_of_max"):
        assert percent is not None
        meq[patient_id].append(float(percent))
    subjects = []
    for outcome in TargetOutcome.objects.filter(start_day__isnull=False, patient_id__in=meq):
        assert outcome.start_day is not None
        end = outcome.relapse_day or outcome.last_observed_day
        assert end is not None
        subjects.append(
            SubjectTime(
                duration_days=float((end - outcome.start_day).days),
                relapsed=outcome.relapse_day is not None,
                group="all",
                covariates={
                    "meq30_total": sum(meq[outcome.patient_id]) / len(meq[outcome.patient_id])
                },
            )
        )

    result = cox_model(subjects, ["meq30_total"])

    assert hazard_multiplier(60) == pytest.approx(MEQ_HAZARD_RATIO_PER_10_POINTS)
    assert hazard_multiplier(50) == 1.0
    assert result.rows[0].step_hazard_ratio < 1


def test_light_lapses_stay_below_every_heavy_threshold():
    """Given a simulated alcohol target with no relapse, when it is used after the first
    infusion, then each day of use is a light lapse below 4 drinks (the lower threshold)."""
    subject = _subject(relapse_offset=None)
    rows = simulate(subject, SEED)
    light = [r.quantity for r in rows if r.used and r.day > subject.first_day]

    assert light
    assert all(q is not None and q < 4 for q in light)

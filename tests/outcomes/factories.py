"""Cohort test data built row by row: the recovery recompute is tested on its own, so these
tests write `TargetOutcome` rows (and the daily records, courses, infusions, integrations
and MEQ-30 responses behind the covariates) directly, with known values."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import AddictionTarget, Patient, Sex, Target, TargetKind
from ketaclinic.patients.models.addiction import RecoveryUnit
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import Instrument, QuestionnaireResponse, ResponseSource
from ketaclinic.questionnaires.services.responses import response_build
from ketaclinic.recovery.models import DailyRecord, Source, TargetBlock, TargetOutcome, block_of
from ketaclinic.therapy.models import IntegrationSession, NoteStatus
from tests.factories import PatientFactory
from tests.treatment import InfusionFactory, TreatmentCourseFactory, protocol_version

START = dt.date(2024, 3, 1)


@dataclass(frozen=True)
class Built:
    patient: Patient
    target: AddictionTarget
    outcome: TargetOutcome
    course: TreatmentCourse | None


def aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def build_subject(
    *,
    site: Site,
    by: User,
    duration_days: int,
    relapsed: bool = False,
    dropped_out: bool = False,
    start: dt.date = START,
    target: Target = Target.ALCOHOL,
    sex: Sex = Sex.FEMALE,
    born: dt.date = dt.date(1980, 5, 17),
    protocol: str | None = "kare-2022",
    enrolled: dt.date | None = None,
    doses_mg_per_kg: Sequence[Decimal] = (),
    on_time: Sequence[bool] = (),
    meq_answer: int | None = None,
    patient: Patient | None = None,
    **patient_fields: object,
) -> Built:
    """One subject: relapse (or last observed) `duration_days` after `start`; a course of
    `protocol` enrolled on `enrolled` (default: 14 days before start) with one signed infusion
    per dose (weight 70 kg, administered = dose x 70), an integration per infusion signed on
    time or late per `on_time`, and a MEQ-30 with every item `meq_answer` (0-5)."""
    patient = patient or PatientFactory(site=site, sex=sex, date_of_birth=born, **patient_fields)
    kind = TargetKind.BEHAVIOURAL if target == Target.GAMBLING else TargetKind.SUBSTANCE
    unit = RecoveryUnit.STANDARD_DRINKS if target == Target.ALCOHOL else RecoveryUnit.USE_EPISODES
    addiction = AddictionTarget.objects.create(
        patient=patient, kind=kind, target=target, unit=unit, recorded_by=by
    )
    end = start + dt.timedelta(days=duration_days)
    outcome = TargetOutcome.objects.create(
        target=addiction,
        patient=patient,
        site=site,
        target_kind=target,
        start_day=start,
        last_observed_day=end,
        days_observed=duration_days + 1,
        days_abstinent=duration_days,
        relapse_day=end if relapsed else None,
        first_lapse_day=end if relapsed else None,
        dropped_out=dropped_out,
        computed_at=timezone.now(),
    )
    course = None
    if protocol is not None:
        course = TreatmentCourseFactory(
            patient=patient,
            protocol_version=protocol_version(protocol),
            supervising_physician=by,
            enrolled_at=aware(enrolled or start - dt.timedelta(days=14)),
        )
        for number, dose in enumerate(doses_mg_per_kg, start=1):
            infusion_signed(course, by, number, start + dt.timedelta(days=7 * (number - 1)), dose,
                            on_time[number - 1] if number <= len(on_time) else None)  # fmt: skip
    if meq_answer is not None:
        meq30_response(patient, by, meq_answer, aware(start, 16))
    return Built(patient, addiction, outcome, course)


def infusion_signed(
    course: TreatmentCourse,
    by: User,
    number: int,
    day: dt.date,
    dose_mg_per_kg: Decimal,
    integration_on_time: bool | None,
) -> Infusion:
    infusion: Infusion = InfusionFactory(
        course=course,
        created_by=by,
        session_number=number,
        scheduled_at=aware(day, 9),
        status=InfusionStatus.SIGNED,
        weight_kg=Decimal("70.00"),
        planned_mg_per_kg=dose_mg_per_kg,
        administered_mg=(dose_mg_per_kg * 70).quantize(Decimal("0.1")),
        started_at=aware(day, 9),
        ended_at=aware(day, 10),
        signed_by=by,
        signed_at=aware(day, 13),
    )
    if integration_on_time is not None:
        due = aware(day + dt.timedelta(days=3), 13)
        signed_at = due - dt.timedelta(hours=2) if integration_on_time else due + dt.timedelta(1)
        IntegrationSession.objects.create(
            course=course,
            infusion=infusion,
            due_at=due,
            status=NoteStatus.SIGNED,
            signed_by=by,
            signed_at=signed_at,
            held_at=signed_at,
        )
    return infusion


def meq30_response(
    patient: Patient, by: User, answer: int, completed_at: dt.datetime
) -> QuestionnaireResponse:
    """A scored MEQ-30 with every item `answer`: total % = answer / 5 x 100; a complete
    mystical experience from 3 (60 %) up."""
    instrument = Instrument.objects.get(code="meq30", is_active=True)
    answers = {item.id: answer for item in instrument.parsed.items}
    result = scoring.score(instrument.parsed, answers, context={})
    response = response_build(
        patient=patient,
        instrument=instrument,
        answers=answers,
        scoring_context={},
        result=result,
        completed_at=completed_at,
        entered_by=by,
        completed_by_patient=False,
        source=ResponseSource.STAFF_ENTRY,
    )
    response.save()
    return response


def daily(
    built: Built,
    by: User,
    offset: int,
    *,
    used: bool = False,
    craving: int | None = None,
    source: Source = Source.SELF_REPORT,
) -> DailyRecord:
    """One daily record `offset` days from the subject's start day; a self-report is also
    counted in the subject's 30-day block, as the recovery recompute would count it (these
    tests write the outcome directly, so they do not recompute)."""
    assert built.outcome.start_day is not None
    now = timezone.now()
    day = built.outcome.start_day + dt.timedelta(days=offset)
    block = block_of(day, built.outcome.start_day)
    if source == Source.SELF_REPORT and block is not None:
        TargetBlock.objects.get_or_create(
            target=built.target, block=block, defaults={"days_observed": 0, "days_abstinent": 0}
        )
        TargetBlock.objects.filter(target=built.target, block=block).update(
            days_observed=F("days_observed") + 1,
            days_abstinent=F("days_abstinent") + (0 if used else 1),
        )
    return DailyRecord.objects.create(
        patient=built.patient,
        target=built.target,
        day=day,
        source=source,
        used=used,
        quantity=Decimal(3) if used else Decimal(0),
        unit=built.target.unit,
        craving=craving,
        recorded_by=by,
        recorded_at=now,
        updated_at=now,
    )


@dataclass(frozen=True)
class Planned:
    """What `build_cohort` built for one subject: the values the analytics must find."""

    built: Built
    duration_days: int
    relapsed: bool
    dropped_out: bool
    meq_answer: int
    doses: tuple[Decimal, ...]
    on_time: tuple[bool, ...]
    age: int
    female: bool
    protocol: str


PROTOCOLS = ("kare-2022", "dakwar-alc-2020")


def build_cohort(
    *, site: Site, by: User, n: int = 40, seed: int = 11, protocols: Sequence[str] = PROTOCOLS
) -> list[Planned]:
    """`n` subjects with varied, known covariates and outcomes (deterministic for `seed`):
    a stronger MEQ-30 makes relapse less likely and later, with noise, so a Cox model fits."""
    rng = random.Random(seed)
    planned = []
    for i in range(n):
        meq = rng.randint(0, 5)
        relapsed = rng.random() < 0.85 - 0.12 * meq
        duration = rng.randint(20, 120) + 40 * meq if relapsed else rng.randint(150, 400)
        doses = tuple(
            Decimal(rng.choice(["0.50", "0.60", "0.71", "0.80"])) for _ in range(1 + i % 3)
        )
        on_time = tuple(rng.random() < 0.7 for _ in doses)
        age = rng.randint(24, 66)
        female = rng.random() < 0.5
        dropped = not relapsed and rng.random() < 0.3
        protocol = protocols[i % len(protocols)]
        built = build_subject(
            site=site,
            by=by,
            duration_days=duration,
            relapsed=relapsed,
            dropped_out=dropped,
            protocol=protocol,
            doses_mg_per_kg=doses,
            on_time=on_time,
            meq_answer=meq,
            sex=Sex.FEMALE if female else Sex.MALE,
            born=dt.date(START.year - age, 1, 15),
        )
        planned.append(
            Planned(built, duration, relapsed, dropped, meq, doses, on_time, age, female, protocol)
        )
    return planned

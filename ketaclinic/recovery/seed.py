"""Demo recovery data (issue 7 item 11): a year of daily check-ins, clearly synthetic.

What the demo gets, after the treatment scenarios of `treatment_seed`:

- the demo patients who had infusions, and the patients with a portal login, get daily
  self-reports per addiction target up to yesterday (today's check-in is left for the
  visitor);
- a bounded number of each site's other patients (`HISTORY_PER_SITE`) get a past year of
  treatment history written in bulk: a course (completed, or discontinued when the patient
  dropped out), signed infusions with their dose, signed integration sessions (some held
  late), boosters, an MEQ-30 after every infusion scored by the questionnaire engine, and
  daily records;
- a few staff timeline follow-back interviews (with recall lag) and test results
  (breathalyser on infusion days, EtG or urine tests about monthly).

The outcome model is synthetic and says so. Each addiction target's time to relapse after
the first infusion is Weibull with a hazard that falls as the MEQ-30 rises
(`MEQ_HAZARD_RATIO_PER_10_POINTS`), so the demo's Cox model finds a protective hazard ratio;
lapses (light use that is not a relapse under the clinic's default rules) follow the same
hazard. A relapse starts an episode of at least 7 consecutive days of use whose first day is
heavy (>= 5 drinks for men, >= 4 for women and everyone else), so it is a relapse under both
default rules. Days are missed at random (no row: unknown, never abstinent), more often on
days of use; some patients drop out (their records stop and their course is discontinued).
Craving falls after the first infusion, more after a stronger experience, and rises with use.

Deterministic for a given seed: every random stream is keyed on the seed and the patient's
MRN, never on database ids. `volume_seed` uses the same code for tier M.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.courses.models import (
    CourseKind,
    CourseStatus,
    CourseStatusChange,
    TreatmentCourse,
)
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import AddictionTarget, BodyMeasurement, Patient, RecoveryUnit
from ketaclinic.protocols.models import ProtocolVersion
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import Instrument, QuestionnaireResponse, ResponseSource
from ketaclinic.questionnaires.services.responses import response_build
from ketaclinic.recovery.models import DailyRecord, Source, Trigger
from ketaclinic.therapy.models import IntegrationSession, NoteStatus, PreparationSession

# --------------------------------------------------------------------------- the model
# Synthetic parameters, named so that tests and readers can see them. None is clinical data.

# Hazard ratio of relapse (and of lapses) per 10 points more MEQ-30 total (% of maximum).
MEQ_HAZARD_RATIO_PER_10_POINTS = 0.55
MEQ_REFERENCE_PERCENT = 50.0
# Weibull time to relapse in days after the first infusion: shape < 1 (most relapses come
# early); scale chosen so that about two thirds relapse within a year at the reference MEQ-30.
RELAPSE_WEIBULL_SHAPE = 0.7
RELAPSE_WEIBULL_SCALE_DAYS = 330.0
LAPSE_DAILY_PROBABILITY = 0.012  # light use on a day before relapse, at the reference MEQ
RELAPSE_EPISODE_DAYS = (7, 18)  # consecutive days of use that start a relapse
PRE_TREATMENT_USE_PROBABILITY = 0.6
DROPOUT_PROBABILITY = 0.10  # stop checking in at a random time
DROPOUT_AFTER_RELAPSE_PROBABILITY = 0.30  # stop checking in within weeks of a relapse
INTERVIEW_PROBABILITY = 0.15  # a staff follow-back interview for this target
TESTED_PROBABILITY = 0.4  # monthly EtG (alcohol) or urine tests (drugs)
BOOSTER_PROBABILITY = 0.5  # a booster infusion every 5-10 weeks while in care (demo)

HISTORY_PER_SITE = 70  # demo patients per site given a past year of treatment history
UNTREATED_RESERVE = 10  # new patients per site kept without treatment for the intake demo
# How far back the demo's records go: a year of follow-up for the earliest patients, so the
# 12-month relapse estimate has people at risk.
DEMO_DAYS = 420
BATCH = 2000
SYNTHETIC = "(synthetic)"
HISTORY_LOT = "SYNTH-HISTORY"  # typed lot: the history predates the demo register

# Protocols by the course's addiction target; behavioural addictions use KARE's schedule.
PROTOCOL_FOR_TARGET = {
    "alcohol": ("kare-2022", "kare-2022", "dakwar-alc-2020"),
    "opioids": ("krupitsky-her-2007",),
    "cocaine_stimulants": ("dakwar-coc-2019",),
    "cannabis": ("azhari-cann-2021",),
}
DEFAULT_PROTOCOLS = ("kare-2022",)
# (days after the first infusion of each initial session, mg/kg choices per session)
SCHEDULES: dict[str, tuple[tuple[int, ...], tuple[tuple[str, ...], ...]]] = {
    "kare-2022": ((0, 7, 14), (("0.600", "0.700", "0.800"),) * 3),
    "dakwar-alc-2020": ((0,), (("0.710",),)),
    "dakwar-coc-2019": ((0,), (("0.500",),)),
    "krupitsky-her-2007": ((0, 30, 60), (("1.500", "2.000"),) * 3),
    "azhari-cann-2021": ((0, 14), (("0.710",), ("1.410",))),
}
INFUSION_MINUTES = {"dakwar-alc-2020": 52, "krupitsky-her-2007": 5}


def hazard_multiplier(meq_percent: float) -> float:
    """The synthetic relapse-hazard multiplier for a MEQ-30 total (% of maximum)."""
    steps = (meq_percent - MEQ_REFERENCE_PERCENT) / 10
    return math.pow(MEQ_HAZARD_RATIO_PER_10_POINTS, steps)


def relapse_offset_days(rng: random.Random, hazard: float) -> float:
    """Days from the first infusion to relapse: Weibull with a proportional hazard."""
    draw = rng.expovariate(1.0)
    return RELAPSE_WEIBULL_SCALE_DAYS * math.pow(draw / hazard, 1 / RELAPSE_WEIBULL_SHAPE)


def seeded_rng(seed: int, *parts: object) -> random.Random:
    # Seeding with text is deterministic across runs (no hash randomisation).
    return random.Random(":".join(str(p) for p in (seed, *parts)))  # noqa: S311  # demo data


# --------------------------------------------------------------------------- daily records


class DailyRow(NamedTuple):
    """One DailyRecord, in the column order of `COPY_COLUMNS` (updated_at = recorded_at)."""

    patient_id: int
    target_id: int
    day: dt.date
    source: str
    used: bool
    quantity: Decimal | None
    unit: str
    craving: int | None
    mood: int | None
    triggers: tuple[str, ...]
    trigger_note: str
    note: str
    recall_lag_days: int
    recorded_by_id: int
    recorded_at: dt.datetime


COPY_COLUMNS = (*DailyRow._fields, "updated_at")


@dataclass(frozen=True)
class Subject:
    """One addiction target to simulate."""

    key: str  # the random stream's key (MRN and target kind)
    patient_id: int
    target_id: int
    target: str
    unit: str
    sex: str
    first_day: dt.date  # day 0: the first infusion (or the quit day)
    records_from: dt.date
    records_to: dt.date  # inclusive; earlier than yesterday for a dropout
    relapse_offset: float | None  # days after first_day; None: no relapse model (no infusion)
    hazard: float
    meq_percent: float
    infusion_days: tuple[dt.date, ...]
    reporter_id: int  # who recorded the self-reports (the patient's login, else a nurse)
    nurse_id: int
    therapist_id: int
    zone: zoneinfo.ZoneInfo


_ZERO = Decimal(0)
_DECIMALS = {n: Decimal(n) for n in range(0, 1000)}
_TRIGGERS = tuple(Trigger.values)
_TRIGGER_NOTES = ("payday", "argument at work", "old friend called", "long weekend")


@dataclass(frozen=True)
class _Amounts:
    light: tuple[int, int]
    heavy: tuple[int, int]


def _amounts(unit: str, sex: str) -> _Amounts:
    """Quantities in the target's unit: light use stays under every default heavy threshold."""
    if unit in (RecoveryUnit.STANDARD_DRINKS, RecoveryUnit.GRAMS_ETHANOL):
        threshold = 5 if sex == "male" else 4  # DOMAIN.md section 4 (lower one if not male)
        factor = 14 if unit == RecoveryUnit.GRAMS_ETHANOL else 1
        return _Amounts((1 * factor, 3 * factor), (threshold * factor, (threshold + 7) * factor))
    if unit == RecoveryUnit.MONEY_USD:
        return _Amounts((10, 60), (100, 600))
    if unit == RecoveryUnit.MINUTES:
        return _Amounts((15, 60), (120, 420))
    if unit == RecoveryUnit.BINGE_EPISODES:
        return _Amounts((1, 1), (2, 3))
    return _Amounts((1, 1), (2, 5))  # use episodes


def _quantity(rng: random.Random, bounds: tuple[int, int]) -> Decimal:
    value = rng.randint(*bounds)
    return _DECIMALS.get(value) or Decimal(value)


@dataclass
class _Day:
    used: bool
    quantity: Decimal


@dataclass
class _State:
    relapse_day: dt.date | None
    relapsed: bool = False
    episode_left: int = 0
    post_use: float = 0.0
    settled_on: dt.date | None = None


def simulate(subject: Subject, seed: int) -> list[DailyRow]:
    """The target's daily records: self-reports (with missed days absent), and for some
    targets a follow-back interview and test results."""
    rng = seeded_rng(seed, "daily", subject.key)
    amounts = _amounts(subject.unit, subject.sex)
    base = rng.uniform(6.0, 9.0)
    floor = max(0.5, base - (2.0 + 4.5 * subject.meq_percent / 100) + rng.gauss(0, 0.8))
    missing = rng.uniform(0.03, 0.16)
    lapse = min(0.2, LAPSE_DAILY_PROBABILITY * subject.hazard)
    state = _State(
        relapse_day=None
        if subject.relapse_offset is None or subject.relapse_offset > 2000
        else subject.first_day + dt.timedelta(days=max(1, math.ceil(subject.relapse_offset)))
    )
    evening = dt.time(rng.randint(18, 22), rng.randint(0, 59))
    truth: dict[dt.date, _Day] = {}
    rows: list[DailyRow] = []
    day = subject.records_from
    one = dt.timedelta(days=1)
    while day <= subject.records_to:
        offset = (day - subject.first_day).days
        used, heavy, episode = _use(rng, subject, state, day, offset, lapse)
        quantity = _quantity(rng, amounts.heavy if heavy else amounts.light) if used else _ZERO
        truth[day] = _Day(used, quantity)
        if episode or rng.random() >= missing + (0.15 if used else 0.0):
            craving = _craving(rng, base, floor, offset, used, state.relapsed)
            rows.append(_self_report(rng, subject, day, used, quantity, craving, evening))
        day += one
    rows += _interview(rng, subject, truth, rows)
    rows += _tests(rng, subject, truth)
    return rows


def _use(
    rng: random.Random, subject: Subject, state: _State, day: dt.date, offset: int, lapse: float
) -> tuple[bool, bool, bool]:
    """(used, heavy, in a relapse episode) for one day."""
    if offset < 0:
        if offset >= -2:  # the entry condition: abstinent before the first infusion
            return False, False, False
        used = rng.random() < PRE_TREATMENT_USE_PROBABILITY
        return used, used and rng.random() < 0.7, False
    if offset == 0:
        return False, False, False
    if state.relapse_day is not None and not state.relapsed and day >= state.relapse_day:
        state.relapsed = True
        state.episode_left = rng.randint(*RELAPSE_EPISODE_DAYS)
        state.post_use = rng.uniform(0.15, 0.45)
        if rng.random() < 0.5:  # about half settle back into abstinence after a while
            state.settled_on = day + dt.timedelta(days=state.episode_left + rng.randint(20, 90))
    if state.episode_left > 0:
        first = state.relapse_day == day
        state.episode_left -= 1
        return True, first or rng.random() < 0.7, True
    if state.relapsed and (state.settled_on is None or day < state.settled_on):
        used = rng.random() < state.post_use
        return used, used and rng.random() < 0.5, False
    return rng.random() < lapse, False, False


def _craving(
    rng: random.Random, base: float, floor: float, offset: int, used: bool, relapsed: bool
) -> int:
    if offset < 0:
        level = base
    else:
        level = floor + (base - floor) * math.exp(-offset / 10)
        if relapsed:
            level += 2.5
    if used:
        level += 2.0
    return min(10, max(0, round(level + rng.gauss(0, 1.0))))


def _self_report(
    rng: random.Random,
    subject: Subject,
    day: dt.date,
    used: bool,
    quantity: Decimal,
    craving: int,
    evening: dt.time,
) -> DailyRow:
    mood = min(5, max(1, round(4.4 - 0.3 * craving + rng.gauss(0, 0.6))))
    triggers: tuple[str, ...] = ()
    note = ""
    if (used or craving >= 7) and rng.random() < 0.8:
        triggers = tuple(sorted(rng.sample(_TRIGGERS, rng.randint(1, 2))))
        if rng.random() < 0.1:
            note = f"{rng.choice(_TRIGGER_NOTES)} {SYNTHETIC}"
    at = dt.datetime.combine(day, evening, tzinfo=subject.zone)
    return DailyRow(
        subject.patient_id,
        subject.target_id,
        day,
        Source.SELF_REPORT,
        used,
        quantity,
        subject.unit,
        craving,
        mood,
        triggers,
        note,
        "",
        0,
        subject.reporter_id,
        at,
    )


def _interview(
    rng: random.Random, subject: Subject, truth: Mapping[dt.date, _Day], reported: list[DailyRow]
) -> list[DailyRow]:
    """A follow-back interview of the 14 days before a visit, for some targets: it fills the
    missed days and mostly agrees with the self-reports (a few amounts differ: conflicts)."""
    if subject.relapse_offset is None or rng.random() >= INTERVIEW_PROBABILITY:
        return []
    visit = subject.first_day + dt.timedelta(days=rng.choice((30, 60, 90)))
    if visit > subject.records_to:
        return []
    at = dt.datetime.combine(visit, dt.time(14, 0), tzinfo=subject.zone)
    self_days = {row.day for row in reported}
    rows = []
    for back in range(1, 15):
        day = visit - dt.timedelta(days=back)
        known = truth.get(day)
        if known is None:
            continue
        quantity = known.quantity
        if known.used and day in self_days and rng.random() < 0.1:
            quantity += 1  # recalled differently: shown as a conflict, never overwritten
        rows.append(
            DailyRow(
                subject.patient_id,
                subject.target_id,
                day,
                Source.INTERVIEW,
                known.used,
                quantity,
                subject.unit,
                None,
                None,
                (),
                "",
                f"Timeline follow-back at the visit {SYNTHETIC}",
                back,
                subject.therapist_id,
                at,
            )
        )
    return rows


_TESTED_TARGETS = {
    "alcohol": Source.ETG,
    "opioids": Source.URINE,
    "cocaine_stimulants": Source.URINE,
    "cannabis": Source.URINE,
}


def _tests(rng: random.Random, subject: Subject, truth: Mapping[dt.date, _Day]) -> list[DailyRow]:
    """Breathalyser on infusion days (alcohol), and about monthly EtG or urine tests for
    some targets: positive on days of use, and now and then on a day reported abstinent."""
    rows = []
    days: list[tuple[dt.date, str]] = []
    if subject.target == "alcohol":
        days += [(d, Source.BREATHALYSER) for d in subject.infusion_days]
    test = _TESTED_TARGETS.get(subject.target)
    if (
        test is not None
        and subject.relapse_offset is not None
        and rng.random() < TESTED_PROBABILITY
    ):
        day = subject.first_day + dt.timedelta(days=rng.randint(25, 35))
        while day <= subject.records_to:
            days.append((day, test))
            day += dt.timedelta(days=rng.randint(25, 35))
    for day, source in days:
        known = truth.get(day)
        if known is None:
            continue
        positive = known.used or (source != Source.BREATHALYSER and rng.random() < 0.015)
        at = dt.datetime.combine(day, dt.time(11, 30), tzinfo=subject.zone)
        rows.append(
            DailyRow(
                subject.patient_id,
                subject.target_id,
                day,
                source,
                positive,
                None,
                subject.unit,
                None,
                None,
                (),
                "",
                SYNTHETIC,
                0,
                subject.nurse_id,
                at,
            )
        )
    return rows


_JSON: dict[tuple[str, ...], str] = {}


def _json(triggers: tuple[str, ...]) -> str:
    text = _JSON.get(triggers)
    if text is None:
        text = _JSON[triggers] = json.dumps(list(triggers))
    return text


def daily_rows_write(rows: Iterable[DailyRow], *, use_copy: bool | None = None) -> int:
    """Write daily records in bulk: COPY on PostgreSQL, bulk_create in batches elsewhere.
    Returns how many rows were written. Call inside a transaction."""
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if use_copy:
        return _copy(rows)
    written = 0
    batch: list[DailyRecord] = []
    for row in rows:
        values = row._asdict()
        values["triggers"] = list(row.triggers)
        batch.append(DailyRecord(**values, updated_at=row.recorded_at))
        if len(batch) >= BATCH:
            written += len(DailyRecord.objects.bulk_create(batch, batch_size=BATCH))
            batch = []
    if batch:
        written += len(DailyRecord.objects.bulk_create(batch, batch_size=BATCH))
    return written


def _copy(rows: Iterable[DailyRow]) -> int:
    table = connection.ops.quote_name(DailyRecord._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COPY_COLUMNS)
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # names from the model
            for row in rows:
                copy.write_row((*row[:9], _json(row.triggers), *row[10:], row.recorded_at))
                written += 1
    return written


# --------------------------------------------------------------------------- treatment history


@dataclass(frozen=True)
class Staff:
    physician: User
    nurse: User
    therapist: User


@dataclass
class _Session:
    day: dt.date
    mg_per_kg: Decimal
    answers: dict[str, int]
    score: scoring.ScoreResult
    integration_hours: int  # after the infusion was signed
    booster: bool


@dataclass
class PatientPlan:
    patient: Patient
    targets: list[AddictionTarget]
    protocol: str
    sessions: list[_Session]
    dropout_day: dt.date | None
    meq_percent: float
    hazard: float
    relapse_offsets: dict[int, float]  # by target pk
    in_treatment: bool  # initial sessions are still to come: the course is active
    weight_kg: Decimal
    records_from: dt.date
    records_to: dt.date

    @property
    def first_day(self) -> dt.date:
        return self.sessions[0].day


@dataclass
class History:
    """What `history_write` wrote."""

    courses: int = 0
    infusions: int = 0
    integrations: int = 0
    responses: int = 0
    plans: list[PatientPlan] = field(default_factory=list)


def site_staff(site: Site) -> Staff | None:
    """The site's demo physician, nurse and therapist (see `treatment_seed.STAFF`)."""
    from ketaclinic.treatment_seed import STAFF

    names = STAFF.get(site.slug)
    if names is None:
        return None
    users = {u.username: u for u in User.objects.filter(username__in=names, sites=site)}
    if len(users) != len(names):
        return None
    physician, nurse, therapist = (users[name] for name in names)
    return Staff(physician=physician, nurse=nurse, therapist=therapist)


def _meq_answers(
    rng: random.Random, definition: scoring.InstrumentDefinition, intensity: float
) -> dict[str, int]:
    return {item.id: min(5, max(0, round(rng.gauss(intensity, 0.9)))) for item in definition.items}


def plan_patient(
    *,
    patient: Patient,
    targets: list[AddictionTarget],
    first_day: dt.date,
    records_from: dt.date,
    last_day: dt.date,
    definition: scoring.InstrumentDefinition,
    seed: int,
    booster_probability: float = BOOSTER_PROBABILITY,
    weight_kg: Decimal | None = None,
) -> PatientPlan:
    """A patient's synthetic treatment and outcome drivers: protocol, sessions with MEQ-30
    answers, relapse times per target and dropout. Deterministic for seed and MRN."""
    rng = seeded_rng(seed, "plan", patient.mrn)
    primary = targets[0]
    protocol = rng.choice(PROTOCOL_FOR_TARGET.get(primary.target, DEFAULT_PROTOCOLS))
    offsets, doses = SCHEDULES[protocol]
    if protocol == "azhari-cann-2021" and rng.random() < 0.5:  # responders need one
        offsets, doses = offsets[:1], doses[:1]
    intensity = rng.uniform(1.2, 4.6)  # the patient's tendency to a strong experience
    context = {"sex": patient.sex}
    sessions = []
    for offset, choices in zip(offsets, doses, strict=True):
        answers = _meq_answers(rng, definition, intensity + rng.gauss(0, 0.3))
        sessions.append(
            _Session(
                day=first_day + dt.timedelta(days=offset),
                mg_per_kg=Decimal(rng.choice(choices)),
                answers=answers,
                score=scoring.score(definition, answers, context=context),
                integration_hours=_integration_hours(rng),
                booster=False,
            )
        )
    meq = sum(float(s.score.total_percent_of_max or 0) for s in sessions) / len(sessions)
    hazard = hazard_multiplier(meq)
    relapse = {t.pk: relapse_offset_days(rng, hazard) for t in targets}
    dropout = _dropout(rng, first_day, last_day, relapse.values())
    end = dropout or last_day
    planned = len(sessions)
    sessions = [s for s in sessions if s.day <= end]
    in_treatment = dropout is None and len(sessions) < planned
    if dropout is None and not in_treatment:
        day = sessions[-1].day
        while True:
            day += dt.timedelta(days=rng.randint(35, 70))
            if day > last_day - dt.timedelta(days=3):
                break
            if rng.random() < booster_probability:
                answers = _meq_answers(rng, definition, intensity + rng.gauss(0, 0.3))
                sessions.append(
                    _Session(
                        day=day,
                        mg_per_kg=sessions[0].mg_per_kg,
                        answers=answers,
                        score=scoring.score(definition, answers, context=context),
                        integration_hours=_integration_hours(rng),
                        booster=True,
                    )
                )
    return PatientPlan(
        patient=patient,
        targets=targets,
        protocol=protocol,
        sessions=sessions,
        dropout_day=dropout,
        meq_percent=meq,
        hazard=hazard,
        relapse_offsets=relapse,
        in_treatment=in_treatment,
        weight_kg=weight_kg or Decimal(rng.randrange(550, 1100)) / 10,
        records_from=records_from,
        records_to=end,
    )


def _integration_hours(rng: random.Random) -> int:
    """Hours after signing the infusion that the integration session was held: most within
    the 72-hour window, about one in eight late."""
    return rng.randint(80, 160) if rng.random() < 0.12 else rng.randint(18, 60)


def _dropout(
    rng: random.Random, first_day: dt.date, last_day: dt.date, relapses: Iterable[float]
) -> dt.date | None:
    span = (last_day - first_day).days
    earliest = min(relapses, default=None)
    if (
        earliest is not None
        and earliest < span
        and rng.random() < DROPOUT_AFTER_RELAPSE_PROBABILITY
    ):
        day = first_day + dt.timedelta(days=math.ceil(earliest) + rng.randint(20, 60))
        return day if day < last_day - dt.timedelta(days=31) else None
    if span > 45 and rng.random() < DROPOUT_PROBABILITY:
        return first_day + dt.timedelta(days=rng.randint(10, span - 35))
    return None


def subjects_for(
    plan: PatientPlan, *, staff: Staff, reporter_id: int | None = None
) -> list[Subject]:
    zone = zoneinfo.ZoneInfo(plan.patient.site.time_zone)
    days = tuple(s.day for s in plan.sessions)
    return [
        Subject(
            key=f"{plan.patient.mrn}:{target.target}",
            patient_id=plan.patient.pk,
            target_id=target.pk,
            target=target.target,
            unit=target.unit,
            sex=plan.patient.sex,
            first_day=plan.first_day,
            records_from=plan.records_from,
            records_to=plan.records_to,
            relapse_offset=plan.relapse_offsets[target.pk],
            hazard=plan.hazard,
            meq_percent=plan.meq_percent,
            infusion_days=days,
            reporter_id=reporter_id or staff.nurse.pk,
            nurse_id=staff.nurse.pk,
            therapist_id=staff.therapist.pk,
            zone=zone,
        )
        for target in plan.targets
    ]


def history_write(*, plans: Sequence[PatientPlan], staff: Staff, instrument: Instrument) -> History:
    """Courses, status history, preparations, signed infusions, signed integrations and
    MEQ-30 responses for `plans` (one site's patients), in bulk. Call inside a transaction."""
    versions = {
        v.template.code: v
        for v in ProtocolVersion.objects.filter(status="active").select_related("template")
    }
    written = History(plans=list(plans))
    initial = [_course(plan, versions[plan.protocol], staff) for plan in plans]
    TreatmentCourse.objects.bulk_create(initial, batch_size=BATCH)
    boosters: list[tuple[TreatmentCourse, _Session]] = []
    for plan, course in zip(plans, initial, strict=True):
        for session in plan.sessions:
            if session.booster:
                boosters.append((_booster(plan, course, session, staff), session))
    TreatmentCourse.objects.bulk_create([c for c, _ in boosters], batch_size=BATCH)
    changes: list[CourseStatusChange] = []
    preparations: list[PreparationSession] = []
    infusions: list[tuple[Infusion, _Session, PatientPlan]] = []
    for plan, course in zip(plans, initial, strict=True):
        changes += _status_changes(course, staff)
        preparations.append(_preparation(course, staff))
        numbered = [s for s in plan.sessions if not s.booster]
        for number, session in enumerate(numbered, start=1):
            infusions.append((_infusion(plan, course, session, number, staff), session, plan))
    booster_plans = {id(s): p for p in plans for s in p.sessions if s.booster}
    for course, session in boosters:
        changes += _status_changes(course, staff)
        plan = booster_plans[id(session)]
        infusions.append((_infusion(plan, course, session, 1, staff), session, plan))
    CourseStatusChange.objects.bulk_create(changes, batch_size=BATCH)
    PreparationSession.objects.bulk_create(preparations, batch_size=BATCH)
    Infusion.objects.bulk_create([i for i, _, _ in infusions], batch_size=BATCH)
    integrations = [_integration(i, s, staff) for i, s, _ in infusions]
    IntegrationSession.objects.bulk_create(integrations, batch_size=BATCH)
    responses = [_response(i, s, p, staff, instrument) for i, s, p in infusions]
    QuestionnaireResponse.objects.bulk_create(responses, batch_size=BATCH)
    written.courses = len(initial) + len(boosters)
    written.infusions = len(infusions)
    written.integrations = len(integrations)
    written.responses = len(responses)
    return written


def _at(plan: PatientPlan, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(plan.patient.site.time_zone)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def _course(plan: PatientPlan, version: ProtocolVersion, staff: Staff) -> TreatmentCourse:
    first = plan.sessions[0]
    enrolled = _at(plan, first.day - dt.timedelta(days=8), 10)
    numbered = [s for s in plan.sessions if not s.booster]
    if plan.dropout_day is not None:
        status, reason = (
            CourseStatus.DISCONTINUED,
            f"Stopped attending and stopped checking in {SYNTHETIC}",
        )
        changed = _at(plan, plan.dropout_day + dt.timedelta(days=14), 12)
    elif plan.in_treatment:
        status, reason = CourseStatus.ACTIVE, ""
        changed = enrolled + dt.timedelta(days=7, hours=6)
    else:
        status, reason = CourseStatus.COMPLETED, ""
        changed = _at(plan, numbered[-1].day + dt.timedelta(days=1), 12)
    return TreatmentCourse(
        patient=plan.patient,
        protocol_version=version,
        addiction_target=plan.targets[0],
        kind=CourseKind.INITIAL,
        status=status,
        sessions_planned=version.sessions_planned,
        planned_start=first.day,
        supervising_physician=staff.physician,
        therapist=staff.therapist,
        enrolled_by=staff.physician,
        enrolled_at=enrolled,
        status_changed_at=changed,
        status_reason=reason,
    )


def _booster(
    plan: PatientPlan, course: TreatmentCourse, session: _Session, staff: Staff
) -> TreatmentCourse:
    return TreatmentCourse(
        patient=plan.patient,
        protocol_version=course.protocol_version,
        addiction_target=course.addiction_target,
        kind=CourseKind.BOOSTER,
        booster_of=course,
        status=CourseStatus.COMPLETED,
        sessions_planned=1,
        planned_start=session.day,
        supervising_physician=staff.physician,
        therapist=staff.therapist,
        enrolled_by=staff.physician,
        enrolled_at=_at(plan, session.day - dt.timedelta(days=7), 10),
        status_changed_at=_at(plan, session.day + dt.timedelta(days=1), 12),
    )


def _status_changes(course: TreatmentCourse, staff: Staff) -> list[CourseStatusChange]:
    started = course.enrolled_at + dt.timedelta(days=7, hours=6)  # the day before session 1
    changes = [
        CourseStatusChange(
            course=course,
            from_status="",
            to_status=CourseStatus.PLANNED,
            changed_by=staff.physician,
            changed_at=course.enrolled_at,
        ),
        CourseStatusChange(
            course=course,
            from_status=CourseStatus.PLANNED,
            to_status=CourseStatus.ACTIVE,
            changed_by=staff.physician,
            changed_at=started,
        ),
        CourseStatusChange(
            course=course,
            from_status=CourseStatus.ACTIVE,
            to_status=course.status,
            reason=course.status_reason,
            changed_by=staff.physician,
            changed_at=course.status_changed_at,
        ),
    ]
    return changes if course.status != CourseStatus.ACTIVE else changes[:2]


def _preparation(course: TreatmentCourse, staff: Staff) -> PreparationSession:
    held = course.enrolled_at + dt.timedelta(days=7, hours=5)
    return PreparationSession(
        course=course,
        physician=staff.physician,
        held_at=held,
        intentions=f"To stay stopped and understand the craving {SYNTHETIC}",
        expectations=f"About 40 minutes of dissociation, then calm {SYNTHETIC}",
        set_and_setting=f"Quiet room, eyeshades, music chosen by the patient {SYNTHETIC}",
        consent_reviewed=True,
        status=NoteStatus.SIGNED,
        signed_by=staff.physician,
        signed_at=held + dt.timedelta(minutes=50),
    )


def _infusion(
    plan: PatientPlan, course: TreatmentCourse, session: _Session, number: int, staff: Staff
) -> Infusion:
    arrival = _at(plan, session.day, 9)
    start = arrival + dt.timedelta(minutes=20)
    end = start + dt.timedelta(minutes=INFUSION_MINUTES.get(plan.protocol, 40))
    discharged = end + dt.timedelta(minutes=70)
    total_mg = (session.mg_per_kg * plan.weight_kg).quantize(Decimal("0.1"))
    return Infusion(
        course=course,
        patient=plan.patient,
        site=plan.patient.site,
        session_number=number,
        scheduled_at=arrival,
        chair=f"Chair {1 + plan.patient.pk % 4}",
        status=InfusionStatus.SIGNED,
        nurse=staff.nurse,
        supervising_physician=staff.physician,
        created_by=staff.nurse,
        created_at=course.enrolled_at,
        weight_kg=plan.weight_kg,
        weight_measured_at=arrival,
        concentration_mg_per_ml=Decimal("10.00"),
        bag_volume_ml=Decimal("100.0"),
        planned_mg_per_kg=session.mg_per_kg,
        planned_total_mg=total_mg,
        planned_total_ml=(total_mg / 10).quantize(Decimal("0.01")),
        dose_planned_by=staff.nurse,
        dose_planned_at=arrival + dt.timedelta(minutes=2),
        dose_verified_by=staff.physician,
        dose_verified_at=arrival + dt.timedelta(minutes=5),
        lot_number=HISTORY_LOT,
        started_at=start,
        ended_at=end,
        end_reason=f"Completed as planned {SYNTHETIC}",
        administered_mg=total_mg,
        discharged_at=discharged,
        signed_by=staff.nurse,
        signed_at=discharged + dt.timedelta(minutes=10),
    )


def _integration(infusion: Infusion, session: _Session, staff: Staff) -> IntegrationSession:
    assert infusion.signed_at is not None  # built signed above
    held = infusion.signed_at + dt.timedelta(hours=session.integration_hours)
    return IntegrationSession(
        course=infusion.course,
        infusion=infusion,
        due_at=infusion.signed_at + dt.timedelta(hours=72),
        therapist=staff.therapist,
        held_at=held,
        what_emerged=f"A sense of distance from the urge {SYNTHETIC}",
        insights=f"The urge passes if I wait twenty minutes {SYNTHETIC}",
        commitments=f"Call my sponsor when the craving is above 5 {SYNTHETIC}",
        relapse_prevention_plan=f"Avoid the usual route home {SYNTHETIC}",
        craving_now=min(10, max(0, round(6 - float(session.score.total)))),
        status=NoteStatus.SIGNED,
        signed_by=staff.therapist,
        signed_at=held + dt.timedelta(hours=1),
    )


def _response(
    infusion: Infusion, session: _Session, plan: PatientPlan, staff: Staff, instrument: Instrument
) -> QuestionnaireResponse:
    assert infusion.discharged_at is not None  # built discharged above
    return response_build(
        patient=plan.patient,
        instrument=instrument,
        answers=session.answers,
        scoring_context={"sex": plan.patient.sex},
        result=session.score,
        completed_at=infusion.discharged_at - dt.timedelta(minutes=5),
        entered_by=staff.nurse,
        completed_by_patient=True,
        source=ResponseSource.STAFF_ENTRY,
    )


def latest_weights(patients: Sequence[Patient]) -> dict[int, Decimal]:
    weights: dict[int, Decimal] = {}
    rows = (
        BodyMeasurement.objects.filter(patient__in=patients, weight_kg__isnull=False)
        .order_by("patient_id", "measured_at")
        .values_list("patient_id", "weight_kg")
    )
    for patient_id, kilograms in rows:
        if kilograms is not None:
            weights[patient_id] = kilograms
    return weights


def active_targets(patients: Sequence[Patient]) -> dict[int, list[AddictionTarget]]:
    targets: dict[int, list[AddictionTarget]] = defaultdict(list)
    for target in AddictionTarget.objects.filter(patient__in=patients, is_active=True).order_by(
        "pk"
    ):
        targets[target.patient_id].append(target)
    return targets


def meq30_instrument() -> Instrument:
    return Instrument.objects.get(code="meq30", is_active=True)


# --------------------------------------------------------------------------- the demo


@dataclass
class RecoverySeed:
    history_patients: int = 0
    courses: int = 0
    infusions: int = 0
    responses: int = 0
    daily_records: int = 0
    targets_computed: int = 0
    patients_with_records: int = 0

    def __str__(self) -> str:
        # Patients, not rows: the demo's own infusions carry MEQ-30 answers keyed on the
        # seeding time, so their daily records vary from day to day; these counts do not.
        return (
            f"daily recovery records for {self.patients_with_records} patients "
            f"({self.history_patients} with a past year of synthetic treatment history: "
            f"{self.infusions} infusions)"
        )


def seed_recovery(
    *,
    sites: Sequence[Site],
    patients: Sequence[Patient],
    staged: Sequence[Patient],
    seed: int,
    today: dt.date | None = None,
) -> RecoverySeed:
    """The demo's recovery data: daily records for the treated and portal patients,
    treatment history and daily records for up to `HISTORY_PER_SITE` of each site's other
    new `patients`, then lapses, relapses and outcomes for every target."""
    from ketaclinic.recovery.services.recompute import recompute_all

    today = today or timezone.localdate()
    summary = RecoverySeed()
    staged_ids = {p.pk for p in staged}
    instrument = meq30_instrument()
    for site in sites:
        staff = site_staff(site)
        if staff is None:
            continue
        with transaction.atomic():
            rows = _demo_patients_rows(site, staff, seed, today)
            pool = [p for p in patients if p.site_id == site.pk and p.pk not in staged_ids]
            pool.sort(key=lambda p: p.pk)
            chosen = pool[: max(0, min(HISTORY_PER_SITE, len(pool) - UNTREATED_RESERVE))]
            history = _history(chosen, staff, instrument, seed, today)
            for plan in history.plans:
                for subject in subjects_for(plan, staff=staff):
                    rows += simulate(subject, seed)
            written = daily_rows_write(rows)
            summary.patients_with_records += len({row.patient_id for row in rows})
            summary.history_patients += len(chosen)
            summary.courses += history.courses
            summary.infusions += history.infusions
            summary.responses += history.responses
            summary.daily_records += written
            audit_record(
                actor=None,
                actor_username="ketaclinic seed",
                action=Action.CREATE,
                site=site,
                target_type="recovery_seed_batch",
                detail=(
                    f"{written} synthetic daily records and {history.infusions} history "
                    f"infusions seeded with seed {seed}"
                ),
            )
    summary.targets_computed = recompute_all()
    return summary


def _history(
    patients: Sequence[Patient], staff: Staff, instrument: Instrument, seed: int, today: dt.date
) -> History:
    if not patients:
        return History()
    targets = active_targets(patients)
    weights = latest_weights(patients)
    definition = instrument.parsed
    window_start = today - dt.timedelta(days=DEMO_DAYS)
    yesterday = today - dt.timedelta(days=1)
    plans = []
    for patient in patients:
        if not targets.get(patient.pk):
            continue
        rng = seeded_rng(seed, "history", patient.mrn)
        first = today - dt.timedelta(days=rng.randint(25, DEMO_DAYS - 30))
        records_from = max(window_start, first - dt.timedelta(days=rng.randint(10, 28)))
        plans.append(
            plan_patient(
                patient=patient,
                targets=targets[patient.pk],
                first_day=first,
                records_from=records_from,
                last_day=yesterday,
                definition=definition,
                seed=seed,
                weight_kg=weights.get(patient.pk),
            )
        )
    return history_write(plans=plans, staff=staff, instrument=instrument)


def _demo_patients_rows(site: Site, staff: Staff, seed: int, today: dt.date) -> list[DailyRow]:
    """Daily records for the site's patients who had infusions through the services, and
    for the patients with a portal login (pre-treatment check-ins from their quit day)."""
    from ketaclinic.portal.models import PatientAccount

    zone = zoneinfo.ZoneInfo(site.time_zone)
    yesterday = today - dt.timedelta(days=1)
    infusion_days: dict[int, list[dt.date]] = defaultdict(list)
    for patient_id, started in (
        Infusion.objects.filter(site=site, started_at__isnull=False)
        .exclude(status=InfusionStatus.CANCELLED)
        .exclude(lot_number=HISTORY_LOT)
        .order_by("started_at")
        .values_list("patient_id", "started_at")
    ):
        assert started is not None  # filtered above
        infusion_days[patient_id].append(timezone.localtime(started, zone).date())
    logins = dict(
        PatientAccount.objects.filter(patient__site=site).values_list("patient_id", "user_id")
    )
    ids = set(infusion_days) | set(logins)
    # A second `ketaclinic seed` run adds patients: earlier ones keep the records they have.
    ids -= set(DailyRecord.objects.filter(patient_id__in=ids).values_list("patient_id", flat=True))
    if not ids:
        return []
    patients = list(Patient.objects.filter(pk__in=ids).select_related("site").order_by("pk"))
    meq = _meq_percent(ids)
    targets = active_targets(patients)
    rows: list[DailyRow] = []
    for patient in patients:
        days = tuple(d for d in infusion_days.get(patient.pk, []) if d <= yesterday)
        rng = seeded_rng(seed, "demo", patient.mrn)
        for target in targets.get(patient.pk, []):
            if days:
                first, offset = (
                    days[0],
                    relapse_offset_days(rng, hazard_multiplier(meq.get(patient.pk, 50.0))),
                )
                records_from = first - dt.timedelta(days=21)
            else:
                first = target.quit_date or today - dt.timedelta(days=14)
                records_from, offset = first - dt.timedelta(days=30), None
            percent = meq.get(patient.pk, MEQ_REFERENCE_PERCENT)
            subject = Subject(
                key=f"{patient.mrn}:{target.target}",
                patient_id=patient.pk,
                target_id=target.pk,
                target=target.target,
                unit=target.unit,
                sex=patient.sex,
                first_day=first,
                records_from=max(records_from, today - dt.timedelta(days=DEMO_DAYS)),
                records_to=yesterday,
                relapse_offset=offset,
                hazard=hazard_multiplier(percent),
                meq_percent=percent,
                infusion_days=days,
                reporter_id=logins.get(patient.pk, staff.nurse.pk),
                nurse_id=staff.nurse.pk,
                therapist_id=staff.therapist.pk,
                zone=zone,
            )
            rows += simulate(subject, seed)
    return rows


def _meq_percent(patient_ids: Iterable[int]) -> dict[int, float]:
    """Each patient's mean MEQ-30 total (% of maximum) over their responses."""
    totals: dict[int, list[float]] = defaultdict(list)
    for patient_id, percent in QuestionnaireResponse.objects.filter(
        patient_id__in=list(patient_ids), instrument__code="meq30"
    ).values_list("patient_id", "total_percent_of_max"):
        if percent is not None:
            totals[patient_id].append(float(percent))
    return {pid: sum(v) / len(v) for pid, v in totals.items()}

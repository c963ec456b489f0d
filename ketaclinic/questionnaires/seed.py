"""Deterministic synthetic questionnaire data for the demo: clearly fake patients' scores.

`seed_trajectories` writes about six months of PHQ-9 and GAD-7 (every two weeks) and
craving (weekly): most patients improve, some do not, a few improve and then relapse; it
leaves a couple of open safety alerts (one PHQ-9 item 9, one C-SSRS moderate). The rows
are scored by the same engine and built by the same code as `response_submit`, then
written in bulk with one audit row per patient. `seed_meq30_for` goes through
`response_submit` for the MEQ-30 after a demo infusion. `seed_schedules` gives patients
due and overdue questionnaires through `schedule_event`, as the treatment course will.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import (
    DueQuestionnaire,
    Instrument,
    QuestionnaireResponse,
    ResponseSource,
    SafetyAlert,
    ScheduleEvent,
)
from ketaclinic.questionnaires.services import response_submit, schedule_event
from ketaclinic.questionnaires.services.responses import alerts_build, response_build

DAYS = 182
COURSES = ("improve",) * 7 + ("flat",) * 2 + ("relapse",)  # 70 % / 20 % / 10 %
SCHEDULE = {"phq9": 14, "gad7": 14, "craving": 7}  # days between administrations
BASELINE = {"phq9": (12, 22), "gad7": (10, 18), "craving": (6, 9)}
END = {"phq9": (2, 8), "gad7": (2, 7), "craving": (0, 3)}


@dataclass(frozen=True)
class _Plan:
    course: str
    start: dt.datetime
    baseline: dict[str, int]
    end: dict[str, int]


def _rng(seed: int, *parts: object) -> random.Random:
    # Seeding with text is deterministic across runs (no hash randomisation).
    return random.Random(":".join(str(p) for p in (seed, *parts)))  # noqa: S311  # demo data, not security


def _target(plan: _Plan, code: str, fraction: float, rng: random.Random) -> int:
    """The planned total at `fraction` (0..1) of the six months, with some noise."""
    base, end = plan.baseline[code], plan.end[code]
    if plan.course == "flat":
        level = float(base)
    elif plan.course == "relapse" and fraction > 0.65:
        # back up to 80 % of the way from the low point to the baseline by the end
        level = end + (base - end) * (fraction - 0.65) / 0.35 * 0.8
    else:  # improving over the first half, then holding
        level = base + (end - base) * min(fraction / 0.5, 1.0)
    return max(0, round(level + rng.gauss(0, 1.2)))


def _answers_for_total(
    definition: scoring.InstrumentDefinition, total: int, rng: random.Random, keep_zero: set[str]
) -> dict[str, int]:
    """Item answers summing to `total` (capped at what the items allow)."""
    items = [i for i in definition.items if i.id not in keep_zero]
    answers = {i.id: 0 for i in definition.items}
    remaining = min(total, sum(i.max_points for i in items))
    while remaining > 0:
        item = rng.choice([i for i in items if answers[i.id] < i.max_points])
        answers[item.id] += 1
        remaining -= 1
    return answers


def _plan(patient_index: int, seed: int, now: dt.datetime) -> _Plan:
    rng = _rng(seed, "plan", patient_index)
    return _Plan(
        course=rng.choice(COURSES),
        start=now - dt.timedelta(days=DAYS + rng.randrange(0, 10), hours=rng.randrange(0, 6)),
        baseline={code: rng.randint(*BASELINE[code]) for code in BASELINE},
        end={code: rng.randint(*END[code]) for code in END},
    )


def seed_trajectories(
    *, patients: Sequence[Patient], seed: int, actor: User, now: dt.datetime | None = None
) -> int:
    """Write synthetic PHQ-9, GAD-7 and craving series for `patients`; the last two patients
    get an open safety alert. Returns the number of responses written."""
    now = now or timezone.now()
    instruments = {i.code: i for i in Instrument.objects.filter(is_active=True)}
    written = 0
    for index, patient in enumerate(patients):
        plan = _plan(index, seed, now)
        rng = _rng(seed, "answers", index)
        rows: list[tuple[QuestionnaireResponse, scoring.ScoreResult]] = []
        for code, every in SCHEDULE.items():
            instrument = instruments[code]
            for day in range(0, DAYS, every):
                fraction = day / DAYS
                total = _target(plan, code, fraction, rng)
                keep_zero = {"phq9_9"} if code == "phq9" else set()
                answers = _answers_for_total(instrument.parsed, total, rng, keep_zero)
                when = plan.start + dt.timedelta(days=day, minutes=rng.randrange(0, 90))
                rows.append(_scored(patient, instrument, answers, when, actor))
        alert_slot = len(patients) - index  # 1 or 2 for the last two patients
        if alert_slot in (1, 2):
            rows.append(_alert_response(patient, instruments, alert_slot, now, actor))
        written += _write(patient, rows, seed)
    return written


def _scored(
    patient: Patient,
    instrument: Instrument,
    answers: dict[str, int],
    when: dt.datetime,
    actor: User,
) -> tuple[QuestionnaireResponse, scoring.ScoreResult]:
    context = {"sex": patient.sex}
    result = scoring.score(instrument.parsed, answers, context=context)
    response = response_build(
        patient=patient,
        instrument=instrument,
        answers=answers,
        scoring_context=context,
        result=result,
        completed_at=when,
        entered_by=actor,
        completed_by_patient=True,
        source=ResponseSource.STAFF_ENTRY,
    )
    return response, result


def _alert_response(
    patient: Patient,
    instruments: dict[str, Instrument],
    slot: int,
    now: dt.datetime,
    actor: User,
) -> tuple[QuestionnaireResponse, scoring.ScoreResult]:
    """Slot 1: PHQ-9 with item 9 = 1 (same day). Slot 2: C-SSRS screener at moderate risk."""
    when = now - dt.timedelta(hours=3 * slot)
    if slot == 1:
        answers = {f"phq9_{n}": v for n, v in enumerate([2, 2, 1, 2, 1, 2, 1, 0, 1], start=1)}
        return _scored(patient, instruments["phq9"], answers, when, actor)
    answers = {"cssrs_1": 1, "cssrs_2": 1, "cssrs_3": 1, "cssrs_4": 0, "cssrs_5": 0, "cssrs_6": 0}
    return _scored(patient, instruments["cssrs_screen"], answers, when, actor)


def _write(
    patient: Patient, rows: list[tuple[QuestionnaireResponse, scoring.ScoreResult]], seed: int
) -> int:
    with transaction.atomic():
        responses = QuestionnaireResponse.objects.bulk_create(r for r, _ in rows)
        SafetyAlert.objects.bulk_create(
            alert
            for response, (_, result) in zip(responses, rows, strict=True)
            for alert in alerts_build(response=response, result=result)
        )
        audit_record(
            actor=None,
            actor_username="ketaclinic seed",
            action=Action.CREATE,
            patient=patient,
            target_type="questionnaire_response_batch",
            detail=f"{len(responses)} synthetic responses seeded with seed {seed}",
        )
    return len(responses)


def seed_meq30_for(
    *, patient: Patient, completed_at: dt.datetime, actor: User, seed: int
) -> QuestionnaireResponse:
    """A synthetic MEQ-30 after a demo infusion (about a third reach a complete mystical
    experience). `actor` must be staff at the patient's site allowed to enter questionnaires."""
    rng = _rng(seed, "meq30", patient.pk, completed_at.isoformat())
    intensity = rng.uniform(1.2, 4.6)
    instrument = Instrument.objects.get(code="meq30", is_active=True)
    answers = {
        item.id: min(5, max(0, round(rng.gauss(intensity, 0.9))))
        for item in instrument.parsed.items
    }
    return response_submit(
        actor=actor,
        patient=patient,
        instrument_code="meq30",
        answers=answers,
        completed_at=completed_at,
        completed_by_patient=True,
    )


# (event, days before `now` the event happened): what each demo patient has outstanding.
SCHEDULE_SCENARIOS: tuple[tuple[ScheduleEvent, float], ...] = (
    (ScheduleEvent.BASELINE, 2),  # baseline due (7-day window still open)
    (ScheduleEvent.BASELINE, 10),  # baseline overdue
    # No follow-up scenario ("after the last infusion") until the demo has infusions
    # (treatment-course work): a follow-up without an infusion would mislead.
    (ScheduleEvent.PRE_INFUSION, -0.5),  # infusion in 12 hours: pre-infusion items due
)


def seed_schedules(
    *, patients: Sequence[Patient], actor: User, seed: int, now: dt.datetime | None = None
) -> int:
    """Give each patient one scenario of due, overdue and upcoming questionnaires. `actor`
    must be staff at the patients' site allowed to enter questionnaires. Returns the number
    of due items the patients have after seeding."""
    now = now or timezone.now()
    for index, patient in enumerate(patients):
        rng = _rng(seed, "schedule", index)
        event, days_ago = SCHEDULE_SCENARIOS[rng.randrange(len(SCHEDULE_SCENARIOS))]
        at = now - dt.timedelta(days=days_ago, minutes=rng.randrange(0, 120))
        schedule_event(actor=actor, patient=patient, event=event, at=at, reference=f"demo:{seed}")
    return DueQuestionnaire.objects.filter(patient__in=patients).count()


def seed_configuration() -> None:
    """Install the instrument library and the default schedule rules if they are missing.

    The data migrations install both; a test that flushes the database (the browser tests'
    live server) removes them, so this runs the same installers again.
    """
    from importlib import import_module

    from django.apps import apps

    for name in ("0002_instrument_library", "0005_default_schedule_rules"):
        import_module(f"ketaclinic.questionnaires.migrations.{name}").install(apps, None)

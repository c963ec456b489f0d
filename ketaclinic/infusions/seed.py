"""Demo infusions, charted through the real services with explicit past times.

The lead's demo seed calls these for courses it has prepared (active course, signed
preparation, valid consent, signed risk-benefit, and for session 2+ the previous infusion
signed and its integration session signed or not yet due). Everything typed is marked
"(synthetic)". Blood pressure rises during the infusion and peaks around 40 minutes after the
start (DOMAIN.md section 2: mean +16/+11 mmHg in a 2,342-infusion cohort).
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.seed import DEMO_PASSWORD
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions import services
from ketaclinic.infusions.models import AlertAction, ChecklistItem, Infusion
from ketaclinic.inventory.models import LedgerEntry, Registrant
from ketaclinic.inventory.selectors import LotStock, lots_for_administration
from ketaclinic.patients.selectors import latest_weight
from ketaclinic.patients.services import body_measurement_record

# The drawn-up remainder wasted after each demo infusion (a synthetic amount).
WASTE_MG = Decimal("2.0")
PEAK_MINUTES = 40  # DOMAIN.md section 2: the rise peaks around 40 minutes after the start
RISE_SBP, RISE_DBP = 16, 11  # DOMAIN.md section 2: mean +16/+11 mmHg


@dataclass
class _Patient:
    """One synthetic patient's resting values, fixed by the seed."""

    sbp: int
    dbp: int
    hr: int
    rng: random.Random

    def reading(self, minutes_from_start: float | None) -> dict[str, Any]:
        """A reading at `minutes_from_start` (None = before the start)."""
        rise = 0.0
        if minutes_from_start is not None and minutes_from_start >= 0:
            rise = max(0.0, 1 - abs(minutes_from_start - PEAK_MINUTES) / PEAK_MINUTES)
        jitter = self.rng.randint
        return {
            "sbp": self.sbp + round(RISE_SBP * rise) + jitter(-3, 3),
            "dbp": self.dbp + round(RISE_DBP * rise) + jitter(-2, 2),
            "hr": self.hr + round(8 * rise) + jitter(-3, 3),
            "spo2": 97 + jitter(0, 2),
            "rr": 14 + jitter(-2, 2),
            "moaas": 5
            if minutes_from_start is None
            else (3 if 0 <= minutes_from_start < 45 else 5),
        }


def _patient(seed: int, course: TreatmentCourse) -> _Patient:
    rng = random.Random(f"{seed}:{course.pk}")  # noqa: S311  # synthetic demo values
    return _Patient(
        sbp=rng.randint(112, 138), dbp=rng.randint(68, 84), hr=rng.randint(62, 84), rng=rng
    )


def _book(
    *, course: TreatmentCourse, session_number: int, at: dt.datetime, nurse: User, seed: int
) -> Infusion:
    return services.infusion_schedule(
        actor=nurse,
        course=course,
        session_number=session_number,
        scheduled_at=at,
        chair=f"Chair {1 + (seed + course.pk) % 4}",
    )


def _prepare(
    infusion: Infusion, *, nurse: User, physician: User, person: _Patient, at: dt.datetime
) -> None:
    """Weighed on arrival, dose planned and verified, baseline charted, checklist done."""
    weight = latest_weight(patient=infusion.patient)
    body_measurement_record(
        actor=nurse,
        patient=infusion.patient,
        weight_kg=weight.weight_kg if weight and weight.weight_kg else Decimal("78.0"),
        measured_at=at,
    )
    services.infusion_dose_plan(actor=nurse, infusion=infusion, now=at + dt.timedelta(minutes=2))
    services.infusion_dose_verify(
        actor=physician, infusion=infusion, now=at + dt.timedelta(minutes=5)
    )
    services.vitals_record(
        actor=nurse,
        infusion=infusion,
        measured_at=at + dt.timedelta(minutes=8),
        **person.reading(None),
    )
    minimum = infusion.course.protocol_version.entry_min_hours_abstinent
    for item in ChecklistItem:
        hours = (minimum or 24) + 12 if item == ChecklistItem.ENTRY_CONDITION else None
        services.checklist_item_record(
            actor=nurse,
            infusion=infusion,
            item=item.value,
            confirmed=True,
            hours_since_last_use=hours,
            note="(synthetic)" if item == ChecklistItem.PREGNANCY else "",
            at=at + dt.timedelta(minutes=10),
        )


def _register_stock(infusion: Infusion, at: dt.datetime) -> LotStock | None:
    """The oldest register lot at the site with room for the dose and a little waste, or
    None where the site keeps no register here. Older lots were received first, so the
    administration never precedes the receipt in the demo register."""
    if not Registrant.objects.filter(site_id=infusion.site_id).exists():
        return None
    needed = (infusion.planned_total_mg or Decimal(0)) + WASTE_MG
    for row in lots_for_administration(site=infusion.site, on=at.date()):
        received = LedgerEntry.objects.filter(
            lot_id=row.lot_id, kind="receipt", occurred_at__lte=at
        ).exists()
        if received and row.balance_mg >= needed:
            return row
    return None


def _start(
    infusion: Infusion, *, nurse: User, at: dt.datetime, seed: int, stock: LotStock | None = None
) -> None:
    lot = stock.lot_number if stock else f"DEMO-{2400 + seed % 50} (synthetic)"
    services.infusion_start(actor=nurse, infusion=infusion, lot_number=lot, at=at)


def _draw(stock: LotStock | None, witness: User) -> services.RegisterDraw | None:
    """The register draw at the end: the dose, plus the drawn-up remainder wasted before the
    physician as witness (the demo password is published in the README)."""
    if stock is None:
        return None
    return services.RegisterDraw(
        lot_id=stock.lot_id,
        location_id=stock.location_id,
        wasted_mg=WASTE_MG,
        waste_method="Squirted into a drug-disposal container (synthetic)",
        witness=witness,
        witness_password=DEMO_PASSWORD,
    )


def _chart_until(
    infusion: Infusion,
    *,
    nurse: User,
    person: _Patient,
    start: dt.datetime,
    until: dt.datetime,
    every: int,
    first: int,
) -> None:
    minute = first
    while start + dt.timedelta(minutes=minute) <= until:
        services.vitals_record(
            actor=nurse,
            infusion=infusion,
            measured_at=start + dt.timedelta(minutes=minute),
            **person.reading(minute),
        )
        minute += every


def _minutes(infusion: Infusion) -> int:
    version = infusion.course.protocol_version
    phases = [phase.minutes for phase in infusion.dose_phases.all() if phase.minutes]
    return version.min_infusion_minutes or sum(phases) or 40


def _session_start(course: TreatmentCourse, day: dt.date, seed: int) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(course.patient.site.time_zone)
    minute = random.Random(f"{seed}:{course.pk}:{day}").randrange(0, 180, 15)  # noqa: S311
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone) + dt.timedelta(minutes=minute)


def seed_completed_infusion(
    *,
    course: TreatmentCourse,
    session_number: int,
    day: dt.date,
    nurse: User,
    physician: User,
    seed: int,
) -> Infusion:
    """A full flowsheet on `day` (a past day): checklist, dose, verification, vitals on the
    protocol clock, the end, dissociation, recovery, discharge and signature."""
    arrival = _session_start(course, day, seed)
    person = _patient(seed, course)
    infusion = _book(
        course=course, session_number=session_number, at=arrival, nurse=nurse, seed=seed
    )
    _prepare(infusion, nurse=nurse, physician=physician, person=person, at=arrival)
    start = arrival + dt.timedelta(minutes=20)
    stock = _register_stock(infusion, start)
    _start(infusion, nurse=nurse, at=start, seed=seed, stock=stock)
    version = course.protocol_version
    minutes = _minutes(infusion)
    end = start + dt.timedelta(minutes=minutes)
    intra, post = version.vitals_interval_intra_minutes, version.vitals_interval_post_minutes
    _chart_until(
        infusion,
        nurse=nurse,
        person=person,
        start=start,
        until=end - dt.timedelta(minutes=1),
        every=intra,
        first=intra,
    )
    infusion.refresh_from_db()
    services.infusion_stop(
        actor=nurse,
        infusion=infusion,
        reason="Completed as planned (synthetic)",
        administered_mg=infusion.planned_total_mg,
        at=end,
        draw=_draw(stock, physician),
    )
    observe = version.min_observation_minutes
    _chart_until(
        infusion,
        nurse=nurse,
        person=person,
        start=start,
        until=end + dt.timedelta(minutes=observe),
        every=post,
        first=minutes + post,
    )
    services.dissociation_record(
        actor=nurse,
        infusion=infusion,
        instrument="cadss_short",
        score=Decimal(person.rng.randint(0, 12)),
        rated_at=end + dt.timedelta(minutes=10),
        note="(synthetic)",
    )
    ready_at = end + dt.timedelta(minutes=observe)
    services.recovery_score_record(
        actor=nurse,
        infusion=infusion,
        activity=2,
        respiration=2,
        circulation=2,
        consciousness=2,
        oxygen=person.rng.choice((1, 2)),
        circulation_variant="mmhg",
        scored_at=ready_at - dt.timedelta(minutes=5),
    )
    services.infusion_discharge(
        actor=nurse,
        infusion=infusion,
        escort_present=True,
        no_driving_advice_given=True,
        sedation_resolved=True,
        dissociation_resolved=True,
        minutes_until_ready=observe,
        at=ready_at + dt.timedelta(minutes=5),
    )
    services.infusion_sign(actor=nurse, infusion=infusion, at=ready_at + dt.timedelta(minutes=15))
    infusion.refresh_from_db()
    return infusion


def seed_running_infusion(
    *,
    course: TreatmentCourse,
    session_number: int,
    nurse: User,
    physician: User,
    seed: int,
    now: dt.datetime | None = None,
    minutes_running: int = 25,
) -> Infusion:
    """An infusion started `minutes_running` minutes before `now`, vitals charted on time."""
    moment = now or timezone.now()
    start = moment - dt.timedelta(minutes=minutes_running)
    arrival = start - dt.timedelta(minutes=20)
    person = _patient(seed, course)
    infusion = _book(
        course=course, session_number=session_number, at=arrival, nurse=nurse, seed=seed
    )
    _prepare(infusion, nurse=nurse, physician=physician, person=person, at=arrival)
    _start(infusion, nurse=nurse, at=start, seed=seed, stock=_register_stock(infusion, start))
    every = course.protocol_version.vitals_interval_intra_minutes
    _chart_until(
        infusion, nurse=nurse, person=person, start=start, until=moment, every=every, first=every
    )
    infusion.refresh_from_db()
    return infusion


def seed_paused_with_hypertension(
    *,
    course: TreatmentCourse,
    session_number: int,
    nurse: User,
    physician: User,
    seed: int,
    now: dt.datetime | None = None,
) -> Infusion:
    """Running 35 minutes, then SBP 188 (above the example rule SBP > 180): the alerts are
    raised, the nurse paused the infusion and called the physician (both responses charted)."""
    moment = now or timezone.now()
    infusion = seed_running_infusion(
        course=course,
        session_number=session_number,
        nurse=nurse,
        physician=physician,
        seed=seed,
        now=moment - dt.timedelta(minutes=5),
        minutes_running=30,
    )
    high = services.vitals_record(
        actor=nurse,
        infusion=infusion,
        measured_at=moment - dt.timedelta(minutes=4),
        sbp=188,
        dbp=98,
        hr=96,
        spo2=97,
        rr=16,
        moaas=3,
        note="Headache (synthetic)",
    )
    alerts = sorted(high.alerts.all(), key=lambda alert: alert.action != AlertAction.PAUSE_INFUSION)
    for alert in alerts:
        pausing = alert.action == AlertAction.PAUSE_INFUSION and infusion.status == "running"
        services.alert_respond(
            actor=nurse,
            alert=alert,
            response=(
                "Paused the pump; repeat BP in 5 minutes (synthetic)"
                if pausing
                else f"Called {physician}; on the way (synthetic)"
            ),
            pause_infusion=pausing,
            at=moment - dt.timedelta(minutes=3),
        )
        infusion.refresh_from_db()
    return infusion

"""The patient's daily check-in service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery.models import DailyRecord, Source, TargetOutcome
from ketaclinic.recovery.services import CheckinEntry, checkin_save
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory


def entry(
    target: AddictionTarget, used: bool = False, quantity: str | None = None, **kw: Any
) -> CheckinEntry:
    values: dict[str, object] = {
        "target_id": target.pk,
        "used": used,
        "quantity": Decimal(quantity) if quantity is not None else (None if used else Decimal(0)),
        "craving": 3,
        "mood": 4,
        "triggers": [],
    }
    values.update(kw)
    return CheckinEntry(**values)  # type: ignore[arg-type]  # test helper, values checked above


def test_checkin_saves_one_self_report_per_target(
    portal_user: User,
    patient: Patient,
    alcohol: AddictionTarget,
    nicotine: AddictionTarget,
    today: dt.date,
) -> None:
    """Given a patient with two targets, when they check in for today (2 drinks, no
    nicotine), then two self-report records exist with lag 0, each audited, and both
    targets have an outcome row."""
    records = checkin_save(
        actor=portal_user,
        patient=patient,
        day=today,
        entries=[
            entry(alcohol, True, "2", triggers=["stress", "boredom"], trigger_note="work"),
            entry(nicotine, False),
        ],
    )
    assert [(r.target_id, r.used, r.quantity, r.source, r.recall_lag_days) for r in records] == [
        (alcohol.pk, True, Decimal("2.00"), Source.SELF_REPORT, 0),
        (nicotine.pk, False, Decimal(0), Source.SELF_REPORT, 0),
    ]
    saved = DailyRecord.objects.get(target=alcohol)
    assert (saved.triggers, saved.trigger_note, saved.unit) == (
        ["boredom", "stress"],
        "work",
        "standard_drinks",
    )
    assert AuditEvent.objects.filter(target_type="daily_record", action=Action.CREATE).count() == 2
    assert TargetOutcome.objects.filter(patient=patient).count() == 2


def test_second_save_same_day_updates_with_old_and_new_in_audit(
    portal_user: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given today's check-in of no use, when the patient saves again with 3 drinks, then the
    same record is updated (still one) and the audit row shows old -> new."""
    first = checkin_save(actor=portal_user, patient=patient, day=today, entries=[entry(alcohol)])
    second = checkin_save(
        actor=portal_user, patient=patient, day=today, entries=[entry(alcohol, True, "3")]
    )
    assert first[0].pk == second[0].pk
    assert DailyRecord.objects.filter(target=alcohol).count() == 1
    update = AuditEvent.objects.get(target_type="daily_record", action=Action.UPDATE)
    assert update.detail == (
        f"check-in {today} alcohol edited: not used, craving 3, mood 4 -> "
        "used 3 standard_drinks, craving 3, mood 4"
    )


@pytest.mark.parametrize("offset", [-1, 1])
def test_other_days_are_refused(
    portal_user: User, patient: Patient, alcohol: AddictionTarget, today: dt.date, offset: int
) -> None:
    """Given yesterday or tomorrow, when the patient checks in, then it is refused naming
    today, and nothing is written."""
    with pytest.raises(ApplicationError, match="A check-in is for today"):
        checkin_save(
            actor=portal_user,
            patient=patient,
            day=today + dt.timedelta(days=offset),
            entries=[entry(alcohol)],
        )
    assert DailyRecord.objects.count() == 0
    assert TargetOutcome.objects.count() == 0


def test_staff_may_not_check_in_for_the_patient(
    nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given a nurse, when she uses the patient check-in, then 403 with an audited denial and
    no record."""
    with pytest.raises(PermissionDeniedError, match="Only the patient"):
        checkin_save(actor=nurse, patient=patient, day=today, entries=[entry(alcohol)])
    assert DailyRecord.objects.count() == 0
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=nurse).count() == 1


def test_another_patient_may_not_check_in(
    portal_user: User, boston: object, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given a second patient, when the first patient's login checks in for them, then 403
    and nothing is written."""
    other = PatientFactory(site=alcohol.patient.site)
    other_target = AddictionTargetFactory(patient=other, recorded_by=alcohol.recorded_by)
    with pytest.raises(PermissionDeniedError):
        checkin_save(actor=portal_user, patient=other, day=today, entries=[entry(other_target)])
    assert DailyRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"used": True, "quantity": None}, "enter how much, in standard drinks"),
        ({"used": True, "quantity": Decimal(0)}, "enter how much"),
        ({"used": False, "quantity": Decimal(2)}, "the amount is 0"),
        ({"craving": 11}, "Craving is 0"),
        ({"mood": 0}, "Mood is 1"),
        ({"triggers": ["weather"]}, "Unknown trigger"),
    ],
)
def test_invalid_entries_are_refused_and_nothing_written(
    portal_user: User,
    patient: Patient,
    alcohol: AddictionTarget,
    nicotine: AddictionTarget,
    today: dt.date,
    kwargs: dict[str, Any],
    message: str,
) -> None:
    """Given one valid and one invalid entry, when saved, then the whole check-in is refused
    with a message naming the fix, and neither record is written (all or nothing)."""
    with pytest.raises(ApplicationError, match=message):
        checkin_save(
            actor=portal_user,
            patient=patient,
            day=today,
            entries=[entry(nicotine), entry(alcohol, **kwargs)],
        )
    assert DailyRecord.objects.count() == 0


def test_ended_target_is_refused(
    portal_user: User, patient: Patient, nurse: User, today: dt.date
) -> None:
    """Given an ended target, when the patient checks in for it, then refused, nothing written."""
    ended = AddictionTargetFactory(
        patient=patient,
        recorded_by=nurse,
        is_active=False,
        ended_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        ended_by=nurse,
        ended_reason="Goal met",
    )
    with pytest.raises(ApplicationError, match="not one of yours, or it has ended"):
        checkin_save(actor=portal_user, patient=patient, day=today, entries=[entry(ended)])
    assert DailyRecord.objects.count() == 0


def test_checkin_recomputes_lapse(
    portal_user: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given a quit date a week ago, when the patient reports 6 drinks today, then the
    outcome shows today as first lapse and relapse (default: any heavy day), one used day."""
    alcohol.quit_date = today - dt.timedelta(days=7)
    alcohol.save()
    checkin_save(actor=portal_user, patient=patient, day=today, entries=[entry(alcohol, True, "6")])
    outcome = TargetOutcome.objects.get(target=alcohol)
    assert (outcome.start_day, outcome.first_lapse_day, outcome.relapse_day) == (
        today - dt.timedelta(days=7),
        today,
        today,
    )
    assert (outcome.days_observed, outcome.days_used, outcome.heavy_days) == (1, 1, 1)

"""Patient-facing and staff-facing recovery reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.recovery.selectors import (
    CalendarDay,
    CravingPoint,
    Streak,
    abstinence_calendar,
    checked_in_today,
    checkin_form_state,
    craving_series,
    recovery_patient_get,
    streaks,
)

Record = Callable[..., DailyRecord]


def ago(today: dt.date, n: int) -> dt.date:
    return today - dt.timedelta(days=n)


def test_streak_counts_back_from_today(
    patient: Patient, alcohol: AddictionTarget, record: Record, today: dt.date
) -> None:
    """Given use 4 days ago and abstinence on the 3 days since and today, when streaks are
    read, then 4 abstinent days in a row, last use 4 days ago."""
    record(alcohol, ago(today, 4), used=True, quantity=2)
    for n in (3, 2, 1, 0):
        record(alcohol, ago(today, n))
    assert streaks(patient=patient, today=today) == {
        alcohol.pk: Streak(
            abstinent_days_in_a_row=4, last_use_day=ago(today, 4), days_since_last_use=4
        )
    }


def test_streak_ends_yesterday_when_today_not_recorded(
    patient: Patient, alcohol: AddictionTarget, record: Record, today: dt.date
) -> None:
    """Given abstinence on the last 2 days and no check-in yet today, when read, then 2."""
    record(alcohol, ago(today, 2))
    record(alcohol, ago(today, 1))
    assert streaks(patient=patient, today=today)[alcohol.pk].abstinent_days_in_a_row == 2


def test_unknown_day_breaks_the_streak(
    patient: Patient, alcohol: AddictionTarget, record: Record, today: dt.date
) -> None:
    """Given abstinence on days 5-3 ago, nothing 2 days ago, abstinence yesterday and today,
    when read, then the streak is 2 (the missed day breaks it) and no use on record."""
    for n in (5, 4, 3, 1, 0):
        record(alcohol, ago(today, n))
    assert streaks(patient=patient, today=today)[alcohol.pk] == Streak(2, None, None)


def test_positive_test_breaks_the_streak(
    patient: Patient, alcohol: AddictionTarget, record: Record, today: dt.date
) -> None:
    """Given a self-report of no use yesterday and a positive EtG for yesterday, when read,
    then yesterday counts as use: streak 1 (today only), last use yesterday."""
    record(alcohol, ago(today, 1))
    record(alcohol, ago(today, 1), used=True, source=Source.ETG)
    record(alcohol, today)
    assert streaks(patient=patient, today=today)[alcohol.pk] == Streak(1, ago(today, 1), 1)


def test_calendar_marks_every_day(alcohol: AddictionTarget, record: Record, today: dt.date) -> None:
    """Given abstinent, used, unknown and conflicting days, when the calendar is read, then each
    day has its status and quantity."""
    start = ago(today, 3)
    record(alcohol, start)
    record(alcohol, ago(today, 2), used=True, quantity=3)
    record(alcohol, today)
    record(alcohol, today, used=True, source=Source.BREATHALYSER)
    assert abstinence_calendar(target=alcohol, start=start, end=today) == [
        CalendarDay(start, "abstinent", Decimal(0)),
        CalendarDay(ago(today, 2), "used", Decimal(3)),
        CalendarDay(ago(today, 1), "unknown", None),
        CalendarDay(today, "conflict", None),
    ]


def test_checked_in_today_needs_every_active_target(
    patient: Patient,
    alcohol: AddictionTarget,
    nicotine: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given a self-report for one of two targets today, when asked, then not checked in;
    after the second, checked in; an interview record does not count."""
    record(alcohol, today)
    record(nicotine, today, source=Source.INTERVIEW)
    assert checked_in_today(patient, today) is False
    assert set(checkin_form_state(patient=patient, day=today)) == {alcohol.pk}
    record(nicotine, today)
    assert checked_in_today(patient, today) is True


def test_craving_series_prefers_the_self_report(
    patient: Patient, alcohol: AddictionTarget, record: Record, today: dt.date
) -> None:
    """Given craving 7 by interview and 4 by self-report for the same day, and 2 the day after,
    when the series is read, then 4 then 2."""
    day = ago(today, 1)
    record(alcohol, day, source=Source.INTERVIEW, craving=7)
    record(alcohol, day, craving=4)
    record(alcohol, today, craving=2)
    assert craving_series(patient=patient, start=day, end=today) == [
        CravingPoint(day, alcohol.pk, 4),
        CravingPoint(today, alcohol.pk, 2),
    ]


def test_staff_read_is_site_scoped_and_audited(
    nurse: User, wh_therapist: User, patient: Patient
) -> None:
    """Given a Boston patient, when a Boston nurse reads, then a read row; when a West Hartford
    therapist reads, then 404 and a denial row against the patient."""
    assert recovery_patient_get(user=nurse, patient_id=patient.pk) == patient
    assert AuditEvent.objects.filter(action=Action.READ, actor=nurse, patient=patient).count() == 1
    with pytest.raises(NotFoundError):
        recovery_patient_get(user=wh_therapist, patient_id=patient.pk)
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, patient=patient).count() == 1

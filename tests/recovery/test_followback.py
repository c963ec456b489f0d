"""Staff timeline follow-back: many days per save, one source, conflicts kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.recovery.selectors import followback_grid
from ketaclinic.recovery.services import FollowbackEntry, followback_save
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory

Record = Callable[..., DailyRecord]


def test_interview_saves_many_days_with_recall_lag(
    nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given three recalled days, when the nurse saves them from an interview, then three
    records exist with the recall lag from today and one audit row each."""
    days = [today - dt.timedelta(days=n) for n in (3, 2, 1)]
    saved = followback_save(
        actor=nurse,
        patient=patient,
        target=alcohol,
        source=Source.INTERVIEW,
        entries=[
            FollowbackEntry(days[0], True, Decimal(4)),
            FollowbackEntry(days[1], False, Decimal(0)),
            FollowbackEntry(days[2], True, Decimal("1.5")),
        ],
    )
    assert [(r.day, r.used, r.quantity, r.recall_lag_days) for r in saved] == [
        (days[0], True, Decimal(4), 3),
        (days[1], False, Decimal(0), 2),
        (days[2], True, Decimal("1.5"), 1),
    ]
    assert AuditEvent.objects.filter(target_type="daily_record", action=Action.CREATE).count() == 3


def test_conflicting_sources_are_both_kept(
    nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date, record: Record
) -> None:
    """Given the patient's self-report of no use yesterday, when the interview records 5
    drinks for that day, then both records exist, the self-report unchanged, and the
    follow-back grid shows the day as a conflict with the self-report beside."""
    day = today - dt.timedelta(days=1)
    own = record(alcohol, day, used=False)
    followback_save(
        actor=nurse,
        patient=patient,
        target=alcohol,
        source=Source.INTERVIEW,
        entries=[FollowbackEntry(day, True, Decimal(5))],
    )
    assert sorted(DailyRecord.objects.filter(day=day).values_list("source", "used")) == [
        ("interview", True),
        ("self_report", False),
    ]
    own.refresh_from_db()
    assert (own.used, own.quantity) == (False, Decimal(0))
    grid = followback_grid(target=alcohol, source=Source.INTERVIEW, start=day, end=day)
    assert grid[0].resolved == "conflict"
    assert [r.pk for r in grid[0].others] == [own.pk]
    assert grid[0].own is not None
    assert grid[0].own.quantity == Decimal(5)


def test_same_source_updates_with_old_and_new(
    nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given an interview record of 2 drinks, when re-entered as 0, then the same record is
    updated and audited '... used 2 -> not used'."""
    day = today - dt.timedelta(days=2)

    def save(quantity: int) -> DailyRecord:
        return followback_save(
            actor=nurse,
            patient=patient,
            target=alcohol,
            source=Source.INTERVIEW,
            entries=[FollowbackEntry(day, quantity > 0, Decimal(quantity))],
        )[0]

    first, second = save(2), save(0)
    assert first.pk == second.pk
    assert AuditEvent.objects.get(action=Action.UPDATE, target_type="daily_record").detail == (
        f"interview {day} alcohol: used 2 -> not used"
    )


def test_unchanged_day_is_not_rewritten(
    nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given a saved test result, when the same result is saved again, then no new audit row
    (nothing changed)."""
    entry = FollowbackEntry(today, False)
    for _ in range(2):
        followback_save(
            actor=nurse, patient=patient, target=alcohol, source=Source.URINE, entries=[entry]
        )
    assert AuditEvent.objects.filter(target_type="daily_record").count() == 1


@pytest.mark.parametrize(
    ("source", "entry", "message"),
    [
        (
            "self_report",
            FollowbackEntry(dt.date(2026, 1, 1), False, Decimal(0)),
            "Choose the source",
        ),
        ("interview", FollowbackEntry(dt.date(2999, 1, 1), False, Decimal(0)), "future"),
        ("interview", FollowbackEntry(dt.date(2026, 1, 1), True, Decimal(0)), "above 0 means used"),
        ("interview", FollowbackEntry(dt.date(2026, 1, 1), False, None), "enter the amount"),
        ("etg", FollowbackEntry(dt.date(2026, 1, 1), True, Decimal(3)), "positive or negative"),
    ],
)
def test_refusals_write_nothing(
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    source: str,
    entry: FollowbackEntry,
    message: str,
) -> None:
    """Given a bad source or day, when saved with a good day, then refused, nothing written."""
    good = FollowbackEntry(dt.date(2026, 1, 2), False, None if source == "etg" else Decimal(0))
    with pytest.raises(ApplicationError, match=message):
        followback_save(
            actor=nurse, patient=patient, target=alcohol, source=source, entries=[good, entry]
        )
    assert DailyRecord.objects.count() == 0


def test_front_desk_may_not_record(
    make_user: Callable[..., User], boston: Site, patient: Patient, alcohol: AddictionTarget
) -> None:
    """Given front desk staff, when they save follow-back, then 403 and nothing written."""
    desk = make_user(Role.FRONT_DESK, boston)
    with pytest.raises(PermissionDeniedError):
        followback_save(
            actor=desk,
            patient=patient,
            target=alcohol,
            source=Source.INTERVIEW,
            entries=[FollowbackEntry(dt.date(2026, 1, 1), False, Decimal(0))],
        )
    assert DailyRecord.objects.count() == 0


def test_foreign_site_patient_is_404(
    wh_therapist: User, patient: Patient, alcohol: AddictionTarget
) -> None:
    """Given a therapist at another site, when saving for a Boston patient, then 404, audited
    against the patient, nothing written."""
    with pytest.raises(NotFoundError):
        followback_save(
            actor=wh_therapist,
            patient=patient,
            target=alcohol,
            source=Source.INTERVIEW,
            entries=[FollowbackEntry(dt.date(2026, 1, 1), False, Decimal(0))],
        )
    assert DailyRecord.objects.count() == 0
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, patient=patient).count() == 1


def test_target_of_another_patient_is_404(nurse: User, patient: Patient, boston: Site) -> None:
    """Given another patient's target, when saving for this patient, then 404, nothing written."""
    other = AddictionTargetFactory(patient=PatientFactory(site=boston), recorded_by=nurse)
    with pytest.raises(NotFoundError):
        followback_save(
            actor=nurse,
            patient=patient,
            target=other,
            source=Source.INTERVIEW,
            entries=[FollowbackEntry(dt.date(2026, 1, 1), False, Decimal(0))],
        )
    assert DailyRecord.objects.count() == 0

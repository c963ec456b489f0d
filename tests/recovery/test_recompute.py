"""Recomputing events and outcomes from the daily records, and rule versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.models import AuditEvent
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.courses.models import CourseStatus
from ketaclinic.patients.models import AddictionTarget, Patient, Target
from ketaclinic.recovery.models import (
    DailyRecord,
    EventKind,
    RecoveryEvent,
    RecoveryRule,
    RelapseNote,
    Source,
    TargetBlock,
    TargetOutcome,
)
from ketaclinic.recovery.services import (
    RuleDraft,
    recompute_all,
    recompute_target,
    recovery_rule_create,
    recovery_rules_ensure,
    relapse_note_create,
)
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory
from tests.treatment import InfusionFactory, TreatmentCourseFactory, protocol_version

Record = Callable[..., DailyRecord]


def test_default_rules_are_examples_with_sources(boston: Site) -> None:
    """Given a new site, when rules are ensured, then every target has version 1: alcohol is
    1 heavy day within 1 day at 5/4 standard drinks, the rest 7 consecutive days; each says
    it is an example and names its source; a second call adds nothing."""
    rules = {r.target: r for r in recovery_rules_ensure(site=boston)}
    assert len(rules) == len(Target.values)
    alcohol = rules["alcohol"]
    assert (
        alcohol.relapse_kind,
        alcohol.relapse_days,
        alcohol.relapse_window_days,
        alcohol.heavy_threshold_male,
        alcohol.heavy_threshold_female,
        alcohol.heavy_unit,
        alcohol.version,
    ) == ("heavy_days_within", 1, 1, Decimal(5), Decimal(4), "standard_drinks", 1)
    assert alcohol.source_note.startswith("Example, for the medical director to confirm.")
    assert "Maisto 2016" in alcohol.source_note
    assert (rules["opioids"].relapse_kind, rules["opioids"].relapse_days) == ("consecutive_use", 7)
    assert "Hughes 2003" in rules["nicotine"].source_note
    recovery_rules_ensure(site=boston)
    assert RecoveryRule.objects.count() == len(Target.values)


def test_first_infusion_day_is_the_start_day(
    patient: Patient, alcohol: AddictionTarget, physician: User, record: Record
) -> None:
    """Given a quit date of 1 March and a first infusion at 02:30 UTC on 10 March (still
    9 March in Boston), when recomputed, then the start day is 9 March, not the quit date;
    a lapse on 9 March itself is not counted; one on 11 March is."""
    alcohol.quit_date = dt.date(2026, 3, 1)
    alcohol.save()
    course = TreatmentCourseFactory(
        patient=patient, protocol_version=protocol_version(), supervising_physician=physician
    )
    InfusionFactory(
        course=course,
        created_by=physician,
        status="signed",
        started_at=dt.datetime(2026, 3, 10, 2, 30, tzinfo=dt.UTC),
    )
    record(alcohol, dt.date(2026, 3, 9), used=True, quantity=2)
    record(alcohol, dt.date(2026, 3, 10))
    record(alcohol, dt.date(2026, 3, 11), used=True, quantity=2)
    outcome = recompute_target(target=alcohol)
    assert outcome.start_day == dt.date(2026, 3, 9)
    assert outcome.first_lapse_day == dt.date(2026, 3, 11)
    assert outcome.relapse_day is None  # 2 drinks: not heavy
    assert (outcome.days_observed, outcome.days_abstinent, outcome.days_used) == (3, 1, 2)
    assert outcome.last_observed_day == dt.date(2026, 3, 11)


def test_no_start_day_means_no_outcome_times(alcohol: AddictionTarget, record: Record) -> None:
    """Given no infusion and no quit date, when recomputed, then days are counted but there is
    no lapse, relapse or dropout, and no event."""
    record(alcohol, dt.date(2026, 3, 1), used=True, quantity=9)
    outcome = recompute_target(target=alcohol)
    assert outcome.start_day is None
    assert (outcome.first_lapse_day, outcome.relapse_day, outcome.dropped_out) == (
        None,
        None,
        False,
    )
    assert (outcome.days_observed, outcome.days_used, outcome.heavy_days) == (1, 1, 1)
    assert RecoveryEvent.objects.count() == 0


def test_dropout_after_30_days_without_record(
    alcohol: AddictionTarget, record: Record, today: dt.date, physician: User, patient: Patient
) -> None:
    """Given a start day and a last record 31 days ago, when recomputed, then dropped out;
    with a record 30 days ago, not; and with a completed course, never."""
    alcohol.quit_date = today - dt.timedelta(days=60)
    alcohol.save()
    old = record(alcohol, today - dt.timedelta(days=31))
    assert recompute_target(target=alcohol).dropped_out is True
    record(alcohol, today - dt.timedelta(days=30))
    assert recompute_target(target=alcohol).dropped_out is False
    DailyRecord.objects.filter(
        pk__in=[r.pk for r in DailyRecord.objects.exclude(pk=old.pk)]
    ).delete()
    TreatmentCourseFactory(
        patient=patient,
        protocol_version=protocol_version(),
        supervising_physician=physician,
        status=CourseStatus.COMPLETED,
    )
    assert recompute_target(target=alcohol).dropped_out is False


def test_events_are_withdrawn_not_deleted(
    alcohol: AddictionTarget, record: Record, today: dt.date
) -> None:
    """Given a lapse derived from an interview of 2 drinks, when the interview is corrected
    to 0 and recomputed, then the lapse is kept, not current, with withdrawn_at, audited."""
    alcohol.quit_date = today - dt.timedelta(days=10)
    alcohol.save()
    row = record(
        alcohol, today - dt.timedelta(days=5), used=True, quantity=2, source=Source.INTERVIEW
    )
    recompute_target(target=alcohol)
    lapse = RecoveryEvent.objects.get()
    assert (lapse.kind, lapse.day, lapse.is_current) == (
        "lapse",
        today - dt.timedelta(days=5),
        True,
    )
    DailyRecord.objects.filter(pk=row.pk).update(used=False, quantity=Decimal(0))
    recompute_target(target=alcohol)
    lapse.refresh_from_db()
    assert lapse.is_current is False
    assert lapse.withdrawn_at is not None
    assert (
        AuditEvent.objects.filter(target_type="recovery_event")
        .order_by("pk")
        .values_list("detail", flat=True)[1]
        == f"lapse {today - dt.timedelta(days=5)} withdrawn"
    )


def test_rule_change_recomputes_and_keeps_still_derived_events(
    admin: User, nurse: User, boston: Site, alcohol: AddictionTarget, record: Record, today: dt.date
) -> None:
    """Given 3 drinks on two consecutive days (lapse, no relapse under the default heavy
    rule) and a relapse note on the lapse, when the admin writes version 2 = 2 consecutive
    days of use, then the relapse appears on the first day, the lapse is the same event (its
    note kept) now pointing at version 2, and version 1 is inactive."""
    alcohol.quit_date = today - dt.timedelta(days=20)
    alcohol.save()
    first = today - dt.timedelta(days=4)
    record(alcohol, first, used=True, quantity=3)
    record(alcohol, first + dt.timedelta(days=1), used=True, quantity=3)
    recompute_target(target=alcohol)
    lapse = RecoveryEvent.objects.get()
    relapse_note_create(
        actor=nurse, event=lapse, context="Wedding (synthetic).", triggers=["celebration"]
    )
    rule = recovery_rule_create(
        actor=admin,
        site=boston,
        target="alcohol",
        draft=RuleDraft(
            relapse_kind="consecutive_use", relapse_days=2, source_note="Clinic choice."
        ),
    )
    assert rule.version == 2
    assert list(
        RecoveryRule.objects.filter(site=boston, target="alcohol").values_list(
            "version", "is_active"
        )
    ) == [(2, True), (1, False)]
    events = {e.kind: e for e in RecoveryEvent.objects.filter(is_current=True)}
    assert events[EventKind.RELAPSE].day == first
    assert events[EventKind.LAPSE].pk == lapse.pk
    assert events[EventKind.LAPSE].rule_id == rule.pk
    assert RelapseNote.objects.get().event_id == lapse.pk
    assert TargetOutcome.objects.get(target=alcohol).relapse_day == first


def test_rule_create_refuses_incomplete_rule(admin: User, boston: Site) -> None:
    """Given N heavy days within M with M < N and no thresholds, when saved, then refused naming
    each field, and no rule is written."""
    with pytest.raises(ApplicationError, match="Please correct the rule") as caught:
        recovery_rule_create(
            actor=admin,
            site=boston,
            target="alcohol",
            draft=RuleDraft(
                relapse_kind="heavy_days_within", relapse_days=3, relapse_window_days=2
            ),
        )
    assert set(caught.value.field_errors) == {
        "relapse_window_days",
        "heavy_threshold_male",
        "heavy_threshold_female",
        "heavy_unit",
    }
    assert RecoveryRule.objects.count() == 0


def test_rule_create_needs_clinic_admin(nurse: User, boston: Site) -> None:
    """Given a nurse, when she writes a rule, then 403 and nothing written."""
    with pytest.raises(PermissionDeniedError):
        recovery_rule_create(actor=nurse, site=boston, target="alcohol", draft=RuleDraft("any_use"))
    assert RecoveryRule.objects.count() == 0


def test_recompute_all_queries_do_not_grow_with_targets(
    boston: Site, nurse: User, record: Record, today: dt.date
) -> None:
    """Given 1 then 6 targets with records and no events, when recompute_all runs (second
    time, so nothing changes), then the number of queries is the same."""

    def make_one() -> None:
        target = AddictionTargetFactory(patient=PatientFactory(site=boston), recorded_by=nurse)
        record(target, today)

    make_one()
    recompute_all()
    with CaptureQueriesContext(connection) as one:
        assert recompute_all() == 1
    for _ in range(5):
        make_one()
    recompute_all()
    with CaptureQueriesContext(connection) as six:
        assert recompute_all() == 6
    assert len(six) == len(one)
    assert TargetOutcome.objects.count() == 6


def test_recompute_replaces_the_30_day_blocks_of_self_reports(
    alcohol: AddictionTarget, record: Record
) -> None:
    """Given a quit date of 1 January 2025 (the start day) and self-reports on days -31, -30,
    -1, 0, 29 (used), 30, 719 and 720, and an interview of use on day 1, when recomputed,
    then blocks -1 (2 days, 2 abstinent), 0 (2, 1), 1 (1, 1) and 23 (1, 1) are stored, the
    interview and days outside -30..719 left out; when the day-29 report is removed and
    recomputed, then block 0 is (1, 1) and no block is duplicated."""
    start = dt.date(2025, 1, 1)
    alcohol.quit_date = start
    alcohol.save()
    for offset in (-31, -30, -1, 0, 30, 719, 720):
        record(alcohol, start + dt.timedelta(days=offset))
    used = record(alcohol, start + dt.timedelta(days=29), used=True, quantity=2)
    record(alcohol, start + dt.timedelta(days=1), used=True, quantity=2, source=Source.INTERVIEW)

    def blocks() -> list[tuple[int, int, int]]:
        return list(
            TargetBlock.objects.filter(target=alcohol)
            .order_by("block")
            .values_list("block", "days_observed", "days_abstinent")
        )

    recompute_target(target=alcohol)
    assert blocks() == [(-1, 2, 2), (0, 2, 1), (1, 1, 1), (23, 1, 1)]
    DailyRecord.objects.filter(pk=used.pk).delete()
    recompute_target(target=alcohol)
    assert blocks() == [(-1, 2, 2), (0, 1, 1), (1, 1, 1), (23, 1, 1)]

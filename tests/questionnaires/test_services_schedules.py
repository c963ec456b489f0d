from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.questionnaires.models import DueQuestionnaire, DueStatus, ScheduleRule
from ketaclinic.questionnaires.services import (
    instrument_site_setting_set,
    schedule_event,
    schedule_weekly,
)

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
AT = dt.datetime(2026, 3, 1, 14, 0, tzinfo=NEW_YORK)  # 19:00 UTC, before the DST change
UTC = dt.UTC


def _rows(items):
    return [(i.instrument.code, i.due_at, i.overdue_at) for i in items]


def test_baseline_schedules_every_instrument_of_the_rule_due_now_for_seven_days(nurse, patient):
    items = schedule_event(
        actor=nurse, patient=patient, event="baseline", at=AT, reference="course:12"
    )

    due = dt.datetime(2026, 3, 1, 19, 0, tzinfo=UTC)
    overdue = dt.datetime(2026, 3, 8, 18, 0, tzinfo=UTC)  # 14:00 in Boston, daylight time
    assert _rows(items) == [
        (code, due, overdue)
        for code in ["audit", "craving", "cssrs_screen", "dast10", "gad7", "pacs", "phq9"]
    ]
    assert {(i.event, i.reference, i.status, i.created_by) for i in items} == {
        ("baseline", "course:12", "open", nurse)
    }
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert (event.actor, event.patient_id, event.target_type, event.target_id) == (
        nurse,
        patient.pk,
        "due_questionnaire",
        "course:12",
    )
    assert event.detail == (
        "baseline: 7 due item(s) scheduled (audit, craving, cssrs_screen, dast10, gad7, pacs, phq9)"
    )


def test_scheduling_the_same_event_twice_adds_nothing(nurse, patient):
    """Given the infusion's items were scheduled, when the hook runs again for the same
    infusion, then the same items come back and nothing is added or audited again."""
    first = schedule_event(
        actor=nurse, patient=patient, event="post_infusion", at=AT, reference="infusion:34"
    )

    again = schedule_event(
        actor=nurse, patient=patient, event="post_infusion", at=AT, reference="infusion:34"
    )

    assert [i.pk for i in again] == [i.pk for i in first]
    assert DueQuestionnaire.objects.count() == 2
    assert AuditEvent.objects.filter(action=Action.CREATE).count() == 1


def test_follow_ups_fall_on_exact_dates_at_the_same_local_time_across_dst(nurse, patient):
    """Given the last infusion on 2026-03-01 at 14:00 in Boston, then the follow-ups are due
    30, 91, 182 and 365 days later at 14:00 Boston time, each overdue 14 days later."""
    items = schedule_event(actor=nurse, patient=patient, event="after_last_infusion", at=AT)

    phq9 = [(i.due_at, i.overdue_at) for i in items if i.instrument.code == "phq9"]
    assert phq9 == [
        (dt.datetime(2026, 3, 31, 18, tzinfo=UTC), dt.datetime(2026, 4, 14, 18, tzinfo=UTC)),
        (dt.datetime(2026, 5, 31, 18, tzinfo=UTC), dt.datetime(2026, 6, 14, 18, tzinfo=UTC)),
        (dt.datetime(2026, 8, 30, 18, tzinfo=UTC), dt.datetime(2026, 9, 13, 18, tzinfo=UTC)),
        (dt.datetime(2027, 3, 1, 19, tzinfo=UTC), dt.datetime(2027, 3, 15, 18, tzinfo=UTC)),
    ]
    at_12_months = sorted(
        i.instrument.code for i in items if i.due_at == dt.datetime(2027, 3, 1, 19, tzinfo=UTC)
    )
    assert at_12_months == ["audit", "craving", "dast10", "gad7", "phq9"]
    assert len(items) == 3 + 3 + 3 + 5


def test_pre_infusion_items_open_the_day_before_and_are_overdue_when_the_infusion_starts(
    nurse, patient
):
    items = schedule_event(
        actor=nurse, patient=patient, event="pre_infusion", at=AT, reference="infusion:7"
    )

    assert _rows(items) == [
        (code, dt.datetime(2026, 2, 28, 19, tzinfo=UTC), dt.datetime(2026, 3, 1, 19, tzinfo=UTC))
        for code in ["craving", "phq9"]
    ]


def test_an_instrument_switched_off_at_the_site_is_not_scheduled(
    clinic_admin, nurse, patient, boston
):
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="pacs", enabled=False
    )

    items = schedule_event(actor=nurse, patient=patient, event="baseline", at=AT)

    codes = [i.instrument.code for i in items]
    assert codes == ["audit", "craving", "cssrs_screen", "dast10", "gad7", "phq9"]


def test_an_inactive_rule_schedules_nothing(nurse, patient):
    ScheduleRule.objects.filter(event="post_infusion").update(is_active=False)

    items = schedule_event(actor=nurse, patient=patient, event="post_infusion", at=AT)

    assert items == []
    assert not DueQuestionnaire.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_a_system_job_schedules_without_a_user_and_is_audited_as_the_scheduler(patient):
    items = schedule_event(actor=None, patient=patient, event="post_infusion", at=AT)

    assert {i.created_by for i in items} == {None}
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert (event.actor, event.actor_username) == (None, "ketaclinic scheduler")


def test_an_open_baseline_is_not_scheduled_again(nurse, patient):
    """Given open baseline items, when the baseline is scheduled again later (a second click),
    then nothing is added and the open items come back."""
    first = schedule_event(actor=nurse, patient=patient, event="baseline", at=AT)

    again = schedule_event(
        actor=nurse, patient=patient, event="baseline", at=AT + dt.timedelta(minutes=5)
    )

    assert [i.pk for i in again] == [i.pk for i in first]
    assert DueQuestionnaire.objects.count() == 7


def test_weekly_items_start_a_week_after_the_start_and_include_the_end(nurse, patient):
    end = dt.datetime(2026, 3, 22, 14, 0, tzinfo=NEW_YORK)  # exactly the third week

    items = schedule_weekly(actor=nurse, patient=patient, start=AT, end=end, reference="course:12")

    due_dates = sorted({i.due_at for i in items})
    assert due_dates == [
        dt.datetime(2026, 3, 8, 18, tzinfo=UTC),  # 14:00 in Boston, now daylight time
        dt.datetime(2026, 3, 15, 18, tzinfo=UTC),
        dt.datetime(2026, 3, 22, 18, tzinfo=UTC),
    ]
    assert [(i.instrument.code, i.overdue_at - i.due_at) for i in items[:2]] == [
        ("craving", dt.timedelta(days=3)),
        ("phq9", dt.timedelta(days=3)),
    ]
    assert {i.event for i in items} == {"weekly_during_treatment"}
    assert len(items) == 6


def test_weekly_with_the_end_before_the_start_is_refused_and_changes_nothing(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        schedule_weekly(actor=nurse, patient=patient, start=AT, end=AT - dt.timedelta(days=1))

    assert refused.value.message == "The end of treatment is before its start: check the two dates."
    assert not DueQuestionnaire.objects.exists()


def test_an_unknown_event_is_refused_naming_the_events(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        schedule_event(actor=nurse, patient=patient, event="monthly", at=AT)

    assert refused.value.message == (
        "Unknown event 'monthly': use one of baseline, pre_infusion, post_infusion, "
        "weekly_during_treatment, after_last_infusion."
    )
    assert not DueQuestionnaire.objects.exists()


def test_a_time_without_utc_offset_is_refused(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        schedule_event(actor=nurse, patient=patient, event="baseline", at=dt.datetime(2026, 3, 1))

    assert refused.value.field_errors == {
        "at": ["Give at with its UTC offset, e.g. 2026-11-20T09:30:00-05:00."]
    }
    assert not DueQuestionnaire.objects.exists()


def test_west_hartford_staff_cannot_schedule_for_a_boston_patient(wh_therapist, patient):
    with pytest.raises(NotFoundError):
        schedule_event(actor=wh_therapist, patient=patient, event="baseline", at=timezone.now())

    assert not DueQuestionnaire.objects.exists()
    denial = AuditEvent.objects.get()
    assert (denial.actor, denial.patient_id, denial.outcome) == (
        wh_therapist,
        patient.pk,
        Outcome.DENIED,
    )


def test_a_role_without_questionnaire_entry_cannot_schedule(make_user, boston, patient):
    from ketaclinic.accounts.roles import Role

    compliance = make_user(Role.COMPLIANCE, boston)

    with pytest.raises(PermissionDeniedError) as refused:
        schedule_event(actor=compliance, patient=patient, event="baseline", at=timezone.now())

    assert refused.value.message == (
        "Your role does not allow scheduling questionnaires. Ask a clinician to do it."
    )
    assert not DueQuestionnaire.objects.exists()
    assert AuditEvent.objects.get().action == Action.ACCESS_DENIED


def test_a_closed_record_is_not_scheduled_by_the_system(patient):
    patient.is_active = False
    patient.save()

    with pytest.raises(ApplicationError):
        schedule_event(actor=None, patient=patient, event="baseline", at=timezone.now())

    assert not DueQuestionnaire.objects.filter(status=DueStatus.OPEN).exists()

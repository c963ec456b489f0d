"""The patient's own pictures: abstinence calendars, craving, scores and MEQ-30 history."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.portal.selectors import patient_today
from ketaclinic.questionnaires.services import response_submit
from ketaclinic.recovery.models import Source
from tests.portal.factories import DailyRecordFactory
from tests.questionnaires.helpers import answers_for
from tests.treatment import InfusionFactory, TreatmentCourseFactory, protocol_version

PROGRESS = "/portal/progress/"
SCORES = "/portal/trends/"


@pytest.fixture
def last_month(patient) -> dt.date:
    """The first day of the month before this one (Boston time): every day of it is past."""
    return (patient_today(patient=patient).replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_the_calendar_marks_each_day_and_never_shows_unknown_as_abstinent(
    patient_client, alcohol, physician, last_month
):
    """Given last month with alcohol not used on the 3rd, used (6 drinks) on the 4th, a
    self-report and an interview that disagree on the 5th, and nothing else, then the
    calendar marks those days abstinent, used and conflict, and every other day unknown."""
    day = last_month.replace
    DailyRecordFactory(target=alcohol, day=day(day=3), recorded_by=physician)
    DailyRecordFactory(
        target=alcohol, day=day(day=4), used=True, quantity=Decimal(6), recorded_by=physician
    )
    DailyRecordFactory(target=alcohol, day=day(day=5), recorded_by=physician)
    DailyRecordFactory(
        target=alcohol,
        day=day(day=5),
        source=Source.INTERVIEW,
        used=True,
        quantity=Decimal(2),
        recall_lag_days=3,
        recorded_by=physician,
    )
    days_in_month = calendar.monthrange(last_month.year, last_month.month)[1]

    response = patient_client.get(PROGRESS, {"month": f"{last_month:%Y-%m}"})

    content = response.content.decode()
    assert response.status_code == 200
    statuses = {
        3: "abstinent",
        4: "used",
        5: "conflict",
        1: "unknown",
        days_in_month: "unknown",
    }
    for number, status in statuses.items():
        assert f'data-day="{day(day=number).isoformat()}" data-status="{status}"' in content
    assert f"<title>{day(day=4):%A, %B} 4: Used (6 standard drinks)</title>" in content
    assert (
        f"Days without alcohol: 1. Days used: 1. Days with no check-in: {days_in_month - 3}. "
        "Days where your check-in and a clinic record disagree: 1."
    ) in content
    assert f"{day(day=4):%A, %B} 4: used, 6 standard drinks" in content
    assert content.count('data-status="abstinent"') == 1


def test_after_todays_check_in_the_streak_and_todays_cell_update(patient_client, alcohol, gambling):
    """Given no records, when today's check-in says alcohol not used and gambling used,
    then alcohol shows 1 day in a row and today's gambling cell is marked used."""
    today = patient_today(patient=alcohol.patient)
    patient_client.post(
        "/portal/checkin/",
        {
            "day-day": today.isoformat(),
            f"target-{alcohol.pk}-used": "no",
            f"target-{gambling.pk}-used": "yes",
            f"target-{gambling.pk}-quantity": "15",
        },
    )

    content = patient_client.get(PROGRESS).content.decode()

    assert '<span class="streak-count">1 day in a row</span> without alcohol' in content
    assert '<span class="streak-count">Used today</span>' in content
    assert (
        f'<g data-day="{today.isoformat()}" data-status="used"><title>'
        f"{today:%A, %B} {today.day}: Used (15 USD)</title>"
    ) in content


def test_the_craving_trend_covers_the_last_90_days_per_target(patient_client, alcohol, physician):
    """Given cravings 3 and 7 on two recent days and one 100 days ago, then the trend's text
    counts the two recent days only."""
    today = patient_today(patient=alcohol.patient)
    for days_ago, craving in ((100, 9), (5, 3), (1, 7)):
        DailyRecordFactory(
            target=alcohol,
            day=today - dt.timedelta(days=days_ago),
            craving=craving,
            recorded_by=physician,
        )
    start = today - dt.timedelta(days=89)
    latest = today - dt.timedelta(days=1)

    content = patient_client.get(PROGRESS).content.decode()

    assert (
        f"Craving from {start:%B} {start.day} to {today:%B} {today.day}: 2 days recorded, "
        f"average 5.0 out of 10, latest 7 on {latest:%B} {latest.day}."
    ) in content


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "Choose a month as year and month, for example 2026-03."),
        ("next", "Choose a month as year and month, for example 2026-03."),
        ("2999-01", "That month has not started yet: choose this month or earlier."),
    ],
)
def test_an_impossible_month_is_refused_and_this_month_shown(
    patient_client, alcohol, month, message
):
    response = patient_client.get(PROGRESS, {"month": month})

    content = response.content.decode()
    assert response.status_code == 400
    assert message in content
    today = patient_today(patient=alcohol.patient)
    assert f"<strong>{today:%B %Y}</strong>" in content


def test_progress_shows_only_the_patients_own_targets_and_is_audited(
    patient_client, active_account, alcohol, other_account, physician
):
    other_target = other_account.patient.addiction_targets.get()
    DailyRecordFactory(
        target=other_target, day=patient_today(patient=alcohol.patient), recorded_by=physician
    )

    content = patient_client.get(PROGRESS).content.decode()

    assert f'id="progress-target-{alcohol.pk}"' in content
    assert f'id="progress-target-{other_target.pk}"' not in content
    assert "Cannabis" not in content
    events = AuditEvent.objects.filter(actor=active_account.user, target_type="portal_progress")
    assert list(events.values_list("action", "patient_id")) == [(Action.READ, alcohol.patient_id)]


# --- Scores -----------------------------------------------------------------------------------


def _infusion(course, physician, number: int, started_at: dt.datetime):
    return InfusionFactory(
        course=course,
        created_by=physician,
        session_number=number,
        scheduled_at=started_at,
        started_at=started_at,
        status=InfusionStatus.SIGNED,
    )


def test_scores_show_own_trajectories_without_the_suicide_screen(
    patient_client, patient, other_account, physician
):
    """Given two PHQ-9s and a C-SSRS screen of this patient and a GAD-7 of another, then
    the patient sees their PHQ-9 trajectory only."""
    now = timezone.now()
    for days_ago, values in ((30, [2] * 9), (2, [1] * 9)):
        response_submit(
            actor=physician,
            patient=patient,
            instrument_code="phq9",
            answers=answers_for("phq9", values),
            completed_at=now - dt.timedelta(days=days_ago),
        )
    response_submit(
        actor=physician,
        patient=other_account.patient,
        instrument_code="gad7",
        answers=answers_for("gad7", [3] * 7),
    )

    content = patient_client.get(SCORES).content.decode()

    assert 'id="trajectory-phq9"' in content
    assert "PHQ-9" in content
    assert "Latest: 9 on" in content
    assert "First: 18 on" in content
    assert "trajectory-gad7" not in content
    assert "trajectory-cssrs_screen" not in content


def test_meq_history_shows_each_infusion_with_its_mystical_experience(
    patient_client, patient, physician
):
    """Given two infusions, an MEQ-30 of all 5s after the first and none after the second,
    then infusion 1 shows 5 of 5 (100 %) and a complete mystical experience, infusion 2 not
    answered."""
    course = TreatmentCourseFactory(
        patient=patient, protocol_version=protocol_version(), supervising_physician=physician
    )
    first = timezone.now() - dt.timedelta(days=14)
    _infusion(course, physician, 1, first)
    _infusion(course, physician, 2, first + dt.timedelta(days=7))
    response_submit(
        actor=physician,
        patient=patient,
        instrument_code="meq30",
        answers=answers_for("meq30", [5] * 30),
        completed_at=first + dt.timedelta(hours=3),
        completed_by_patient=True,
    )

    content = patient_client.get(SCORES).content.decode()

    local = timezone.localtime(first).date()
    assert (
        f"<tr><td>1</td><td>{local:%b} {local.day}, {local.year}</td>\n        "
        "<td>5 of 5 (100 %), complete mystical experience</td></tr>"
    ) in content
    assert '<td><span class="muted">Not answered</span></td>' in content
    assert (
        "MEQ-30 total as a percentage of the maximum after each infusion: Infusion 1 "
        f"({local:%B} {local.day}): 100%, complete mystical experience."
    ) in content
    assert "trajectory-meq30" not in content


def test_scores_without_answers_say_so(patient_client):
    content = patient_client.get(SCORES).content.decode()

    assert "No questionnaire answered yet." in content
    assert "No infusions yet." in content

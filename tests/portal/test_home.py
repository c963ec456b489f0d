"""The portal home: today's check-in, progress, due questionnaires and upcoming sessions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.portal.selectors import patient_today
from ketaclinic.scheduling.models import AppointmentKind, AppointmentStatus
from tests.portal.factories import AppointmentFactory, DailyRecordFactory

URL = "/portal/"


def test_home_says_which_targets_are_checked_in_today(patient_client, alcohol, gambling, physician):
    """Given today's gambling check-in ($40) and none for alcohol, when the patient opens
    home, then alcohol is not checked in, gambling is, with its amount, and the button
    invites them to check in."""
    today = patient_today(patient=alcohol.patient)
    DailyRecordFactory(
        target=gambling, day=today, used=True, quantity=Decimal("40.00"), recorded_by=physician
    )

    content = patient_client.get(URL).content.decode()

    assert (
        f'<li id="today-target-{alcohol.pk}"><strong>Alcohol</strong><br>\n      '
        '<span class="status-todo">Not checked in yet</span>'
    ) in content
    assert '<span class="status-done">Checked in: used</span> (40 USD)' in content
    assert "Check in for today</a>" in content


def test_home_shows_the_streak_per_target(patient_client, alcohol, gambling, physician):
    """Given alcohol abstinent for the last three recorded days (today not yet checked in)
    and gambling used two days ago, then alcohol shows 3 days in a row and gambling when it
    was last used."""
    today = patient_today(patient=alcohol.patient)
    for days_ago in (1, 2, 3):
        DailyRecordFactory(
            target=alcohol, day=today - dt.timedelta(days_ago), recorded_by=physician
        )
    used_on = today - dt.timedelta(days=2)
    DailyRecordFactory(
        target=gambling, day=used_on, used=True, quantity=Decimal(10), recorded_by=physician
    )

    content = patient_client.get(URL).content.decode()

    assert '<span class="streak-count">3 days in a row</span> without alcohol' in content
    assert f'<span class="streak-count">Last used {used_on:%A, %B} {used_on.day}</span>' in content
    assert "2 days since you last used." in content


def test_home_lists_only_the_patients_own_upcoming_sessions(
    patient_client, patient, other_account, physician
):
    """Given the patient's booked infusion tomorrow, a cancelled one, one that ended
    yesterday and another patient's session, then only the booked one is listed."""
    booked = AppointmentFactory(patient=patient, created_by=physician)
    AppointmentFactory(
        patient=patient,
        created_by=physician,
        kind=AppointmentKind.FOLLOW_UP,
        status=AppointmentStatus.CANCELLED,
        status_changed_by=physician,
        status_reason="Patient asked",
    )
    AppointmentFactory(
        patient=patient,
        created_by=physician,
        kind=AppointmentKind.EVALUATION,
        starts_at=timezone.now() - dt.timedelta(days=1),
    )
    AppointmentFactory(
        patient=other_account.patient, created_by=physician, kind=AppointmentKind.INTEGRATION
    )
    local = timezone.localtime(booked.starts_at)  # America/New_York, Boston's zone

    content = patient_client.get(URL).content.decode()

    assert (
        f"<li><strong>Infusion</strong><br>\n      {local:%A, %B} {local.day} at "
        f'{local:%-I:%M %p}<br>\n      <small class="muted">Boston, MA</small></li>'
    ) in content
    assert "Follow-up" not in content
    assert "Evaluation" not in content
    assert "Integration session" not in content


def test_home_shows_nothing_of_another_patient(patient_client, alcohol, other_account, physician):
    """Another patient's target and check-in never appear on this patient's home."""
    other_target = other_account.patient.addiction_targets.get()
    DailyRecordFactory(
        target=other_target,
        day=patient_today(patient=alcohol.patient),
        used=True,
        quantity=Decimal(3),
        recorded_by=physician,
    )

    content = patient_client.get(URL).content.decode()

    assert "Cannabis" not in content
    assert f"today-target-{other_target.pk}" not in content
    assert "Hello, Ann" in content


def test_home_without_targets_or_sessions_says_so(patient_client):
    content = patient_client.get(URL).content.decode()

    assert "Your care team has not set up anything to check in on yet." in content
    assert "No sessions booked. Your clinic will tell you when the next one is." in content


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_home_runs_the_same_queries_for_one_and_fifty_rows(
    patient_client, patient, alcohol, gambling, physician
):
    """The number of queries does not grow with the sessions booked or the days recorded."""
    today = patient_today(patient=patient)
    AppointmentFactory(patient=patient, created_by=physician)
    DailyRecordFactory(target=alcohol, day=today, recorded_by=physician)
    one = _home_queries(patient_client)

    for index in range(1, 50):
        AppointmentFactory(
            patient=patient,
            created_by=physician,
            starts_at=timezone.now() + dt.timedelta(days=index + 1),
        )
        DailyRecordFactory(
            target=alcohol, day=today - dt.timedelta(days=index), recorded_by=physician
        )
        DailyRecordFactory(
            target=gambling, day=today - dt.timedelta(days=index), recorded_by=physician
        )

    assert _home_queries(patient_client) == one

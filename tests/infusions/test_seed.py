"""The demo helpers chart whole flowsheets through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.infusions.seed import (
    seed_completed_infusion,
    seed_paused_with_hypertension,
    seed_running_infusion,
)
from ketaclinic.therapy.models import IntegrationSession


def test_a_completed_infusion_is_signed_with_its_bp_peak_near_40_minutes(
    course: TreatmentCourse, nurse: User, physician: User
) -> None:
    day = timezone.localdate() - dt.timedelta(days=3)
    infusion = seed_completed_infusion(
        course=course, session_number=1, day=day, nurse=nurse, physician=physician, seed=7
    )
    assert infusion.status == InfusionStatus.SIGNED
    assert infusion.started_at is not None
    assert infusion.ended_at is not None
    assert (infusion.ended_at - infusion.started_at) == dt.timedelta(minutes=40)
    assert IntegrationSession.objects.filter(infusion=infusion).exists()
    intra = list(infusion.vitals.filter(phase="intra").order_by("measured_at"))
    assert len(intra) == 3  # at 10, 20 and 30 minutes; the end at 40
    post = infusion.vitals.filter(phase="post")
    assert post.count() == 8  # every 15 minutes for the 120-minute observation
    assert infusion.alerts.count() == 0
    assert infusion.recovery_scores.get().total >= 9


def test_a_running_infusion_started_25_minutes_ago(
    course: TreatmentCourse, nurse: User, physician: User
) -> None:
    infusion = seed_running_infusion(
        course=course, session_number=1, nurse=nurse, physician=physician, seed=3
    )
    assert infusion.status == InfusionStatus.RUNNING
    assert infusion.started_at is not None
    assert abs((timezone.now() - infusion.started_at) - dt.timedelta(minutes=25)) < dt.timedelta(
        minutes=1
    )
    assert infusion.vitals.filter(phase="intra").count() == 2


def test_a_paused_infusion_with_a_hypertension_alert_and_responses(
    course: TreatmentCourse, nurse: User, physician: User
) -> None:
    infusion = seed_paused_with_hypertension(
        course=course, session_number=1, nurse=nurse, physician=physician, seed=5
    )
    assert infusion.status == InfusionStatus.PAUSED
    alerts = infusion.alerts.order_by("action")
    assert [(a.action, a.is_open) for a in alerts] == [
        ("call_physician", False),
        ("pause_infusion", False),
    ]
    assert infusion.events.get(kind="pause").alert == alerts[1]

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.questionnaires.models import DueQuestionnaire, QuestionnaireResponse, SafetyAlert
from ketaclinic.questionnaires.seed import seed_meq30_for, seed_schedules, seed_trajectories
from ketaclinic.questionnaires.selectors import due_questionnaires, response_list
from ketaclinic.questionnaires.trajectory import patient_trajectories

NOW = dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)


def _series(patients) -> list[list[tuple[str, Decimal]]]:
    return [
        list(
            QuestionnaireResponse.objects.filter(patient=p)
            .order_by("completed_at", "id")
            .values_list("instrument__code", "total")
        )
        for p in patients
    ]


def test_seed_writes_six_months_of_scores_and_two_open_alerts(nurse, boston, patient_factory):
    patients = patient_factory.create_batch(10, site=boston)

    written = seed_trajectories(patients=patients, seed=7, actor=nurse, now=NOW)

    # PHQ-9 and GAD-7 every 14 days (13 each), craving weekly (26) over 182 days, plus
    # one alert-raising response for each of the last two patients.
    assert written == 10 * (13 + 13 + 26) + 2
    assert QuestionnaireResponse.objects.count() == written
    alerts = SafetyAlert.objects.order_by("patient_id").values_list(
        "patient", "response__instrument__code", "level", "acknowledged_at"
    )
    assert list(alerts) == [
        (patients[8].pk, "cssrs_screen", "same_day", None),
        (patients[9].pk, "phq9", "same_day", None),
    ]
    assert QuestionnaireResponse.objects.filter(completed_at__gt=NOW).count() == 0
    assert AuditEvent.objects.filter(target_type="questionnaire_response_batch").count() == 10


def test_seed_is_deterministic_and_most_patients_improve(nurse, boston, patient_factory):
    first = patient_factory.create_batch(10, site=boston)
    second = patient_factory.create_batch(10, site=boston)

    seed_trajectories(patients=first, seed=42, actor=nurse, now=NOW)
    seed_trajectories(patients=second, seed=42, actor=nurse, now=NOW)

    assert _series(first) == _series(second)
    phq9 = [
        next(
            t
            for t in patient_trajectories(patient=p, responses=response_list(patient=p))
            if t.code == "phq9"
        )
        for p in first
    ]
    # Seed 42 plans: improve, improve, relapse, flat, then six improve. The relapse lost its
    # response; the last patient's alert-raising PHQ-9 (total 12) ended theirs.
    assert [t.response for t in phq9] == [
        True,
        True,
        False,
        False,
        True,
        True,
        True,
        True,
        True,
        False,
    ]
    assert [t.first_response_on is not None for t in phq9].count(True) == 9
    assert [t.remission for t in phq9].count(True) == 2


def test_seed_meq30_for_an_infusion_goes_through_the_service(nurse, patient):
    when = timezone.now() - dt.timedelta(hours=1)

    response = seed_meq30_for(patient=patient, completed_at=when, actor=nurse, seed=3)
    again = seed_meq30_for(patient=patient, completed_at=when, actor=nurse, seed=3)

    assert (response.instrument.code, response.completed_at, response.source) == (
        "meq30",
        when,
        "staff_entry",
    )
    assert response.answers == again.answers
    assert set(response.subscales) == {"mystical", "positive_mood", "transcendence", "ineffability"}
    assert AuditEvent.objects.filter(target_type="questionnaire_response").count() == 2


def _outstanding(patients, now):
    return [
        [(i.event, i.instrument.code, i.is_overdue) for i in due_questionnaires(patient=p, now=now)]
        for p in patients
    ]


def test_seed_schedules_gives_patients_due_and_overdue_questionnaires(
    nurse, boston, patient_factory
):
    now = timezone.now()
    first = patient_factory.create_batch(6, site=boston)
    second = patient_factory.create_batch(6, site=boston)

    written = seed_schedules(patients=first, actor=nurse, seed=5, now=now)
    seed_schedules(patients=second, actor=nurse, seed=5, now=now)

    outstanding = _outstanding(first, now)
    assert outstanding == _outstanding(second, now)
    assert written == DueQuestionnaire.objects.filter(patient__in=first).count() == 17
    # Seed 5: pre-infusion (2) four times, then baseline (7), then pre-infusion; no follow-up
    # scenario until the demo has infusions.
    assert [len(items) for items in outstanding] == [2, 2, 2, 2, 7, 2]
    flat = [item for items in outstanding for item in items]
    assert {overdue for _, _, overdue in flat} == {True, False}
    assert {i.reference for i in DueQuestionnaire.objects.all()} == {"demo:5"}

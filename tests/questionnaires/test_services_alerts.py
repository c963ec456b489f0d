from __future__ import annotations

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.questionnaires.models import SafetyAlert
from ketaclinic.questionnaires.services import safety_alert_acknowledge
from tests.questionnaires.factories import PHQ9_ITEM9, submit


@pytest.fixture
def alert(nurse, patient) -> SafetyAlert:
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    return SafetyAlert.objects.get()


def _state(alert: SafetyAlert) -> tuple[object, ...]:
    alert.refresh_from_db()
    updates = AuditEvent.objects.filter(action=Action.UPDATE).count()
    return alert.acknowledged_at, alert.acknowledged_by_id, alert.action_taken, updates


def test_acknowledging_records_who_when_and_the_action_and_is_audited(physician, alert):
    """Given an open alert, when a physician acknowledges it with an action, then it closes."""
    done = safety_alert_acknowledge(
        actor=physician, alert_id=alert.pk, action_taken="  Called the patient; safety plan.  "
    )

    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.action_taken) == (
        physician,
        "Called the patient; safety plan.",
    )
    assert alert.acknowledged_at == done.acknowledged_at
    assert alert.acknowledged_at is not None
    event = AuditEvent.objects.get(action=Action.UPDATE)
    assert (event.actor, event.patient_id, event.target_type, event.target_id, event.detail) == (
        physician,
        alert.patient_id,
        "safety_alert",
        str(alert.pk),
        "same_day alert acknowledged",
    )


@pytest.mark.parametrize("action_taken", ["", "   "])
def test_acknowledging_without_action_taken_is_refused_and_nothing_changes(
    physician, alert, action_taken
):
    before = _state(alert)

    with pytest.raises(ApplicationError) as refused:
        safety_alert_acknowledge(actor=physician, alert_id=alert.pk, action_taken=action_taken)

    assert refused.value.message.startswith(
        "Say what you did about this alert before acknowledging it"
    )
    assert list(refused.value.field_errors) == ["action_taken"]
    assert _state(alert) == before
    assert before[0] is None


def test_acknowledging_twice_is_refused_and_keeps_the_first(physician, nurse, alert):
    safety_alert_acknowledge(actor=physician, alert_id=alert.pk, action_taken="Assessed")
    before = _state(alert)

    with pytest.raises(ApplicationError) as refused:
        safety_alert_acknowledge(actor=nurse, alert_id=alert.pk, action_taken="Also assessed")

    assert refused.value.message.startswith(f"This alert was already acknowledged by {physician}")
    assert refused.value.message.endswith(": nothing changed.")
    assert _state(alert) == before


def test_front_desk_cannot_acknowledge_and_the_refusal_is_audited(front_desk, alert):
    before = _state(alert)

    with pytest.raises(PermissionDeniedError):
        safety_alert_acknowledge(actor=front_desk, alert_id=alert.pk, action_taken="Saw it")

    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.detail, denial.patient_id) == (
        "missing permission safety_alert.acknowledge",
        alert.patient_id,
    )
    assert _state(alert) == before


def test_staff_at_another_site_get_404_and_the_denial_is_audited(wh_therapist, alert):
    before = _state(alert)

    with pytest.raises(NotFoundError) as refused:
        safety_alert_acknowledge(actor=wh_therapist, alert_id=alert.pk, action_taken="Saw it")

    assert refused.value.message == "No safety alert with that id at your sites."
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.outcome, denial.detail) == (
        wh_therapist,
        alert.patient_id,
        Outcome.DENIED,
        "outside user's sites",
    )
    assert _state(alert) == before

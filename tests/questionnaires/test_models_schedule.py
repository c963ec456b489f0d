from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.questionnaires.models import DueQuestionnaire, DueStatus, ScheduleRule
from tests.questionnaires.factories import DueQuestionnaireFactory, submit

pytestmark = pytest.mark.django_db


def test_the_data_migration_installs_the_default_schedule_of_issue_4():
    """Given a fresh database, then the issue's default schedule is there as clinic data,
    each rule labelled as a default the clinic sets."""
    rules = ScheduleRule.objects.order_by("event", "offset_days")

    assert [(r.event, r.instruments, r.offset_days, r.window_days) for r in rules] == [
        ("after_last_infusion", ["phq9", "gad7", "craving"], 30, 14),
        ("after_last_infusion", ["phq9", "gad7", "craving"], 91, 14),
        ("after_last_infusion", ["phq9", "gad7", "craving"], 182, 14),
        ("after_last_infusion", ["phq9", "gad7", "craving", "audit", "dast10"], 365, 14),
        ("baseline", ["phq9", "gad7", "audit", "dast10", "pacs", "cssrs_screen", "craving"], 0, 7),
        ("post_infusion", ["meq30", "craving"], 0, 1),
        ("pre_infusion", ["craving", "phq9"], -1, 1),
        ("weekly_during_treatment", ["phq9", "craving"], 0, 3),
    ]
    assert all(r.is_active for r in rules)
    assert all(r.source_note.startswith("default from issue 4; set by your clinic.") for r in rules)
    assert "7-day window are a clinic choice" in rules[4].source_note


def test_a_rule_must_name_known_instruments():
    rule = ScheduleRule(event="baseline", instruments=["phq9", "bdi2"], window_days=7)

    with pytest.raises(ValidationError) as refused:
        rule.full_clean()

    assert refused.value.message_dict["instruments"] == [
        "Unknown instrument code(s): bdi2. Known: audit, auditc, craving, cssrs_screen, "
        "dast10, gad7, meq30, pacs, pgsi, phq9."
    ]


def test_a_rule_needs_at_least_one_instrument():
    with pytest.raises(ValidationError) as refused:
        ScheduleRule(event="baseline", instruments=[], window_days=7).full_clean()

    assert refused.value.message_dict["instruments"] == [
        "List at least one instrument code, for example ['phq9']."
    ]


def test_the_database_refuses_an_item_overdue_before_it_is_due(patient):
    now = timezone.now()

    with pytest.raises(IntegrityError), transaction.atomic():
        DueQuestionnaireFactory(
            patient=patient, due_at=now, overdue_at=now - dt.timedelta(seconds=1)
        )

    assert not DueQuestionnaire.objects.exists()


def test_the_database_refuses_a_completed_item_without_its_response(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        DueQuestionnaireFactory(patient=patient, status=DueStatus.COMPLETED)

    assert not DueQuestionnaire.objects.exists()


def test_the_database_refuses_a_cancelled_item_without_a_reason(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        DueQuestionnaireFactory(
            patient=patient, status=DueStatus.CANCELLED, cancelled_at=timezone.now()
        )

    assert not DueQuestionnaire.objects.exists()


def test_the_database_refuses_the_same_item_twice(patient):
    item = DueQuestionnaireFactory(patient=patient, reference="course:1")

    with pytest.raises(IntegrityError), transaction.atomic():
        DueQuestionnaireFactory(patient=patient, reference="course:1", due_at=item.due_at)

    assert DueQuestionnaire.objects.count() == 1


def test_an_open_item_cannot_carry_a_response(nurse, patient):
    response = submit(nurse, patient, "craving", [4])

    with pytest.raises(IntegrityError), transaction.atomic():
        DueQuestionnaireFactory(patient=patient, instrument="craving", completed_response=response)

    assert not DueQuestionnaire.objects.exists()

from __future__ import annotations

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.eligibility.choices import Answer
from ketaclinic.eligibility.models import ContraindicationAnswer, ContraindicationScreen
from ketaclinic.eligibility.services import ScreenAnswer, contraindication_screen_record
from tests.eligibility.conftest import screen_answers


def _counts() -> tuple[int, int]:
    return ContraindicationScreen.objects.count(), ContraindicationAnswer.objects.count()


def test_nurse_records_a_complete_screen_with_one_answer_per_item(nurse, patient):
    """Given every item answered, when a nurse records, then version 1 is complete and audited."""
    screen = contraindication_screen_record(
        actor=nurse, patient=patient, answers=screen_answers(present=["psychosis"]), note="ok"
    )

    assert (screen.version, screen.is_complete, screen.supersedes, screen.recorded_by) == (
        1,
        True,
        None,
        nurse,
    )
    assert screen.answers.count() == 17
    assert [d.code for d in screen.present_relative] == ["psychosis"]
    event = AuditEvent.objects.get(action=Action.CREATE, target_type="contraindication_screen")
    assert (event.patient_id, event.target_id, event.detail) == (
        patient.pk,
        str(screen.pk),
        "version 1; 1 present, 0 unknown",
    )


def test_an_unknown_answer_makes_the_screen_incomplete(physician, patient):
    screen = contraindication_screen_record(
        actor=physician, patient=patient, answers=screen_answers(unknown=["hepatic_disease"])
    )

    assert screen.is_complete is False
    assert [d.code for d in screen.unknown] == ["hepatic_disease"]


def test_a_new_screen_supersedes_and_leaves_the_old_one_unchanged(physician, nurse, patient):
    """Given screen v1, when v2 is recorded, then v2 points at v1 and v1's answers are as before."""
    first = contraindication_screen_record(
        actor=nurse, patient=patient, answers=screen_answers(unknown=["psychosis"])
    )
    before = list(first.answers.values_list("definition__code", "answer", "note"))

    second = contraindication_screen_record(
        actor=physician, patient=patient, answers=screen_answers(present=["psychosis"])
    )

    first.refresh_from_db()
    assert (second.version, second.supersedes_id) == (2, first.pk)
    assert (first.version, first.is_complete, first.recorded_by) == (1, False, nurse)
    assert list(first.answers.values_list("definition__code", "answer", "note")) == before


def test_missing_and_unknown_codes_are_refused_and_nothing_is_saved(physician, patient):
    answers = [*screen_answers()[1:], ScreenAnswer("not_an_item", Answer.ABSENT)]

    with pytest.raises(ApplicationError) as error:
        contraindication_screen_record(actor=physician, patient=patient, answers=answers)

    assert error.value.message == (
        "Answer every item (use 'unknown' if not yet known); missing: aneurysm_avm. "
        "These are not items of the current checklist: not_an_item."
    )
    assert error.value.field_errors == {"aneurysm_avm": ["Answer this item."]}
    assert _counts() == (0, 0)


def test_a_therapist_cannot_record_contraindications_and_the_refusal_is_audited(therapist, patient):
    with pytest.raises(PermissionDeniedError):
        contraindication_screen_record(actor=therapist, patient=patient, answers=screen_answers())

    assert _counts() == (0, 0)
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.detail, denial.outcome) == (
        therapist,
        patient.pk,
        "missing permission contraindication.record",
        Outcome.DENIED,
    )


def test_west_hartford_staff_get_not_found_for_a_boston_patient(wh_physician, patient):
    with pytest.raises(NotFoundError):
        contraindication_screen_record(
            actor=wh_physician, patient=patient, answers=screen_answers()
        )

    assert _counts() == (0, 0)
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.detail) == (wh_physician, "outside user's sites")

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.patients.models import Sex
from ketaclinic.questionnaires.models import (
    QuestionnaireResponse,
    ResponseSource,
    SafetyAlert,
)
from ketaclinic.questionnaires.selectors import response_list
from ketaclinic.questionnaires.services import instrument_site_setting_set
from tests.questionnaires.factories import (
    CSSRS_HIGH,
    CSSRS_MODERATE,
    PHQ9_ITEM9,
    PHQ9_MODERATE,
    submit,
)
from tests.questionnaires.helpers import answers_for


def _counts() -> tuple[int, int, int]:
    creates = AuditEvent.objects.filter(action=Action.CREATE).count()
    return QuestionnaireResponse.objects.count(), SafetyAlert.objects.count(), creates


def test_submit_stores_item_answers_and_the_score_snapshot_and_audits(nurse, patient):
    """Given a PHQ-9 totalling 10, when a nurse submits it, then answers and score are kept."""
    when = timezone.now() - dt.timedelta(hours=2)

    response = submit(nurse, patient, "phq9", PHQ9_MODERATE, completed_at=when)

    response.refresh_from_db()
    assert response.answers == answers_for("phq9", PHQ9_MODERATE)
    assert (response.total, response.band_code, response.band_label) == (
        Decimal("10.00"),
        "moderate",
        "Moderate depression",
    )
    assert (response.version, response.flags, response.subscales) == ("1.0", [], {})
    assert response.interpretation.startswith("PHQ-9: total 10 of 27. Moderate depression")
    assert (response.completed_at, response.entered_by, response.source) == (
        when,
        nurse,
        ResponseSource.STAFF_ENTRY,
    )
    assert response.scoring_context == {"sex": "female"}
    assert not SafetyAlert.objects.exists()
    event = AuditEvent.objects.get(action=Action.CREATE)
    assert (event.patient_id, event.target_type, event.target_id, event.detail) == (
        patient.pk,
        "questionnaire_response",
        str(response.pk),
        "phq9 v1.0 via staff_entry",
    )


def test_a_response_with_a_missing_item_is_refused_naming_the_item_and_nothing_is_stored(
    nurse, patient
):
    """Given PHQ-9 answers without item 3, when submitted, then the refusal names item 3."""
    answers = answers_for("phq9", PHQ9_MODERATE)
    del answers["phq9_3"]
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        submit(nurse, patient, "phq9", answers)

    assert refused.value.message == (
        "Not answered: item 3 (phq9_3). Answer every item, then save again. Nothing was stored."
    )
    assert refused.value.field_errors == {"phq9_3": ["Answer this item."]}
    assert _counts() == before


def test_an_answer_outside_the_options_is_refused_naming_the_item(nurse, patient):
    """Given item 1 answered 7, when submitted, then the refusal lists the allowed values."""
    answers = answers_for("phq9", PHQ9_MODERATE) | {"phq9_1": 7}
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        submit(nurse, patient, "phq9", answers)

    assert refused.value.field_errors == {"phq9_1": ["7 is not an allowed answer (0, 1, 2, 3)"]}
    assert _counts() == before


def test_phq9_item_9_above_zero_raises_exactly_one_same_day_suicide_risk_alert(nurse, patient):
    """Given PHQ-9 item 9 = 1, when submitted, then one open same-day alert, audited."""
    response = submit(nurse, patient, "phq9", PHQ9_ITEM9)

    alert = SafetyAlert.objects.get()
    assert (alert.patient, alert.response, alert.code, alert.level) == (
        patient,
        response,
        "suicide_risk",
        "same_day",
    )
    assert alert.message.startswith("Item 9 (thoughts of being better off dead")
    assert (alert.acknowledged_at, alert.acknowledged_by, alert.action_taken) == (None, None, "")
    assert response.flags == ["suicide_risk"]
    raised = AuditEvent.objects.get(target_type="safety_alert")
    assert (raised.action, raised.target_id, raised.detail) == (
        Action.CREATE,
        str(alert.pk),
        "same_day alert raised",
    )


@pytest.mark.parametrize(
    ("answers", "level"), [(CSSRS_MODERATE, "same_day"), (CSSRS_HIGH, "immediate")]
)
def test_cssrs_moderate_is_same_day_and_high_is_immediate(nurse, patient, answers, level):
    submit(nurse, patient, "cssrs_screen", answers)

    assert list(SafetyAlert.objects.values_list("code", "level")) == [("suicide_risk", level)]


@pytest.mark.parametrize(("sex", "band"), [(Sex.MALE, "negative"), (Sex.FEMALE, "positive")])
def test_auditc_cut_off_follows_the_patients_recorded_sex(
    nurse, patient_factory, boston, sex, band
):
    """Given AUDIT-C total 3, then negative for a man and positive for a woman."""
    person = patient_factory(site=boston, sex=sex)

    response = submit(nurse, person, "auditc", [1, 1, 1])

    assert (response.band_code, response.scoring_context) == (band, {"sex": sex.value})


def test_context_given_overrides_the_recorded_sex(nurse, patient):
    response = submit(nurse, patient, "auditc", [1, 1, 1], context={"sex": "male"})

    assert response.band_code == "negative"


def test_disabled_instrument_cannot_be_administered_and_nothing_is_stored(
    nurse, clinic_admin, patient, boston
):
    """Given GAD-7 switched off at Boston, when a nurse submits one, then a clear refusal."""
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="gad7", enabled=False
    )
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        submit(nurse, patient, "gad7", [0] * 7)

    assert refused.value.message == (
        "GAD-7 is switched off at Boston, MA by your clinic admin, so it cannot be given here. "
        "Ask the clinic admin to switch it on, or choose another instrument."
    )
    assert _counts() == before


def test_unknown_instrument_is_a_404_naming_the_known_ones(nurse, patient):
    with pytest.raises(NotFoundError) as refused:
        submit(nurse, patient, "phq10", {})

    assert refused.value.message.startswith("No instrument 'phq10'. Known instruments: audit,")


def test_a_correction_supersedes_with_a_reason_and_the_original_is_kept(nurse, patient):
    """Given a stored PHQ-9, when corrected with a reason, then both stay; the first is
    marked superseded and the correction keeps the original's completion time."""
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)

    correction = submit(
        nurse,
        patient,
        "phq9",
        [0] * 9,
        supersedes=original.pk,
        correction_reason="item 6 entered as 2, patient said 0",
    )

    assert (correction.supersedes, correction.completed_at, correction.total) == (
        original,
        original.completed_at,
        Decimal("0"),
    )
    flags = {r.pk: r.is_superseded for r in response_list(patient=patient)}  # type: ignore[attr-defined]  # annotated by with_superseded
    assert flags == {original.pk: True, correction.pk: False}
    event = AuditEvent.objects.get(target_id=str(correction.pk))
    assert event.detail == f"phq9 v1.0 via staff_entry; supersedes response {original.pk}"


@pytest.mark.parametrize(
    ("code", "values", "reason", "message"),
    [
        ("phq9", [0] * 9, "  ", "Give a reason for the correction"),
        ("gad7", [0] * 7, "wrong form", "Response {pk} is a PHQ-9: a correction must be"),
    ],
)
def test_a_correction_without_reason_or_of_another_instrument_is_refused(
    nurse, patient, code, values, reason, message
):
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        submit(nurse, patient, code, values, supersedes=original.pk, correction_reason=reason)

    assert refused.value.message.startswith(message.format(pk=original.pk))
    assert _counts() == before


def test_a_response_is_corrected_once_then_the_correction_is_corrected(nurse, patient):
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    correction = submit(
        nurse, patient, "phq9", [0] * 9, supersedes=original.pk, correction_reason="typo"
    )
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        submit(nurse, patient, "phq9", [1] * 9, supersedes=original.pk, correction_reason="again")

    assert refused.value.message == (
        f"Response {original.pk} was already corrected by response {correction.pk}: "
        "correct that one instead."
    )
    assert _counts() == before


def test_a_reason_without_a_correction_is_refused(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        submit(nurse, patient, "phq9", PHQ9_MODERATE, correction_reason="oops")

    assert "correction_reason" in refused.value.field_errors
    assert not QuestionnaireResponse.objects.exists()


def test_a_completion_time_in_the_future_is_refused(nurse, patient):
    with pytest.raises(ApplicationError) as refused:
        submit(
            nurse,
            patient,
            "phq9",
            PHQ9_MODERATE,
            completed_at=timezone.now() + dt.timedelta(hours=1),
        )

    assert refused.value.message == "The completion time is in the future: check the date and time."
    assert not QuestionnaireResponse.objects.exists()


def test_staff_at_another_site_get_404_the_denial_is_audited_and_nothing_is_stored(
    wh_therapist, patient
):
    with pytest.raises(NotFoundError):
        submit(wh_therapist, patient, "phq9", PHQ9_MODERATE)

    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient, denial.outcome, denial.target_type) == (
        wh_therapist,
        patient,
        Outcome.DENIED,
        "questionnaire_response",
    )
    assert not QuestionnaireResponse.objects.exists()


def test_a_role_without_questionnaire_entry_is_refused_and_audited(compliance, patient):
    with pytest.raises(PermissionDeniedError):
        submit(compliance, patient, "phq9", PHQ9_MODERATE)

    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert denial.detail == "missing permission questionnaire.enter"
    assert not QuestionnaireResponse.objects.exists()


def test_patient_self_completion_stores_no_staff_author(nurse, patient):
    """The future portal stores self-completed responses without a staff author."""
    response = submit(nurse, patient, "phq9", PHQ9_MODERATE, source=ResponseSource.PATIENT_SELF)

    assert (response.entered_by, response.completed_by_patient) == (None, True)

from __future__ import annotations

import datetime as dt

import pytest

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.eligibility.choices import AsamLevel, ReferralStatus
from ketaclinic.eligibility.models import LevelOfCareAssessment, Referral, ReferralStatusChange
from ketaclinic.eligibility.services import (
    level_of_care_assess,
    referral_create,
    referral_status_set,
)
from tests.eligibility.conftest import ratings

SEVERE_WITHDRAWAL = (4, 1, 1, 2, 3, 1)


def test_severe_withdrawal_recommends_in_patient_care(assess_level, patient):
    """Given dimension 1 rated 4, then 3.7 or 4 is recommended with a referral to in-patient."""
    assessment = assess_level(patient, SEVERE_WITHDRAWAL, AsamLevel.MEDICALLY_MONITORED)

    assert assessment.recommended_levels == ["3.7", "4"]
    assert assessment.refer_inpatient_recommended is True
    assert assessment.recommendation == (
        "Mapping 'example-v1': dimension 1, 2 or 3 rated 4 -> 3.7 or 4. Refer to in-patient care."
    )
    assert (assessment.decided_level, assessment.disagreement_reason) == ("3.7", "")
    assert assessment.ratings[0] == ("1. Intoxication / withdrawal", 4, "note 1")
    event = AuditEvent.objects.get(action=Action.CREATE, target_type="level_of_care_assessment")
    assert event.detail == "version 1; recommended 3.7/4; decided 3.7"


def test_deciding_another_level_without_a_reason_is_refused(assess_level, patient):
    with pytest.raises(ApplicationError) as error:
        assess_level(patient, SEVERE_WITHDRAWAL, AsamLevel.PARTIAL_HOSPITALISATION, reason=" ")

    assert error.value.message == (
        "You chose level 2.5 but the recommendation is 3.7 or 4: write why you disagree, or "
        "choose a recommended level."
    )
    assert LevelOfCareAssessment.objects.count() == 0


def test_deciding_another_level_with_a_reason_is_kept(assess_level, patient):
    assessment = assess_level(
        patient,
        SEVERE_WITHDRAWAL,
        AsamLevel.PARTIAL_HOSPITALISATION,
        reason="Withdrawal managed by day hospital with daily review.",
    )

    assert (assessment.decided_level, assessment.agrees_with_recommendation) == ("2.5", False)
    assert assessment.disagreement_reason == "Withdrawal managed by day hospital with daily review."


def test_a_therapist_may_assess_and_a_nurse_may_not(therapist, nurse, patient):
    saved = level_of_care_assess(
        actor=therapist,
        patient=patient,
        ratings=ratings(0, 0, 0, 1, 0, 0),
        decided_level=AsamLevel.OUTPATIENT,
    )

    with pytest.raises(PermissionDeniedError):
        level_of_care_assess(
            actor=nurse,
            patient=patient,
            ratings=ratings(0, 0, 0, 1, 0, 0),
            decided_level=AsamLevel.OUTPATIENT,
        )

    assert list(LevelOfCareAssessment.objects.all()) == [saved]


def test_a_new_assessment_supersedes_the_old_one(assess_level, patient):
    first = assess_level(patient, (0, 0, 0, 1, 0, 0), AsamLevel.OUTPATIENT)

    second = assess_level(patient, SEVERE_WITHDRAWAL, AsamLevel.MEDICALLY_MANAGED)

    first.refresh_from_db()
    assert (second.version, second.supersedes_id) == (2, first.pk)
    assert (first.decided_level, first.recommended_levels) == ("1", ["1"])


def test_a_referral_is_created_and_its_status_history_kept(physician, patient, assess_level):
    assessment = assess_level(patient, SEVERE_WITHDRAWAL, AsamLevel.MEDICALLY_MONITORED)

    referral = referral_create(
        actor=physician,
        patient=patient,
        destination="Example Detox Unit",
        referred_on=dt.date(2026, 3, 2),
        assessment_id=assessment.pk,
    )
    referral_status_set(
        actor=physician,
        patient=patient,
        referral_id=referral.pk,
        status=ReferralStatus.SENT,
        note="Faxed",
    )

    referral.refresh_from_db()
    assert (referral.status, referral.assessment, referral.destination) == (
        "sent",
        assessment,
        "Example Detox Unit",
    )
    history = ReferralStatusChange.objects.filter(referral=referral).order_by("id")
    assert list(history.values_list("from_status", "to_status", "note")) == [
        ("", "planned", "created"),
        ("planned", "sent", "Faxed"),
    ]
    events = AuditEvent.objects.filter(target_type="referral").order_by("id")
    assert list(events.values_list("action", "detail")) == [
        ("create", "status planned"),
        ("update", "status planned -> sent"),
    ]


def test_setting_the_same_status_is_refused(physician, patient):
    referral = referral_create(
        actor=physician, patient=patient, destination="Unit", referred_on=dt.date(2026, 3, 2)
    )

    with pytest.raises(ApplicationError):
        referral_status_set(
            actor=physician, patient=patient, referral_id=referral.pk, status=ReferralStatus.PLANNED
        )

    assert ReferralStatusChange.objects.count() == 1


def test_a_referral_cannot_link_another_patients_assessment(
    physician, patient, assess_level, boston
):
    from tests.factories import PatientFactory

    other = PatientFactory(site=boston)
    theirs = assess_level(other, SEVERE_WITHDRAWAL, AsamLevel.MEDICALLY_MONITORED)

    with pytest.raises(NotFoundError):
        referral_create(
            actor=physician,
            patient=patient,
            destination="Unit",
            referred_on=dt.date(2026, 3, 2),
            assessment_id=theirs.pk,
        )

    assert Referral.objects.count() == 0

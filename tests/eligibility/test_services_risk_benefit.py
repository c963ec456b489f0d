from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.eligibility.choices import FamilyHistory, PriorKetamineUse, Substance
from ketaclinic.eligibility.models import RiskBenefitAssessment
from ketaclinic.eligibility.services import risk_benefit_record, risk_benefit_sign
from tests.eligibility.conftest import facts
from tests.eligibility.factories import RiskRuleSetFactory

SIGNED_FIELDS = (
    "signed_by_id",
    "signed_at",
    "signature_name",
    "acknowledged_by_patient_name",
    "acknowledged_at",
    "witnessed_by_id",
)


def _sign(physician, patient, assessment, **overrides):
    kwargs = {
        "signature_name": physician.get_full_name(),
        "patient_name": "Ann Alderwood",
    } | overrides
    return risk_benefit_sign(
        actor=physician, patient=patient, assessment_id=assessment.pk, **kwargs
    )


def test_the_derived_level_and_the_rule_that_derived_it_are_stored(
    physician, patient, record_risk_benefit
):
    """Given 3 risk factors, when recorded, then moderate by example-v1, said in words."""
    assessment = record_risk_benefit(
        patient,
        family_history=FamilyHistory.ONE_FIRST_DEGREE,
        little_support=True,
        peers_who_use=True,
        current_substances=(Substance.ALCOHOL,),
    )

    assert (assessment.version, assessment.risk_level, assessment.rule_code) == (
        1,
        "moderate",
        "example-v1",
    )
    assert assessment.derivation == "Derived by rule 'example-v1': 3 risk factors -> moderate"
    assert assessment.rule_label == (
        "Example rule — set by your medical director; no published consensus"
    )
    assert assessment.risk_factors == [
        "family_history_one_first_degree",
        "little_support",
        "peers_who_use",
    ]
    assert assessment.current_substances == ["alcohol"]
    assert assessment.is_signed is False
    event = AuditEvent.objects.get(action=Action.CREATE, target_type="risk_benefit_assessment")
    assert event.detail == "version 1; risk moderate by example-v1"


def test_prior_misuse_is_high_whatever_the_count(patient, record_risk_benefit):
    assessment = record_risk_benefit(patient, prior_ketamine_use=PriorKetamineUse.MISUSE)

    assert assessment.risk_level == "high"


def test_the_clinic_rule_in_force_is_used_and_a_future_rule_is_not(patient, record_risk_benefit):
    """Given a clinic rule from yesterday and one from tomorrow, then yesterday's derives."""
    RiskRuleSetFactory(code="clinic-v2")
    RiskRuleSetFactory(code="clinic-v3", effective_from=timezone.now() + dt.timedelta(days=1))

    assessment = record_risk_benefit(patient, little_support=True)

    assert (assessment.rule_code, assessment.risk_level, assessment.derivation) == (
        "clinic-v2",
        "moderate",
        "Derived by rule 'clinic-v2': 1 risk factor -> moderate",
    )


def test_benefits_and_monitoring_plan_are_required_and_nothing_is_saved(physician, patient):
    with pytest.raises(ApplicationError) as error:
        risk_benefit_record(
            actor=physician,
            patient=patient,
            facts=facts(),
            benefits_discussed=" ",
            monitoring_plan="",
        )

    assert set(error.value.field_errors) == {"benefits_discussed", "monitoring_plan"}
    assert RiskBenefitAssessment.objects.count() == 0


def test_a_nurse_cannot_record_a_risk_benefit_assessment(nurse, patient):
    with pytest.raises(PermissionDeniedError):
        risk_benefit_record(
            actor=nurse, patient=patient, facts=facts(), benefits_discussed="b", monitoring_plan="m"
        )

    assert RiskBenefitAssessment.objects.count() == 0
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.detail, denial.outcome) == (
        "missing permission risk_benefit.sign",
        Outcome.DENIED,
    )


def test_physician_signs_and_patient_acknowledges_with_typed_names(
    physician, patient, record_risk_benefit
):
    assessment = record_risk_benefit(patient)

    signed = _sign(physician, patient, assessment, patient_name="  ann   ALDERWOOD ")

    signed.refresh_from_db()
    assert signed.is_signed
    assert (signed.signed_by, signed.witnessed_by, signed.signature_name) == (
        physician,
        physician,
        physician.get_full_name(),
    )
    assert signed.acknowledged_by_patient_name == "ann   ALDERWOOD"
    assert signed.acknowledged_at == signed.signed_at
    event = AuditEvent.objects.get(action=Action.UPDATE, target_type="risk_benefit_assessment")
    assert event.detail == "signed version 1; patient acknowledged"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"signature_name": "Someone Else"}, "signature_name"),
        ({"patient_name": "A"}, "patient_name"),
    ],
)
def test_signing_with_the_wrong_typed_name_changes_nothing(
    physician, patient, record_risk_benefit, overrides, field
):
    assessment = record_risk_benefit(patient)

    with pytest.raises(ApplicationError) as error:
        _sign(physician, patient, assessment, **overrides)

    assert list(error.value.field_errors) == [field]
    assessment.refresh_from_db()
    assert not assessment.is_signed


def test_a_signed_version_cannot_be_signed_again(physician, patient, record_risk_benefit):
    assessment = _sign(physician, patient, record_risk_benefit(patient))
    before = RiskBenefitAssessment.objects.values(*SIGNED_FIELDS).get(pk=assessment.pk)

    with pytest.raises(ApplicationError) as error:
        _sign(physician, patient, assessment)

    assert error.value.message == (
        "Version 1 is already signed and cannot change: record a new version to change anything."
    )
    assert RiskBenefitAssessment.objects.values(*SIGNED_FIELDS).get(pk=assessment.pk) == before


def test_a_new_version_supersedes_a_signed_one_which_stays_unchanged(
    physician, patient, record_risk_benefit
):
    first = _sign(physician, patient, record_risk_benefit(patient))
    before = RiskBenefitAssessment.objects.values().get(pk=first.pk)

    second = record_risk_benefit(patient, prior_ketamine_use=PriorKetamineUse.MISUSE)

    assert (second.version, second.supersedes_id, second.is_signed) == (2, first.pk, False)
    assert RiskBenefitAssessment.objects.values().get(pk=first.pk) == before


def test_a_superseded_draft_cannot_be_signed(physician, patient, record_risk_benefit):
    draft = record_risk_benefit(patient)
    record_risk_benefit(patient)

    with pytest.raises(ApplicationError) as error:
        _sign(physician, patient, draft)

    assert error.value.message == "Version 1 was replaced by version 2: sign the current version."
    assert not RiskBenefitAssessment.objects.filter(signed_at__isnull=False).exists()

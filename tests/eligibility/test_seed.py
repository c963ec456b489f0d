from __future__ import annotations

from ketaclinic.eligibility.models import ContraindicationDefinition
from ketaclinic.eligibility.seed import (
    seed_configuration,
    seed_eligible_with_risk_benefit,
    seed_evaluated,
    seed_not_eligible,
    seed_referred_inpatient,
)
from ketaclinic.eligibility.selectors import (
    current_eligibility,
    current_level_of_care,
    current_risk_benefit,
    current_screen,
    referrals_for,
)
from tests.factories import PatientFactory


def test_seed_evaluated_screens_assesses_and_decides_eligible(physician, boston):
    patient = PatientFactory(site=boston)

    seed_evaluated(patient, physician, 7)

    screen, decision = current_screen(patient=patient), current_eligibility(patient=patient)
    assert screen is not None
    assert screen.is_complete
    assert decision is not None
    assert decision.outcome == "eligible"
    assert current_level_of_care(patient=patient) is not None
    assert current_risk_benefit(patient=patient) is None


def test_seed_not_eligible_records_an_absolute_contraindication(physician, boston):
    patient = PatientFactory(site=boston)

    seed_not_eligible(patient, physician, 7)

    decision = current_eligibility(patient=patient)
    assert decision is not None
    assert (decision.outcome, decision.absolute_codes) == (
        "not_eligible",
        ["uncontrolled_hypertension"],
    )


def test_seed_referred_inpatient_has_a_sent_referral(physician, boston):
    patient = PatientFactory(site=boston)

    seed_referred_inpatient(patient, physician, 7)

    level = current_level_of_care(patient=patient)
    assert level is not None
    assert (level.decided_level, level.refer_inpatient_recommended) == ("3.7", True)
    assert [r.status for r in referrals_for(patient=patient)] == ["sent"]
    decision = current_eligibility(patient=patient)
    assert decision is not None
    assert decision.outcome == "refer_elsewhere"


def test_seed_eligible_with_risk_benefit_is_signed(physician, boston):
    patient = PatientFactory(site=boston)

    seed_eligible_with_risk_benefit(patient, physician, 7)

    assessment = current_risk_benefit(patient=patient)
    assert assessment is not None
    assert assessment.is_signed


def test_seeds_are_deterministic_for_a_seed(physician, boston):
    first = PatientFactory(site=boston)

    seed_eligible_with_risk_benefit(first, physician, 11)
    seed_eligible_with_risk_benefit(first, physician, 11)

    versions = list(first.risk_benefit_assessments.order_by("version"))
    fields = ("prior_ketamine_use", "family_history", "little_support", "current_substances")
    assert [getattr(versions[0], f) for f in fields] == [getattr(versions[1], f) for f in fields]


def test_seed_configuration_repairs_a_missing_checklist_item(db):
    ContraindicationDefinition.objects.filter(code="maoi_use").delete()

    seed_configuration()

    assert ContraindicationDefinition.objects.filter(code="maoi_use", klass="relative").exists()

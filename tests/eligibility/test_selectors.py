from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.eligibility.choices import AsamLevel, EligibilityOutcome
from ketaclinic.eligibility.selectors import (
    EligibilityOverview,
    current_eligibility,
    current_risk_benefit,
    current_risk_rule_set,
    eligibility_overview,
)
from tests.eligibility.factories import RiskRuleSetFactory


def test_current_selectors_are_none_for_a_new_patient_and_do_not_audit(patient):
    before = AuditEvent.objects.count()

    assert current_eligibility(patient=patient) is None
    assert current_risk_benefit(patient=patient) is None
    assert AuditEvent.objects.count() == before


def test_current_eligibility_is_the_latest_version(patient, record_screen, decide):
    record_screen(patient)
    decide(patient, EligibilityOutcome.NOT_ELIGIBLE, "Not yet.")
    latest = decide(patient, EligibilityOutcome.ELIGIBLE, "Now yes.")

    current = current_eligibility(patient=patient)

    assert current == latest
    assert latest.allows_treatment is True


def test_current_risk_benefit_is_the_latest_version_signed_or_not(
    physician, patient, record_risk_benefit
):
    from ketaclinic.eligibility.services import risk_benefit_sign

    first = record_risk_benefit(patient)
    first = risk_benefit_sign(
        actor=physician,
        patient=patient,
        assessment_id=first.pk,
        signature_name=physician.get_full_name(),
        patient_name="Ann Alderwood",
    )
    assert current_risk_benefit(patient=patient) == first

    second = record_risk_benefit(patient)

    assert current_risk_benefit(patient=patient) == second
    assert (first.is_signed, second.is_signed) == (True, False)


def test_overview_flags_a_decision_made_on_an_older_screen(patient, record_screen, decide):
    record_screen(patient)
    decide(patient)
    assert eligibility_overview(patient=patient).decision_is_outdated is False

    record_screen(patient, present=["uncontrolled_hypertension"])

    assert eligibility_overview(patient=patient).decision_is_outdated is True


def test_rule_in_force_is_the_latest_already_effective(db):
    RiskRuleSetFactory(code="clinic-v2", effective_from=timezone.now() - dt.timedelta(days=2))
    RiskRuleSetFactory(code="clinic-v3", effective_from=timezone.now() + dt.timedelta(days=2))

    now_in_force = current_risk_rule_set()
    earlier = current_risk_rule_set(at=timezone.now() - dt.timedelta(days=3))

    assert (now_in_force and now_in_force.code, earlier and earlier.code) == (
        "clinic-v2",
        "example-v1",
    )


def _touch(overview: EligibilityOverview) -> None:
    assert overview.screen is not None
    list(overview.screen.answers.all())


def test_overview_query_count_does_not_grow_with_referrals(
    physician, patient, record_screen, decide, record_risk_benefit, assess_level
):
    from ketaclinic.eligibility.services import referral_create

    record_screen(patient, present=["psychosis"])
    decide(patient)
    record_risk_benefit(patient)
    assess_level(patient, (4, 0, 0, 0, 0, 0), AsamLevel.MEDICALLY_MANAGED)

    def refer() -> None:
        referral_create(
            actor=physician, patient=patient, destination="Unit", referred_on=dt.date(2026, 1, 5)
        )

    refer()
    with CaptureQueriesContext(connection) as one:
        _touch(eligibility_overview(patient=patient))
    for _ in range(4):
        refer()
    with CaptureQueriesContext(connection) as five:
        overview = eligibility_overview(patient=patient)
        _touch(overview)

    assert len(overview.referrals) == 5
    assert len(one) == len(five)

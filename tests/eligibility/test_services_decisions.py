from __future__ import annotations

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, ErrorCode, PermissionDeniedError
from ketaclinic.eligibility.choices import EligibilityOutcome
from ketaclinic.eligibility.models import EligibilityDecision
from ketaclinic.eligibility.selectors import current_eligibility
from ketaclinic.eligibility.services import eligibility_decide

OVERRIDE_DETAIL = "absolute contraindication override: uncontrolled_hypertension"


def _creates() -> int:
    return AuditEvent.objects.filter(
        action=Action.CREATE, target_type__startswith="eligibility"
    ).count()


def test_no_decision_without_a_screen(physician, patient):
    with pytest.raises(ApplicationError) as error:
        eligibility_decide(
            actor=physician, patient=patient, outcome=EligibilityOutcome.ELIGIBLE, reasoning="x"
        )

    assert error.value.message == (
        "No contraindication screen on file: record the contraindication checklist before "
        "deciding eligibility."
    )
    assert EligibilityDecision.objects.count() == 0


def test_no_decision_on_an_incomplete_screen(physician, patient, record_screen):
    record_screen(patient, unknown=["hepatic_disease", "psychosis"])

    with pytest.raises(ApplicationError) as error:
        eligibility_decide(
            actor=physician, patient=patient, outcome=EligibilityOutcome.ELIGIBLE, reasoning="x"
        )

    assert error.value.message == (
        "The contraindication screen (version 1) is incomplete: Active psychosis or history of "
        "psychotic disorder, Hepatic disease (check baseline liver tests) still 'unknown'. Record "
        "a new screen with every item answered before deciding eligibility."
    )
    assert EligibilityDecision.objects.count() == 0


@pytest.mark.parametrize(
    "outcome", [EligibilityOutcome.ELIGIBLE, EligibilityOutcome.ELIGIBLE_WITH_CONDITIONS]
)
def test_eligible_over_an_absolute_contraindication_needs_an_override_and_saves_nothing(
    physician, patient, record_screen, outcome
):
    """Given hypertension present, when eligible is chosen without override, then refused."""
    record_screen(patient, present=["uncontrolled_hypertension"])
    events_before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as error:
        eligibility_decide(
            actor=physician,
            patient=patient,
            outcome=outcome,
            reasoning="Fine.",
            conditions="Weekly BP check.",
            override_reason="   ",
        )

    assert error.value.message == (
        "Absolute contraindication present: Significant or uncontrolled hypertension "
        f"(uncontrolled_hypertension). The patient cannot be recorded as {outcome.label.lower()} "
        "without an override: write an override reason, or decide not eligible or refer "
        "elsewhere."
    )
    assert error.value.field_errors == {"override_reason": ["An override reason is required."]}
    assert EligibilityDecision.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_a_physician_override_is_saved_and_audited_as_its_own_event(
    physician, patient, record_screen
):
    record_screen(patient, present=["uncontrolled_hypertension", "psychosis"])

    decision = eligibility_decide(
        actor=physician,
        patient=patient,
        outcome=EligibilityOutcome.ELIGIBLE,
        reasoning="BP controlled on review today.",
        override_reason="Cardiology cleared; BP now controlled.",
    )

    assert decision.absolute_codes == ["uncontrolled_hypertension"]
    assert decision.relative_codes == ["psychosis"]
    assert decision.override_reason == "Cardiology cleared; BP now controlled."
    events = AuditEvent.objects.filter(action=Action.CREATE, patient=patient).order_by("id")
    assert list(events.values_list("target_type", "detail"))[-2:] == [
        ("eligibility_decision", "version 1; outcome eligible; screen v1"),
        ("eligibility_override", OVERRIDE_DETAIL),
    ]


def test_not_eligible_over_an_absolute_contraindication_needs_no_override(
    physician, patient, record_screen, decide
):
    record_screen(patient, present=["ketamine_hypersensitivity"])

    decision = decide(patient, EligibilityOutcome.NOT_ELIGIBLE, "Allergic to ketamine.")

    assert (decision.outcome, decision.absolute_codes) == (
        "not_eligible",
        ["ketamine_hypersensitivity"],
    )
    assert not AuditEvent.objects.filter(target_type="eligibility_override").exists()


def test_an_override_without_an_absolute_contraindication_is_refused(
    patient, record_screen, decide
):
    record_screen(patient)

    with pytest.raises(ApplicationError) as error:
        decide(patient, override_reason="Just in case.")

    assert error.value.field_errors == {"override_reason": ["Leave this empty."]}
    assert EligibilityDecision.objects.count() == 0


def test_relative_contraindications_and_active_substance_use_do_not_block(
    patient, record_screen, decide
):
    """DOMAIN.md §2: substance use in an addiction programme is weighed, never blocked."""
    record_screen(patient, present=["heavy_sedative_opioid_use", "prior_ketamine_misuse"])

    decision = decide(patient, reasoning="Treating opioid use disorder on purpose; monitored.")

    assert decision.outcome == "eligible"
    assert decision.relative_codes == ["prior_ketamine_misuse", "heavy_sedative_opioid_use"]
    assert decision.relative_labels == [
        "Prior ketamine or dissociative misuse",
        "Current heavy use of sedatives or opioids (benzodiazepines, non-benzodiazepine "
        "hypnotics, opioids)",
    ]


def test_reasoning_and_conditions_are_required(patient, record_screen, decide):
    record_screen(patient)

    with pytest.raises(ApplicationError) as error:
        decide(patient, EligibilityOutcome.ELIGIBLE_WITH_CONDITIONS, reasoning="  ")

    assert error.value.field_errors == {
        "reasoning": ["Write your reasoning: every eligibility decision needs it."],
        "conditions": ["Write the conditions the patient is eligible under."],
    }
    assert EligibilityDecision.objects.count() == 0


def test_a_nurse_cannot_decide_eligibility_and_the_refusal_is_audited(
    nurse, patient, record_screen
):
    record_screen(patient)
    creates_before = _creates()

    with pytest.raises(PermissionDeniedError) as error:
        eligibility_decide(
            actor=nurse, patient=patient, outcome=EligibilityOutcome.ELIGIBLE, reasoning="x"
        )

    assert error.value.message == (
        "Only a physician can decide eligibility. Ask the patient's physician."
    )
    assert EligibilityDecision.objects.count() == 0
    assert _creates() == creates_before
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.detail, denial.outcome) == (
        nurse,
        patient.pk,
        "missing permission eligibility.decide",
        Outcome.DENIED,
    )


def test_a_decision_on_a_stale_screen_is_refused(patient, record_screen, decide):
    first = record_screen(patient)
    record_screen(patient)

    with pytest.raises(ApplicationError) as error:
        decide(patient, screen_id=first.pk)

    assert error.value.code == ErrorCode.CONFLICT
    assert EligibilityDecision.objects.count() == 0


def test_a_new_decision_supersedes_and_the_old_one_is_unchanged(patient, record_screen, decide):
    record_screen(patient)
    first = decide(patient, EligibilityOutcome.REFER_ELSEWHERE, "Needs detox first.")

    second = decide(patient, EligibilityOutcome.ELIGIBLE, "Detox completed.")

    first.refresh_from_db()
    assert (second.version, second.supersedes_id) == (2, first.pk)
    assert (first.version, first.outcome, first.reasoning) == (
        1,
        "refer_elsewhere",
        "Needs detox first.",
    )
    assert current_eligibility(patient=patient) == second

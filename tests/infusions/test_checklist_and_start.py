"""The pre-infusion checklist, and the start: refused for each missing gate, writing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.consent.models import PatientConsent
from ketaclinic.consent.services import consent_revoke
from ketaclinic.core.errors import ApplicationError
from ketaclinic.courses.models import CourseStatus, GateCode
from ketaclinic.eligibility.models import RiskBenefitAssessment
from ketaclinic.infusions import services
from ketaclinic.infusions.models import ChecklistEntry, ChecklistItem, Infusion, InfusionStatus
from ketaclinic.infusions.selectors.state import checklist_latest
from ketaclinic.therapy.models import IntegrationSession, NoteStatus, PreparationSession
from tests.infusions.flow import Flow, state, written
from tests.treatment import InfusionFactory


def test_the_latest_entry_per_item_counts_and_earlier_ones_stay(flow: Flow, nurse: User) -> None:
    """Given an item recorded as a problem, when it is recorded again as done, then the new
    entry counts and the first stays on record with who and when."""
    services.checklist_item_record(
        actor=nurse, infusion=flow.infusion, item="fasting", confirmed=False, note="Ate at 9"
    )
    services.checklist_item_record(
        actor=nurse, infusion=flow.infusion, item="fasting", confirmed=True
    )
    assert ChecklistEntry.objects.filter(infusion=flow.infusion, item="fasting").count() == 2
    latest = checklist_latest(infusion=flow.infusion)["fasting"]
    assert (latest.confirmed, latest.recorded_by) == (True, nurse)


def test_a_problem_entry_needs_a_note(flow: Flow, nurse: User) -> None:
    before = written()
    with pytest.raises(ApplicationError, match="Say what the problem is"):
        services.checklist_item_record(
            actor=nurse, infusion=flow.infusion, item="fasting", confirmed=False
        )
    assert written() == before


@pytest.mark.parametrize(
    ("item", "hours", "message"),
    [
        ("entry_condition", None, "requires at least 24 hours"),
        ("entry_condition", 12, "Last use 12 hours ago is less than the 24 hours"),
        ("weight_dose", None, "The dose has not been verified"),
        ("baseline_vitals", None, "No baseline vitals are charted"),
        ("fasting", 5, "belong to the entry-condition item only"),
    ],
)
def test_an_item_that_is_not_satisfied_cannot_be_ticked(
    flow: Flow, nurse: User, item: str, hours: int | None, message: str
) -> None:
    before = written()
    with pytest.raises(ApplicationError, match=message):
        services.checklist_item_record(
            actor=nurse,
            infusion=flow.infusion,
            item=item,
            confirmed=True,
            hours_since_last_use=hours,
        )
    assert written() == before


def test_baseline_cannot_be_ticked_while_the_start_is_held(flow: Flow, nurse: User) -> None:
    """Given a baseline SBP of 185 (example hold-start rule SBP > 180), then the baseline
    item is refused until a new reading is within the limits."""
    flow.baseline(sbp=185, dbp=90)
    with pytest.raises(ApplicationError, match="outside the start limits"):
        services.checklist_item_record(
            actor=nurse, infusion=flow.infusion, item="baseline_vitals", confirmed=True
        )
    flow.baseline(sbp=150, dbp=90)
    services.checklist_item_record(
        actor=nurse, infusion=flow.infusion, item="baseline_vitals", confirmed=True
    )


def test_a_ready_infusion_starts(flow: Flow, nurse: User) -> None:
    flow.ready()
    infusion = flow.start()
    assert infusion.status == InfusionStatus.RUNNING
    assert infusion.started_at is not None
    assert infusion.nurse == nurse
    assert infusion.events.get().kind == "start"


def _revoke_consent(flow: Flow) -> None:
    consent = PatientConsent.objects.filter(patient=flow.infusion.patient).first()
    assert consent is not None
    consent_revoke(actor=flow.physician, consent=consent, reason="Patient withdrew (synthetic)")


def _unsign_risk_benefit(flow: Flow) -> None:
    RiskBenefitAssessment.objects.filter(patient=flow.infusion.patient).update(
        signed_by=None,
        signed_at=None,
        signature_name="",
        acknowledged_by_patient_name="",
        acknowledged_at=None,
        witnessed_by=None,
    )


def _unsign_preparation(flow: Flow) -> None:
    PreparationSession.objects.filter(course=flow.infusion.course).update(
        status=NoteStatus.DRAFT, signed_by=None, signed_at=None
    )


def _pause_course(flow: Flow) -> None:
    course = flow.infusion.course
    course.status, course.status_reason = CourseStatus.PAUSED, "Holiday (synthetic)"
    course.save()


def _entry_condition_not_met(flow: Flow) -> None:
    services.checklist_item_record(
        actor=flow.nurse,
        infusion=flow.infusion,
        item="entry_condition",
        confirmed=False,
        hours_since_last_use=10,
        note="Drank last night (synthetic)",
    )


def _item_missing(flow: Flow) -> None:
    ChecklistEntry.objects.filter(infusion=flow.infusion, item="pregnancy").delete()


def _dose_unverified(flow: Flow) -> None:
    Infusion.objects.filter(pk=flow.infusion.pk).update(
        dose_verified_by=None, dose_verified_at=None
    )


def _held(flow: Flow) -> None:
    flow.baseline(sbp=195, dbp=105)


BREAKERS: dict[str, tuple[Callable[[Flow], None], str]] = {
    GateCode.COURSE_ACTIVE: (_pause_course, "The course is paused"),
    GateCode.PREPARATION_SIGNED: (_unsign_preparation, "No signed preparation session"),
    GateCode.TREATMENT_CONSENT: (_revoke_consent, "No valid treatment consent"),
    GateCode.RISK_BENEFIT: (_unsign_risk_benefit, "risk-benefit assessment is not signed"),
    GateCode.ENTRY_CONDITION: (_entry_condition_not_met, "Entry condition not confirmed"),
    "checklist": (_item_missing, "Checklist items not recorded: Pregnancy status checked"),
    "dose": (_dose_unverified, "The dose is not verified"),
    "hold_start": (_held, "Start held by the latest baseline reading"),
}


@pytest.mark.parametrize("gate", list(BREAKERS))
def test_a_start_missing_one_gate_is_refused_and_writes_nothing(flow: Flow, gate: str) -> None:
    """Given everything is ready but one gate, when the nurse starts, then the refusal names
    that gate and its fix, and nothing at all is written."""
    flow.ready()
    breaker, message = BREAKERS[gate]
    breaker(flow)
    before, row = written(), state(flow.infusion)

    with pytest.raises(ApplicationError) as refused:
        flow.start()

    assert message in refused.value.message
    assert gate in refused.value.field_errors
    assert (written(), state(flow.infusion)) == (before, row)


def _previous(flow: Flow, *, signed: bool) -> Infusion:
    """Infusion 1 carried through; infusion 2 booked and made ready."""
    first = flow.signed() if signed else flow.discharged()
    second = InfusionFactory(course=first.course, created_by=flow.nurse, session_number=2)
    return second


def test_the_next_infusion_waits_for_the_previous_signature(flow: Flow) -> None:
    second = _previous(flow, signed=False)
    follow = Flow(infusion=second, nurse=flow.nurse, physician=flow.physician)
    follow.ready()
    before, row = written(), state(second)
    with pytest.raises(ApplicationError, match="Infusion 1 is not signed yet") as refused:
        follow.start()
    assert GateCode.PREVIOUS_INFUSION_CLOSED in refused.value.field_errors
    assert (written(), state(second)) == (before, row)


def test_an_overdue_integration_holds_the_next_infusion(flow: Flow) -> None:
    second = _previous(flow, signed=True)
    IntegrationSession.objects.filter(infusion=flow.infusion).update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )
    follow = Flow(infusion=second, nurse=flow.nurse, physician=flow.physician)
    follow.ready()
    before, row = written(), state(second)
    with pytest.raises(ApplicationError, match="integration session after infusion 1") as refused:
        follow.start()
    assert GateCode.INTEGRATION_NOT_OVERDUE in refused.value.field_errors
    assert (written(), state(second)) == (before, row)


def test_a_start_without_a_lot_number_is_refused(flow: Flow, nurse: User) -> None:
    flow.ready()
    before = written()
    with pytest.raises(ApplicationError, match="lot or vial number"):
        services.infusion_start(actor=nurse, infusion=flow.infusion, lot_number=" ")
    assert written() == before


def test_a_start_in_the_future_is_refused(flow: Flow) -> None:
    flow.ready()
    before = written()
    with pytest.raises(ApplicationError, match="is in the future"):
        flow.start(at=timezone.now() + dt.timedelta(minutes=30))
    assert written() == before


def test_the_checklist_closes_at_the_start(flow: Flow, nurse: User) -> None:
    flow.started()
    with pytest.raises(ApplicationError, match="the infusion is running"):
        services.checklist_item_record(
            actor=nurse, infusion=flow.infusion, item=ChecklistItem.FASTING, confirmed=True
        )


def test_a_start_before_the_latest_baseline_reading_is_refused(flow: Flow) -> None:
    """The start cannot be charted before a reading that was taken before it."""
    flow.ready()
    before = written()
    with pytest.raises(ApplicationError, match="is before the latest baseline reading"):
        flow.start(at=timezone.now() - dt.timedelta(minutes=30))
    assert written() == before

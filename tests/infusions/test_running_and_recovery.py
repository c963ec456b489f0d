"""Rate changes, pauses, restarts and the end; recovery, discharge and signature."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions import services
from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.questionnaires.models import DueQuestionnaire
from tests.infusions.flow import Flow, state, written


def test_pause_and_restart_need_reasons_and_follow_the_status(flow: Flow, nurse: User) -> None:
    flow.started()
    before = written()
    with pytest.raises(ApplicationError, match="Give the reason to pause it"):
        services.infusion_pause(actor=nurse, infusion=flow.infusion, reason="")
    with pytest.raises(ApplicationError, match="the infusion is running"):
        services.infusion_restart(actor=nurse, infusion=flow.infusion, reason="Fine")
    assert written() == before
    services.infusion_pause(actor=nurse, infusion=flow.infusion, reason="Nausea")
    assert flow.refresh().status == InfusionStatus.PAUSED
    services.infusion_restart(actor=nurse, infusion=flow.infusion, reason="Settled")
    assert flow.refresh().status == InfusionStatus.RUNNING


def test_an_event_before_the_last_one_is_refused(flow: Flow, nurse: User) -> None:
    flow.started(minutes_ago=30)
    services.infusion_pause(actor=nurse, infusion=flow.infusion, reason="Nausea")
    with pytest.raises(ApplicationError, match=r"is before the last entry \(paused\)"):
        services.infusion_restart(
            actor=nurse,
            infusion=flow.infusion,
            reason="Settled",
            at=timezone.now() - dt.timedelta(minutes=10),
        )


def test_the_rate_may_not_finish_the_bag_faster_than_the_protocol_allows(
    flow: Flow, nurse: User
) -> None:
    """KARE: 100 mL bag, at least 40 minutes -> at most 150.0 mL/h."""
    flow.started()
    before = written()
    with pytest.raises(
        ApplicationError,
        match=r"faster than the protocol's minimum of 40 minutes: choose 150.0 mL/h or less",
    ):
        services.infusion_rate_change(
            actor=nurse,
            infusion=flow.infusion,
            new_rate_ml_per_h=Decimal("150.1"),
            reason="Catch up",
        )
    assert written() == before
    event = services.infusion_rate_change(
        actor=nurse, infusion=flow.infusion, new_rate_ml_per_h=Decimal("120"), reason="Nausea"
    )
    assert event.new_rate_ml_per_h == Decimal("120.0")


def test_the_end_records_the_dose_given(flow: Flow, nurse: User) -> None:
    flow.started()
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match=r"between 0 and the planned 56\.0 mg"):
        services.infusion_stop(
            actor=nurse, infusion=flow.infusion, reason="Done", administered_mg=Decimal("57")
        )
    assert (written(), state(flow.infusion)) == (before, row)
    services.infusion_stop(
        actor=nurse,
        infusion=flow.infusion,
        reason="Stopped early: nausea",
        administered_mg=Decimal("30"),
    )
    infusion = flow.refresh()
    assert (infusion.status, infusion.administered_mg, infusion.end_reason) == (
        "ended",
        Decimal("30.0"),
        "Stopped early: nausea",
    )


@pytest.mark.parametrize(
    ("items", "total"), [((2, 2, 2, 2, 2), 10), ((2, 1, 2, 2, 2), 9), ((0, 0, 1, 1, 0), 2)]
)
def test_the_aldrete_total_is_the_sum(
    flow: Flow, nurse: User, items: tuple[int, ...], total: int
) -> None:
    flow.ended()
    activity, respiration, circulation, consciousness, oxygen = items
    score = services.recovery_score_record(
        actor=nurse,
        infusion=flow.infusion,
        activity=activity,
        respiration=respiration,
        circulation=circulation,
        consciousness=consciousness,
        oxygen=oxygen,
        circulation_variant="percent",
    )
    assert (score.total, score.discharge_ready, score.circulation_variant) == (
        total,
        total >= 9,
        "percent",
    )


def test_an_aldrete_item_outside_0_to_2_is_refused(flow: Flow, nurse: User) -> None:
    flow.ended()
    before = written()
    with pytest.raises(ApplicationError, match="Score activity as 0, 1 or 2"):
        services.recovery_score_record(
            actor=nurse,
            infusion=flow.infusion,
            activity=3,
            respiration=2,
            circulation=2,
            consciousness=2,
            oxygen=2,
            circulation_variant="mmhg",
        )
    assert written() == before


def test_dissociation_is_rated_after_the_infusion(flow: Flow, nurse: User) -> None:
    flow.started()
    with pytest.raises(ApplicationError, match="after the infusion ends"):
        services.dissociation_record(
            actor=nurse, infusion=flow.infusion, instrument="cadss", score=Decimal("12")
        )
    flow.stop()
    rating = services.dissociation_record(
        actor=nurse, infusion=flow.infusion, instrument="cadss_short", score=Decimal("4")
    )
    assert (rating.instrument, rating.score) == ("cadss_short", Decimal("4"))


def test_an_adverse_event_is_recorded_with_its_details(flow: Flow, nurse: User) -> None:
    flow.started()
    event = services.adverse_event_record(
        actor=nurse,
        infusion=flow.infusion,
        kind="nausea_vomiting",
        severity="mild",
        action_taken="Paused 5 minutes (synthetic)",
        outcome="resolved",
        infusion_effect="paused",
    )
    assert (event.kind, event.severity, event.infusion_effect) == (
        "nausea_vomiting",
        "mild",
        "paused",
    )
    before = written()
    with pytest.raises(ApplicationError, match="Choose the kind"):
        services.adverse_event_record(
            actor=nurse,
            infusion=flow.infusion,
            kind="headache",
            severity="mild",
            action_taken="x",
            outcome="resolved",
            infusion_effect="none",
        )
    assert written() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"escort_present": False}, "No escort present"),
        ({"no_driving_advice_given": False}, "Give the no-driving advice"),
        ({"sedation_resolved": False}, "Sedation has not resolved"),
        ({"dissociation_resolved": False}, "Dissociation has not resolved"),
    ],
)
def test_discharge_refuses_an_incomplete_checklist(
    flow: Flow, overrides: dict[str, bool], message: str
) -> None:
    flow.ended()
    flow.recovery()
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match=message):
        flow.discharge(**overrides)
    assert (written(), state(flow.infusion)) == (before, row)


def test_discharge_needs_an_aldrete_of_9_or_more(flow: Flow) -> None:
    flow.ended()
    before = written()
    with pytest.raises(ApplicationError, match="No recovery score yet"):
        flow.discharge()
    flow.recovery(total_minus=2)
    with pytest.raises(ApplicationError, match="latest modified Aldrete score is 8 of 10"):
        flow.discharge()
    assert written()[:-1] != before[:-1]  # only the score was added
    flow.recovery(total_minus=1)
    flow.post_vitals()
    assert flow.discharge().status == InfusionStatus.DISCHARGED


def test_early_discharge_needs_a_physicians_written_reason(
    flow: Flow, nurse: User, physician: User
) -> None:
    """KARE: minimum observation 120 minutes after the end. At 30 minutes the nurse is
    refused; with a reason she is still refused; the physician with a reason may."""
    flow.ended(minutes_ago=30)
    flow.post_vitals()
    flow.recovery()
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match="minimum observation of 120 minutes"):
        flow.discharge()
    with pytest.raises(ApplicationError, match="Only a physician may discharge before"):
        flow.discharge(early_reason="Feels fine")
    assert (written(), state(flow.infusion)) == (before, row)
    discharge = services.infusion_discharge(
        actor=physician,
        infusion=flow.infusion,
        escort_present=True,
        no_driving_advice_given=True,
        sedation_resolved=True,
        dissociation_resolved=True,
        minutes_until_ready=5,
        early_reason="Fully recovered, escort waiting (synthetic)",
    )
    assert discharge.early_reason == "Fully recovered, escort waiting (synthetic)"


def test_discharge_makes_the_post_infusion_questionnaires_due(flow: Flow) -> None:
    infusion = flow.discharged()
    codes = DueQuestionnaire.objects.filter(
        patient=infusion.patient, event="post_infusion", reference=f"infusion:{infusion.pk}"
    ).values_list("instrument__code", flat=True)
    assert sorted(codes) == ["craving", "meq30"]


def test_signing_before_discharge_is_refused(flow: Flow, nurse: User) -> None:
    flow.ended()
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match="discharge the patient first"):
        services.infusion_sign(actor=nurse, infusion=flow.infusion)
    assert (written(), state(flow.infusion)) == (before, row)


def test_a_signed_flowsheet_takes_no_more_vitals(flow: Flow, nurse: User) -> None:
    flow.signed()
    with pytest.raises(ApplicationError, match="the infusion is signed"):
        services.vitals_record(actor=nurse, infusion=flow.infusion, hr=70)

"""Dose planning from the latest weight, and verification by a second clinician."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.courses.models import SiteTreatmentSettings, TreatmentCourse
from ketaclinic.infusions import services
from ketaclinic.patients.models import BodyMeasurement
from tests.infusions.flow import Flow, state, written
from tests.treatment import InfusionFactory, TreatmentCourseFactory, protocol_version


def test_the_plan_uses_the_latest_weight_and_the_site_defaults(flow: Flow, nurse: User) -> None:
    """Given a 70 kg patient on KARE (0.8 mg/kg over 40 min), a 10 mg/mL vial and a 100 mL bag,
    then the plan is 56.0 mg in 5.60 mL at 150.0 mL/h."""
    infusion = services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)

    assert infusion.weight_kg == Decimal("70.00")
    assert infusion.planned_total_mg == Decimal("56.0")
    assert infusion.planned_mg_per_kg == Decimal("0.800")
    assert infusion.planned_total_ml == Decimal("5.60")
    assert infusion.concentration_mg_per_ml == Decimal("10.00")
    assert infusion.bag_volume_ml == Decimal("100.0")
    phase = infusion.dose_phases.get()
    assert (phase.kind, phase.dose_mg, phase.volume_ml, phase.rate_ml_per_h) == (
        "infusion",
        Decimal("56.0"),
        Decimal("5.60"),
        Decimal("150.0"),
    )
    assert infusion.dose_planned_by == nurse


def test_a_two_phase_protocol_stores_both_phases(
    course: TreatmentCourse, nurse: User, physician: User
) -> None:
    """Given DAKWAR-ALC-2020 (0.11 mg/kg bolus over 2 min, 0.60 mg/kg over 50 min), then
    both phases are stored in order with their own rates."""
    course.protocol_version = protocol_version("dakwar-alc-2020")
    course.sessions_planned = 1
    course.save()
    infusion = InfusionFactory(course=course, created_by=nurse)

    services.infusion_dose_plan(actor=nurse, infusion=infusion)

    phases = list(infusion.dose_phases.values_list("kind", "dose_mg", "rate_ml_per_h"))
    assert phases == [
        ("bolus", Decimal("7.7"), Decimal("464.8")),
        ("infusion", Decimal("42.0"), Decimal("101.4")),
    ]
    infusion.refresh_from_db()
    assert infusion.planned_total_mg == Decimal("49.7")


def test_a_weight_older_than_the_site_limit_is_refused_and_nothing_is_written(
    flow: Flow, nurse: User
) -> None:
    """Given the only weight was taken 31 days ago, when the nurse plans the dose, then she is
    told to weigh the patient and nothing is written."""
    BodyMeasurement.objects.filter(patient=flow.infusion.patient).update(
        measured_at=timezone.now() - dt.timedelta(days=31)
    )
    before, row = written(), state(flow.infusion)

    with pytest.raises(ApplicationError) as refused:
        services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)

    assert refused.value.message.startswith(
        "Weight is older than 30 days: weigh the patient before computing the dose"
    )
    assert (written(), state(flow.infusion)) == (before, row)


def test_the_weight_limit_is_the_sites_setting(flow: Flow, nurse: User) -> None:
    """Given the site allows weights up to 7 days old, then a 10-day-old weight is refused."""
    SiteTreatmentSettings.objects.create(site=flow.infusion.site, weight_max_age_days=7)
    BodyMeasurement.objects.filter(patient=flow.infusion.patient).update(
        measured_at=timezone.now() - dt.timedelta(days=10)
    )
    with pytest.raises(ApplicationError, match="Weight is older than 7 days"):
        services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)


def test_no_weight_at_all_is_refused(flow: Flow, nurse: User) -> None:
    BodyMeasurement.objects.filter(patient=flow.infusion.patient).update(
        is_active=False, voided_at=timezone.now(), voided_by=nurse, voided_reason="Wrong scale"
    )
    before = written()
    with pytest.raises(ApplicationError, match="No weight on record: weigh the patient"):
        services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)
    assert written() == before


def test_explicit_concentration_and_bag_override_the_site_defaults(flow: Flow, nurse: User) -> None:
    infusion = services.infusion_dose_plan(
        actor=nurse,
        infusion=flow.infusion,
        concentration_mg_per_ml=Decimal("50"),
        bag_volume_ml=Decimal("250"),
    )
    assert infusion.planned_total_ml == Decimal("1.12")
    assert infusion.dose_phases.get().rate_ml_per_h == Decimal("375.0")


def test_replanning_replaces_the_phases_until_verified(flow: Flow, nurse: User) -> None:
    services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)
    services.infusion_dose_plan(
        actor=nurse, infusion=flow.infusion, concentration_mg_per_ml=Decimal("50")
    )
    assert flow.infusion.dose_phases.count() == 1
    assert flow.refresh().planned_total_ml == Decimal("1.12")


def test_replanning_a_verified_plan_clears_the_verification(
    flow: Flow, nurse: User, physician: User
) -> None:
    """Given a verified plan at 10 mg/mL, when the nurse re-plans at 50 mg/mL (the vial in
    hand), then the new plan is stored unverified: the physician must verify it again."""
    flow.plan_and_verify()

    infusion = services.infusion_dose_plan(
        actor=nurse, infusion=flow.infusion, concentration_mg_per_ml=Decimal("50")
    )

    infusion.refresh_from_db()
    assert (infusion.planned_total_ml, infusion.dose_verified_by, infusion.dose_verified_at) == (
        Decimal("1.12"),
        None,
        None,
    )
    services.infusion_dose_verify(actor=physician, infusion=infusion)
    assert flow.refresh().dose_verified_by == physician


def test_the_planner_cannot_verify_her_own_dose(flow: Flow, nurse: User) -> None:
    """Given the nurse planned the dose, when she verifies it herself, then she is refused
    and asked for a second clinician; nothing is written."""
    services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)
    before, row = written(), state(flow.infusion)

    with pytest.raises(ApplicationError, match="a second clinician must verify it"):
        services.infusion_dose_verify(actor=nurse, infusion=flow.infusion)

    assert (written(), state(flow.infusion)) == (before, row)


def test_a_second_nurse_may_verify(flow: Flow, nurse: User, nurse2: User) -> None:
    services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)
    infusion = services.infusion_dose_verify(actor=nurse2, infusion=flow.infusion)
    assert infusion.dose_verified_by == nurse2
    assert infusion.dose_verified_at is not None


def test_verifying_without_a_plan_is_refused(flow: Flow, physician: User) -> None:
    before = written()
    with pytest.raises(ApplicationError, match="No dose has been planned yet"):
        services.infusion_dose_verify(actor=physician, infusion=flow.infusion)
    assert written() == before


def test_a_therapist_may_neither_plan_nor_verify(
    flow: Flow, make_user: Callable[..., User], nurse: User
) -> None:
    therapist = make_user(Role.THERAPIST, flow.infusion.site)
    with pytest.raises(PermissionDeniedError):
        services.infusion_dose_plan(actor=therapist, infusion=flow.infusion)
    services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)
    with pytest.raises(PermissionDeniedError):
        services.infusion_dose_verify(actor=therapist, infusion=flow.infusion)
    assert flow.refresh().dose_verified_at is None


def test_a_cap_refusal_from_the_protocol_writes_nothing(flow: Flow, nurse: User) -> None:
    """Given the medical director set a 50 mg maximum, then 56 mg is refused."""
    version = flow.infusion.course.protocol_version
    version.max_total_mg = Decimal("50.0")
    version.save()
    before, row = written(), state(flow.infusion)
    with pytest.raises(ApplicationError, match=r"above this protocol's maximum of 50\.0 mg"):
        services.infusion_dose_plan(actor=nurse, infusion=flow.infusion)
    assert (written(), state(flow.infusion)) == (before, row)


def test_scheduling_refuses_a_session_outside_the_course(
    course: TreatmentCourse, nurse: User, physician: User
) -> None:
    before = written()
    with pytest.raises(ApplicationError, match="Session 4 is outside this course"):
        services.infusion_schedule(
            actor=nurse,
            course=course,
            session_number=4,
            scheduled_at=timezone.now(),
        )
    assert written() == before


def test_scheduling_books_ahead_and_refuses_a_double_booking(
    physician: User, nurse: User, boston: object
) -> None:
    from tests.factories import PatientFactory
    from tests.treatment import ready_patient

    patient = ready_patient(patient=PatientFactory(site=boston), physician=physician)
    course = TreatmentCourseFactory(
        patient=patient, protocol_version=protocol_version(), supervising_physician=physician
    )
    when = timezone.now() + dt.timedelta(days=7)
    infusion = services.infusion_schedule(
        actor=nurse, course=course, session_number=1, scheduled_at=when, chair="Chair 2"
    )
    assert (infusion.status, infusion.chair, infusion.site) == ("scheduled", "Chair 2", boston)
    before = written()
    with pytest.raises(ApplicationError, match="Session 1 is already booked"):
        services.infusion_schedule(actor=nurse, course=course, session_number=1, scheduled_at=when)
    assert written() == before


def test_cancel_needs_a_reason_and_only_before_the_start(flow: Flow, nurse: User) -> None:
    before = written()
    with pytest.raises(ApplicationError, match="reason for cancelling"):
        services.infusion_cancel(actor=nurse, infusion=flow.infusion, reason=" ")
    assert written() == before
    cancelled = services.infusion_cancel(actor=nurse, infusion=flow.infusion, reason="Unwell")
    assert (cancelled.status, cancelled.cancelled_reason) == ("cancelled", "Unwell")

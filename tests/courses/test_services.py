"""Course services: enrolment, status transitions, boosters, overrides, site settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.courses import services
from ketaclinic.courses.models import (
    CourseKind,
    CourseStatusChange,
    GateCode,
    GateOverride,
    SiteTreatmentSettings,
    TreatmentCourse,
)
from ketaclinic.protocols.models import ProtocolVersion
from tests.courses.factories import (
    active_course,
    enrol,
    expire_treatment_consent,
    integration_for,
    library_version,
    revoke_treatment_consent,
    signed_infusion,
)
from tests.factories import PatientFactory
from tests.treatment import InfusionFactory


def _state() -> tuple[object, ...]:
    """Everything a refused course action must leave untouched."""
    return (
        list(TreatmentCourse.objects.order_by("pk").values_list("pk", "status", "status_reason")),
        CourseStatusChange.objects.count(),
        GateOverride.objects.count(),
        AuditEvent.objects.exclude(action=Action.ACCESS_DENIED).count(),
    )


# --- Enrolment ---------------------------------------------------------------------------------


def test_enrol_creates_a_planned_course_with_history_and_audit(ready, physician, therapist, kare):
    """Given a ready patient, when a physician enrols, then a planned course with the
    protocol's sessions, one status change and a create audit row exist."""
    course = services.course_enrol(
        actor=physician,
        patient=ready,
        protocol_version=kare,
        planned_start=dt.date(2026, 3, 2),
        supervising_physician=physician,
        therapist=therapist,
    )

    course.refresh_from_db()
    assert (course.status, course.kind, course.sessions_planned) == ("planned", "initial", 3)
    assert (course.enrolled_by, course.supervising_physician, course.therapist) == (
        physician,
        physician,
        therapist,
    )
    change = CourseStatusChange.objects.get(course=course)
    assert (change.from_status, change.to_status, change.changed_by) == ("", "planned", physician)
    audit = AuditEvent.objects.get(target_type="treatment_course", action=Action.CREATE)
    assert (audit.patient_id, audit.target_id, audit.detail) == (
        ready.pk,
        str(course.pk),
        "status - -> planned",
    )


def test_enrol_refuses_a_patient_who_is_not_ready_listing_what_is_missing(patient, physician, kare):
    """Given a patient with nothing on file, when enrolled, then the refusal lists every
    missing item and nothing is written."""
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        enrol(patient=patient, physician=physician, version=kare)

    assert refused.value.message.startswith("The patient is not ready for enrolment: ")
    assert "No eligibility decision yet" in refused.value.message
    assert "No valid treatment consent" in refused.value.message
    assert "No weight on file" in refused.value.message
    assert len(refused.value.field_errors["patient"]) == 4
    assert _state() == before


def test_enrol_refuses_when_the_treatment_consent_was_revoked(ready, physician, kare):
    revoke_treatment_consent(patient=ready, actor=physician)
    before = _state()

    with pytest.raises(ApplicationError, match="No valid treatment consent"):
        enrol(patient=ready, physician=physician, version=kare)

    assert _state() == before


def test_enrol_refuses_a_version_that_is_not_active(ready, physician, kare):
    kare_v2 = ProtocolVersion.objects.create(
        template=kare.template,
        number=99,
        status="draft",
        route="iv",
        sessions_planned=3,
        session_spacing_days=7,
        vitals_interval_intra_minutes=10,
        vitals_interval_post_minutes=15,
        min_observation_minutes=120,
        source="test",
    )
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        enrol(patient=ready, physician=physician, version=kare_v2)

    assert refused.value.message == (
        f"{kare_v2} is draft, not active: choose the protocol's active version."
    )
    assert _state() == before


def test_enrol_refuses_a_version_with_problems_das_2019_without_a_dose(ready, physician):
    """Given DAS-2019 as seeded (no confirmed dose), enrolment is refused with its problem."""
    das = library_version("das-2019")
    if das.template.code != "das-2019" or das.phases.filter(mg_per_kg__isnull=True).count() == 0:
        pytest.skip("the seeded library is not installed")
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        enrol(patient=ready, physician=physician, version=das)

    assert refused.value.message.startswith(f"{das} cannot be used for treatment yet: ")
    assert list(refused.value.field_errors) == ["protocol_version"]
    assert _state() == before


def test_enrol_refuses_a_second_open_course(ready, physician, kare):
    first = enrol(patient=ready, physician=physician, version=kare)
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        enrol(patient=ready, physician=physician, version=kare)

    assert refused.value.message == (
        f"The patient already has a planned course (started {first.planned_start:%Y-%m-%d}): "
        "complete or discontinue it before enrolling in another."
    )
    assert _state() == before


def test_enrol_is_allowed_again_after_discontinuation(ready, physician, kare):
    first = enrol(patient=ready, physician=physician, version=kare)
    services.course_discontinue(actor=physician, course=first, reason="Moved away (synthetic)")

    second = enrol(patient=ready, physician=physician, version=kare)

    assert second.status == "planned"
    assert TreatmentCourse.objects.filter(patient=ready).count() == 2


def test_enrol_refuses_a_supervising_physician_from_another_site(
    ready, physician, wh_physician, kare
):
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        services.course_enrol(
            actor=physician,
            patient=ready,
            protocol_version=kare,
            planned_start=timezone.localdate(),
            supervising_physician=wh_physician,
        )

    assert refused.value.message == (
        f"{wh_physician} is not a physician at Boston, MA: choose a physician who works at "
        "the patient's site."
    )
    assert list(refused.value.field_errors) == ["supervising_physician"]
    assert _state() == before


def test_enrol_refuses_a_nurse_named_as_therapist(ready, physician, nurse, kare):
    before = _state()

    with pytest.raises(ApplicationError, match="is not a therapist at Boston, MA"):
        services.course_enrol(
            actor=physician,
            patient=ready,
            protocol_version=kare,
            planned_start=timezone.localdate(),
            supervising_physician=physician,
            therapist=nurse,
        )

    assert _state() == before


@pytest.mark.parametrize("sessions", [0, 4])
def test_enrol_refuses_sessions_outside_the_protocol(ready, physician, kare, sessions):
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        services.course_enrol(
            actor=physician,
            patient=ready,
            protocol_version=kare,
            planned_start=timezone.localdate(),
            supervising_physician=physician,
            sessions_planned=sessions,
        )

    assert refused.value.message == (
        f"{kare} plans 3 session(s): plan between 1 and 3; for more, enrol a booster course "
        "afterwards."
    )
    assert _state() == before


def test_enrol_refuses_an_implausible_start(ready, physician, kare):
    before = _state()

    with pytest.raises(ApplicationError, match="Planned start 2031-01-01 is not plausible"):
        enrol(patient=ready, physician=physician, version=kare, planned_start=dt.date(2031, 1, 1))

    assert _state() == before


def test_enrol_refuses_another_patients_addiction_target(ready, physician, kare, boston):
    from ketaclinic.patients.services import addiction_target_create

    other = PatientFactory(site=boston)
    target = addiction_target_create(
        actor=physician, patient=other, target="alcohol", unit="standard_drinks"
    )
    before = _state()

    with pytest.raises(ApplicationError, match="not an active target in this patient's chart"):
        services.course_enrol(
            actor=physician,
            patient=ready,
            protocol_version=kare,
            addiction_target=target,
            planned_start=timezone.localdate(),
            supervising_physician=physician,
        )

    assert _state() == before


def test_enrol_by_a_nurse_is_forbidden_and_audited(ready, nurse, physician, kare):
    before = _state()

    with pytest.raises(PermissionDeniedError, match="Only a physician can enrol"):
        services.course_enrol(
            actor=nurse,
            patient=ready,
            protocol_version=kare,
            planned_start=timezone.localdate(),
            supervising_physician=physician,
        )

    assert _state() == before
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.detail) == (nurse, "missing permission course.manage")


def test_enrol_of_a_patient_at_another_site_is_not_found(ready, wh_physician, kare):
    before = _state()

    with pytest.raises(NotFoundError):
        enrol(patient=ready, physician=wh_physician, version=kare)

    assert _state() == before


# --- Transitions -------------------------------------------------------------------------------


def test_the_full_lifecycle_writes_one_history_row_per_transition(ready, physician, kare):
    course = enrol(patient=ready, physician=physician, version=kare)

    services.course_start(actor=physician, course=course)
    services.course_pause(actor=physician, course=course, reason="  BP under review (synthetic) ")
    paused = TreatmentCourse.objects.get(pk=course.pk)
    services.course_resume(actor=physician, course=course)
    services.course_complete(actor=physician, course=course)

    course.refresh_from_db()
    assert course.status == "completed"
    assert paused.status_reason == "BP under review (synthetic)"
    assert list(
        CourseStatusChange.objects.filter(course=course).values_list(
            "from_status", "to_status", "reason"
        )
    ) == [
        ("", "planned", ""),
        ("planned", "active", ""),
        ("active", "paused", "BP under review (synthetic)"),
        ("paused", "active", ""),
        ("active", "completed", ""),
    ]
    details = AuditEvent.objects.filter(target_type="treatment_course").values_list(
        "detail", flat=True
    )
    assert sorted(details) == sorted(
        [
            "status - -> planned",
            "status planned -> active",
            "status active -> paused",
            "status paused -> active",
            "status active -> completed",
        ]
    )


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (
            "active",
            "start",
            "Cannot start a course that is active: only a planned course can be started.",
        ),
        (
            "planned",
            "pause",
            "Cannot pause a course that is planned: only an active course can be paused.",
        ),
        (
            "active",
            "resume",
            "Cannot resume a course that is active: only a paused course can be resumed.",
        ),
        (
            "planned",
            "complete",
            "Cannot complete a course that is planned: only an active or paused course can be "
            "completed.",
        ),
        (
            "completed",
            "discontinue",
            "Cannot discontinue a course that is completed: only a planned, active or paused "
            "course can be discontinued.",
        ),
    ],
)
def test_an_invalid_transition_is_refused_and_changes_nothing(
    ready, physician, kare, status, action, message
):
    course = enrol(patient=ready, physician=physician, version=kare)
    TreatmentCourse.objects.filter(pk=course.pk).update(status=status)
    before = _state()
    service = getattr(services, f"course_{action}")
    kwargs = {"reason": "Because (synthetic)"} if action in ("pause", "discontinue") else {}

    with pytest.raises(ApplicationError) as refused:
        service(actor=physician, course=course, **kwargs)

    assert refused.value.message == message
    assert _state() == before


@pytest.mark.parametrize("action", ["pause", "discontinue"])
def test_pause_and_discontinue_need_a_written_reason(ready, physician, kare, action):
    course = active_course(patient=ready, physician=physician, version=kare)
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        getattr(services, f"course_{action}")(actor=physician, course=course, reason="   ")

    assert refused.value.message.startswith("Give a written reason for ")
    assert list(refused.value.field_errors) == ["reason"]
    assert _state() == before


def test_a_transition_uses_the_database_status_not_a_stale_object(ready, physician, kare):
    """Given an object loaded before another clinician started the course, starting it again
    is refused (the row is re-read under a lock)."""
    stale = enrol(patient=ready, physician=physician, version=kare)
    services.course_start(actor=physician, course=TreatmentCourse.objects.get(pk=stale.pk))
    before = _state()

    with pytest.raises(ApplicationError, match="course that is active"):
        services.course_start(actor=physician, course=stale)

    assert _state() == before


def test_complete_is_refused_while_an_infusion_is_not_signed(ready, physician, nurse, kare):
    course = active_course(patient=ready, physician=physician, version=kare)
    InfusionFactory(course=course, created_by=nurse, session_number=1)
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        services.course_complete(actor=physician, course=course)

    assert refused.value.message == (
        "Infusion(s) 1 are not signed yet: sign or cancel them on the flowsheet before "
        "completing the course."
    )
    assert _state() == before


def test_a_therapist_cannot_change_a_course(ready, physician, therapist, kare):
    course = enrol(patient=ready, physician=physician, version=kare)
    before = _state()

    with pytest.raises(PermissionDeniedError):
        services.course_start(actor=therapist, course=course)

    assert _state() == before


# --- Boosters ------------------------------------------------------------------------------------


def test_a_booster_follows_a_completed_course(ready, physician, kare):
    course = active_course(patient=ready, physician=physician, version=kare)
    services.course_complete(actor=physician, course=course)

    booster = services.course_booster_enrol(
        actor=physician,
        course=course,
        protocol_version=kare,
        planned_start=timezone.localdate(),
        supervising_physician=physician,
        sessions_planned=1,
    )

    assert (booster.kind, booster.booster_of, booster.sessions_planned, booster.status) == (
        CourseKind.BOOSTER,
        course,
        1,
        "planned",
    )


def test_a_booster_is_refused_for_a_course_that_is_not_completed(ready, physician, kare):
    course = active_course(patient=ready, physician=physician, version=kare)
    before = _state()

    with pytest.raises(
        ApplicationError, match="A booster follows a completed course; this course is active"
    ):
        services.course_booster_enrol(
            actor=physician,
            course=course,
            protocol_version=kare,
            planned_start=timezone.localdate(),
            supervising_physician=physician,
        )

    assert _state() == before


def test_a_booster_rechecks_readiness(ready, physician, kare):
    """Given the treatment consent expired after the first course, the booster is refused."""
    course = active_course(patient=ready, physician=physician, version=kare)
    services.course_complete(actor=physician, course=course)
    expire_treatment_consent(patient=ready)
    before = _state()

    with pytest.raises(ApplicationError, match="No valid treatment consent"):
        services.course_booster_enrol(
            actor=physician,
            course=course,
            protocol_version=kare,
            planned_start=timezone.localdate(),
            supervising_physician=physician,
        )

    assert _state() == before


# --- Gate overrides ----------------------------------------------------------------------------


def _overdue_course(ready, physician, nurse, kare):
    course = active_course(patient=ready, physician=physician, version=kare)
    infusion = signed_infusion(
        course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
    )
    integration_for(infusion)
    return course


def test_a_physician_overrides_an_overdue_integration(ready, physician, nurse, kare):
    course = _overdue_course(ready, physician, nurse, kare)

    override = services.gate_override_record(
        actor=physician, course=course, session_number=2, reason=" Therapist ill (synthetic) "
    )

    assert (override.gate, override.session_number, override.reason, override.overridden_by) == (
        "integration_not_overdue",
        2,
        "Therapist ill (synthetic)",
        physician,
    )
    audit = AuditEvent.objects.get(target_type="gate_override")
    assert audit.detail == "override integration_not_overdue for session 2"


def test_an_override_needs_a_reason(ready, physician, nurse, kare):
    course = _overdue_course(ready, physician, nurse, kare)
    before = _state()

    with pytest.raises(ApplicationError, match="Give a written reason for overriding"):
        services.gate_override_record(actor=physician, course=course, session_number=2, reason="")

    assert _state() == before


def test_only_the_integration_gate_can_be_overridden(ready, physician, nurse, kare):
    course = _overdue_course(ready, physician, nurse, kare)
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        services.gate_override_record(
            actor=physician,
            course=course,
            session_number=2,
            reason="Because (synthetic)",
            gate=GateCode.TREATMENT_CONSENT,
        )

    assert refused.value.message.startswith("“Valid treatment consent” cannot be overridden")
    assert _state() == before


def test_an_override_is_refused_when_nothing_is_overdue(ready, physician, nurse, kare):
    course = active_course(patient=ready, physician=physician, version=kare)
    integration_for(signed_infusion(course=course, nurse=nurse))
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        services.gate_override_record(
            actor=physician, course=course, session_number=2, reason="Just in case (synthetic)"
        )

    assert refused.value.message == (
        "No integration session is overdue before infusion 2: there is nothing to override."
    )
    assert _state() == before


def test_a_second_override_for_the_same_infusion_is_refused(ready, physician, nurse, kare):
    course = _overdue_course(ready, physician, nurse, kare)
    services.gate_override_record(
        actor=physician, course=course, session_number=2, reason="Therapist ill (synthetic)"
    )
    before = _state()

    with pytest.raises(ApplicationError, match="already has an override on file"):
        services.gate_override_record(
            actor=physician, course=course, session_number=2, reason="Again (synthetic)"
        )

    assert _state() == before


def test_a_therapist_cannot_override(ready, physician, nurse, therapist, kare):
    course = _overdue_course(ready, physician, nurse, kare)
    before = _state()

    with pytest.raises(PermissionDeniedError, match="Only a physician can override a gate"):
        services.gate_override_record(
            actor=therapist, course=course, session_number=2, reason="Please (synthetic)"
        )

    assert _state() == before


# --- Site settings -------------------------------------------------------------------------------


def test_a_clinic_admin_changes_the_integration_window(clinic_admin, boston):
    settings = services.treatment_settings_update(
        actor=clinic_admin,
        site=boston,
        integration_window_hours=48,
        weight_max_age_days=30,
        bag_volume_ml=Decimal("250.0"),
        concentration_mg_per_ml=Decimal("10.00"),
    )

    assert (settings.integration_window_hours, settings.bag_volume_ml, settings.updated_by) == (
        48,
        Decimal("250.0"),
        clinic_admin,
    )
    audit = AuditEvent.objects.get(target_type="site_treatment_settings")
    assert (audit.site_id, audit.detail) == (
        boston.pk,
        "changed integration_window_hours,bag_volume_ml",
    )


def test_settings_refuse_an_out_of_range_window(clinic_admin, boston):
    with pytest.raises(ApplicationError) as refused:
        services.treatment_settings_update(
            actor=clinic_admin,
            site=boston,
            integration_window_hours=0,
            weight_max_age_days=30,
            bag_volume_ml=Decimal("100.0"),
            concentration_mg_per_ml=Decimal("10.00"),
        )

    assert list(refused.value.field_errors) == ["integration_window_hours"]
    assert SiteTreatmentSettings.objects.count() == 0
    assert not AuditEvent.objects.filter(target_type="site_treatment_settings").exists()


def test_settings_of_another_site_are_not_found(clinic_admin, west_hartford):
    with pytest.raises(NotFoundError):
        services.treatment_settings_update(
            actor=clinic_admin,
            site=west_hartford,
            integration_window_hours=48,
            weight_max_age_days=30,
            bag_volume_ml=Decimal("100.0"),
            concentration_mg_per_ml=Decimal("10.00"),
        )
    assert SiteTreatmentSettings.objects.count() == 0


def test_a_physician_cannot_change_site_settings(physician, boston):
    with pytest.raises(PermissionDeniedError):
        services.treatment_settings_update(
            actor=physician,
            site=boston,
            integration_window_hours=48,
            weight_max_age_days=30,
            bag_volume_ml=Decimal("100.0"),
            concentration_mg_per_ml=Decimal("10.00"),
        )
    assert SiteTreatmentSettings.objects.count() == 0

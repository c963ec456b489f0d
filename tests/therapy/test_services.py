"""Preparation and integration notes: drafts, signatures, the signed-note lock, scheduling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.courses import services as course_services
from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.therapy import services
from ketaclinic.therapy.models import IntegrationSession, NoteStatus, PreparationSession
from ketaclinic.therapy.services import IntegrationContent, PreparationContent
from tests.courses.factories import active_course, enrol, integration_for, signed_infusion
from tests.treatment import InfusionFactory

CONTENT = PreparationContent(
    intentions="To stop drinking (synthetic)",
    expectations="Dissociation (synthetic)",
    set_and_setting="Quiet room (synthetic)",
    questions="None (synthetic)",
    consent_reviewed=True,
)


def _notes() -> tuple[object, ...]:
    return (
        list(PreparationSession.objects.values_list("pk", "status", "intentions")),
        list(IntegrationSession.objects.values_list("pk", "status", "what_emerged", "craving_now")),
        AuditEvent.objects.exclude(action=Action.ACCESS_DENIED).count(),
    )


@pytest.fixture
def course(ready, physician, kare, therapist):
    return active_course(patient=ready, physician=physician, version=kare, therapist=therapist)


@pytest.fixture
def integration(course, nurse):
    return integration_for(signed_infusion(course=course, nurse=nurse))


# --- Preparation --------------------------------------------------------------------------------


def test_a_physician_writes_and_signs_a_preparation(course, physician):
    note = services.preparation_create(actor=physician, course=course, content=CONTENT)
    signed = services.preparation_sign(actor=physician, preparation=note)

    assert (signed.status, signed.signed_by, signed.physician) == ("signed", physician, physician)
    assert signed.intentions == "To stop drinking (synthetic)"
    details = list(
        AuditEvent.objects.filter(target_type="preparation_session")
        .order_by("id")
        .values_list("action", "detail")
    )
    assert details == [("create", "preparation draft"), ("update", "preparation signed")]


def test_a_preparation_can_be_written_for_a_planned_course(ready, physician, kare):
    course = enrol(patient=ready, physician=physician, version=kare)

    note = services.preparation_create(actor=physician, course=course, content=CONTENT)

    assert note.status == NoteStatus.DRAFT


def test_several_preparations_per_course_are_allowed(course, physician):
    for _ in range(2):
        note = services.preparation_create(actor=physician, course=course, content=CONTENT)
        services.preparation_sign(actor=physician, preparation=note)

    assert PreparationSession.objects.filter(course=course, status="signed").count() == 2


def test_a_draft_keeps_half_filled_fields(course, physician):
    note = services.preparation_create(
        actor=physician, course=course, content=PreparationContent(intentions="Half (synthetic)")
    )
    services.preparation_update(
        actor=physician,
        preparation=note,
        content=PreparationContent(intentions="Half, more (synthetic)", questions="Q (synthetic)"),
    )

    note.refresh_from_db()
    assert (note.intentions, note.questions, note.status) == (
        "Half, more (synthetic)",
        "Q (synthetic)",
        "draft",
    )


def test_signing_needs_consent_reviewed_and_intentions(course, physician):
    note = services.preparation_create(
        actor=physician, course=course, content=PreparationContent(expectations="x (synthetic)")
    )
    before = _notes()

    with pytest.raises(ApplicationError) as refused:
        services.preparation_sign(actor=physician, preparation=note)

    assert refused.value.message == (
        "Cannot sign yet: Write the patient's intentions: they carry forward to every "
        "integration session. Tick 'consent reviewed' once you have gone through the treatment "
        "consent with the patient."
    )
    assert sorted(refused.value.field_errors) == ["consent_reviewed", "intentions"]
    assert _notes() == before


def test_a_signed_preparation_is_never_edited(course, physician):
    note = services.preparation_create(actor=physician, course=course, content=CONTENT)
    services.preparation_sign(actor=physician, preparation=note)
    before = _notes()

    with pytest.raises(ApplicationError) as refused:
        services.preparation_update(
            actor=physician, preparation=note, content=PreparationContent(intentions="Changed")
        )
    with pytest.raises(ApplicationError):
        services.preparation_sign(actor=physician, preparation=note)

    assert refused.value.message == (
        "This preparation note is signed and can no longer be edited: add what is new to the "
        "next session's note."
    )
    assert _notes() == before


def test_a_therapist_cannot_write_a_preparation(course, therapist):
    before = _notes()

    with pytest.raises(PermissionDeniedError, match="Only a physician holds and signs"):
        services.preparation_create(actor=therapist, course=course, content=CONTENT)

    assert _notes() == before


def test_a_physician_at_another_site_gets_not_found(course, wh_physician):
    before = _notes()

    with pytest.raises(NotFoundError):
        services.preparation_create(actor=wh_physician, course=course, content=CONTENT)

    assert _notes() == before


def test_no_preparation_for_a_closed_course(course, physician):
    course_services.course_discontinue(actor=physician, course=course, reason="Stop (synthetic)")
    before = _notes()

    with pytest.raises(ApplicationError, match="The course is discontinued: preparation belongs"):
        services.preparation_create(actor=physician, course=course, content=CONTENT)

    assert _notes() == before


def test_a_future_held_at_is_refused(course, physician):
    before = _notes()

    with pytest.raises(ApplicationError) as refused:
        services.preparation_create(
            actor=physician,
            course=course,
            content=CONTENT,
            held_at=timezone.now() + dt.timedelta(days=2),
        )

    assert list(refused.value.field_errors) == ["held_at"]
    assert _notes() == before


# --- Integration scheduling -----------------------------------------------------------------------


def test_signing_an_infusion_schedules_its_integration_within_the_site_window(
    course, nurse, therapist, clinic_admin, boston
):
    """Given a 48-hour window at Boston, the integration is due 48 h after the signature and
    assigned to the course's therapist."""
    course_services.treatment_settings_update(
        actor=clinic_admin,
        site=boston,
        integration_window_hours=48,
        weight_max_age_days=30,
        bag_volume_ml=Decimal("100.0"),
        concentration_mg_per_ml=Decimal("10.00"),
    )
    infusion = signed_infusion(course=course, nurse=nurse)

    session = services.integration_schedule(infusion=infusion)

    assert infusion.signed_at is not None
    assert session.due_at == infusion.signed_at + dt.timedelta(hours=48)
    assert (session.therapist, session.status, session.course) == (therapist, "draft", course)
    assert services.integration_schedule(infusion=infusion) == session  # idempotent


def test_an_unsigned_infusion_is_owed_no_integration(course, nurse):
    infusion = InfusionFactory(course=course, created_by=nurse, status=InfusionStatus.ENDED)

    with pytest.raises(ApplicationError, match="Only a signed infusion"):
        services.integration_schedule(infusion=infusion)

    assert IntegrationSession.objects.count() == 0


# --- Integration notes ---------------------------------------------------------------------------


def test_a_therapist_writes_and_signs_the_integration(integration, therapist):
    held = timezone.now() - dt.timedelta(minutes=30)
    services.integration_update(
        actor=therapist,
        integration=integration,
        content=IntegrationContent(
            what_emerged="Grief (synthetic)",
            insights="Urges pass (synthetic)",
            commitments="Walk daily (synthetic)",
            relapse_prevention_plan="Call sponsor (synthetic)",
            craving_now=3,
        ),
        held_at=held,
    )

    signed = services.integration_sign(actor=therapist, integration=integration)

    assert (signed.status, signed.signed_by, signed.craving_now, signed.held_at) == (
        "signed",
        therapist,
        3,
        held,
    )


def test_integration_signature_needs_held_at_what_emerged_and_craving(integration, therapist):
    before = _notes()

    with pytest.raises(ApplicationError) as refused:
        services.integration_sign(actor=therapist, integration=integration)

    assert refused.value.message == (
        "Cannot sign yet: Enter when the session was held. Write what emerged in the session. "
        "Record the patient's craving now (0-10)."
    )
    assert _notes() == before


@pytest.mark.parametrize("craving", [-1, 11])
def test_craving_outside_0_to_10_is_refused(integration, therapist, craving):
    before = _notes()

    with pytest.raises(ApplicationError) as refused:
        services.integration_update(
            actor=therapist,
            integration=integration,
            content=IntegrationContent(craving_now=craving),
        )

    assert refused.value.field_errors == {
        "craving_now": ["Craving now is scored 0 (none) to 10 (worst): enter a whole number 0-10."]
    }
    assert _notes() == before


def test_an_integration_held_before_the_infusion_is_refused(integration, therapist):
    before = _notes()

    with pytest.raises(ApplicationError, match="Held at is before infusion 1"):
        services.integration_update(
            actor=therapist,
            integration=integration,
            content=IntegrationContent(what_emerged="x"),
            held_at=integration.infusion.started_at - dt.timedelta(hours=1),
        )

    assert _notes() == before


def test_a_signed_integration_is_never_edited(integration, therapist):
    services.integration_update(
        actor=therapist,
        integration=integration,
        content=IntegrationContent(what_emerged="x (synthetic)", craving_now=2),
        held_at=timezone.now(),
    )
    services.integration_sign(actor=therapist, integration=integration)
    before = _notes()

    with pytest.raises(ApplicationError, match="This integration note is signed"):
        services.integration_update(
            actor=therapist, integration=integration, content=IntegrationContent(craving_now=9)
        )

    assert _notes() == before


def test_a_physician_cannot_sign_an_integration(integration, physician):
    before = _notes()

    with pytest.raises(PermissionDeniedError, match="Only a therapist"):
        services.integration_update(
            actor=physician, integration=integration, content=IntegrationContent()
        )

    assert _notes() == before


def test_a_therapist_at_another_site_gets_not_found(integration, wh_therapist):
    before = _notes()

    with pytest.raises(NotFoundError):
        services.integration_sign(actor=wh_therapist, integration=integration)

    assert _notes() == before

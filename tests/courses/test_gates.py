"""Every infusion gate (issue 5 item 3), passed and failed, with exact codes and messages.

The infusion engineer tests that a refused start writes nothing; here the gates themselves.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.courses import services
from ketaclinic.courses.gates import infusion_gates, require_infusion_gates
from ketaclinic.courses.models import CourseStatus, GateCode
from ketaclinic.eligibility.choices import FamilyHistory, PriorKetamineUse
from ketaclinic.eligibility.rules import RiskFacts
from ketaclinic.eligibility.services import risk_benefit_record
from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.therapy.models import NoteStatus, PreparationSession
from tests.courses.factories import (
    active_course,
    expire_treatment_consent,
    integration_for,
    revoke_treatment_consent,
    set_status,
    signed_infusion,
    signed_preparation,
)
from tests.treatment import InfusionFactory

ENTRY = "Abstinent for at least 24 hours"


@pytest.fixture
def course(ready, physician, kare):
    """An active KARE course with a signed preparation: every gate but the checklist passes."""
    course = active_course(patient=ready, physician=physician, version=kare)
    signed_preparation(course=course, physician=physician)
    return course


def _failed(course, session_number=1, confirmed=True, now=None):
    gates = infusion_gates(
        course=course, session_number=session_number, entry_condition_confirmed=confirmed, now=now
    )
    return {gate.code: gate.detail for gate in gates if not gate.passed}


def _site_time(moment):
    return timezone.localtime(moment, zoneinfo.ZoneInfo("America/New_York")).strftime(
        "%Y-%m-%d %H:%M %Z"
    )


def test_every_gate_passes_for_a_prepared_active_course(course):
    """Given an active, prepared, consented course, when the checklist confirms the entry
    condition, then all seven gates pass, in a fixed order."""
    gates = infusion_gates(course=course, session_number=1, entry_condition_confirmed=True)

    assert [(g.code, g.passed) for g in gates] == [
        (GateCode.COURSE_ACTIVE, True),
        (GateCode.PREPARATION_SIGNED, True),
        (GateCode.TREATMENT_CONSENT, True),
        (GateCode.RISK_BENEFIT, True),
        (GateCode.PREVIOUS_INFUSION_CLOSED, True),
        (GateCode.INTEGRATION_NOT_OVERDUE, True),
        (GateCode.ENTRY_CONDITION, True),
    ]
    assert gates[-1].detail == f"Confirmed at the checklist: {ENTRY}."
    assert require_infusion_gates(course=course, session_number=1, entry_condition_confirmed=True)


def test_gates_run_in_a_fixed_number_of_queries(course, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        infusion_gates(course=course, session_number=2, entry_condition_confirmed=True)


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (
            CourseStatus.PLANNED,
            "The course is planned: a physician must start the course on the course page.",
        ),
        (
            CourseStatus.PAUSED,
            "The course is paused: a physician must resume the course on the course page.",
        ),
        (
            CourseStatus.DISCONTINUED,
            "The course is discontinued: enrol the patient in a new course.",
        ),
    ],
)
def test_course_not_active(course, status, detail):
    set_status(course, status, reason="Because (synthetic)" if status != "planned" else "")

    assert _failed(course) == {GateCode.COURSE_ACTIVE: detail}


def test_no_signed_preparation(ready, physician, kare):
    """Given only a draft preparation note, the preparation gate fails."""
    course = active_course(patient=ready, physician=physician, version=kare)
    PreparationSession.objects.create(
        course=course, physician=physician, held_at=timezone.now(), intentions="Draft (synthetic)"
    )

    assert _failed(course) == {
        GateCode.PREPARATION_SIGNED: (
            "No signed preparation session: the physician must hold the preparation session "
            "and sign its note before the first infusion."
        )
    }


def test_signed_preparation_detail_shows_site_time(course):
    signed = PreparationSession.objects.get(course=course, status=NoteStatus.SIGNED)
    gates = infusion_gates(course=course, session_number=1, entry_condition_confirmed=True)

    assert gates[1].detail == f"Preparation signed {_site_time(signed.signed_at)}."


CONSENT_MISSING = (
    "No valid treatment consent (none signed, or it was revoked or has expired): "
    "the patient must sign the ketamine treatment consent again."
)


def test_consent_revoked(course, physician):
    revoke_treatment_consent(patient=course.patient, actor=physician)

    assert _failed(course) == {GateCode.TREATMENT_CONSENT: CONSENT_MISSING}


def test_consent_expired(course):
    expire_treatment_consent(patient=course.patient)

    assert _failed(course) == {GateCode.TREATMENT_CONSENT: CONSENT_MISSING}


def test_risk_benefit_unsigned_new_version_after_a_signed_one(course, physician):
    """Given a signed risk-benefit, when a new (unsigned) version is recorded, the gate fails:
    the current version is the one that counts."""
    risk_benefit_record(
        actor=physician,
        patient=course.patient,
        facts=RiskFacts(
            prior_ketamine_use=PriorKetamineUse.NEVER, family_history=FamilyHistory.NONE
        ),
        benefits_discussed="Less craving (synthetic).",
        monitoring_plan="Urine screen (synthetic).",
    )

    assert _failed(course) == {
        GateCode.RISK_BENEFIT: (
            "The current risk-benefit assessment is not signed: the physician must sign it "
            "with the patient on the eligibility page."
        )
    }


@pytest.mark.parametrize(
    "status", [InfusionStatus.SCHEDULED, InfusionStatus.ENDED, InfusionStatus.DISCHARGED]
)
def test_previous_infusion_not_signed(course, nurse, status):
    InfusionFactory(course=course, created_by=nurse, session_number=1, status=status)

    assert _failed(course, session_number=2) == {
        GateCode.PREVIOUS_INFUSION_CLOSED: (
            "Infusion 1 is not signed yet: finish, discharge and sign its flowsheet first."
        )
    }


def test_a_cancelled_previous_infusion_does_not_block(course, nurse):
    InfusionFactory(
        course=course,
        created_by=nurse,
        session_number=1,
        status=InfusionStatus.CANCELLED,
        cancelled_reason="Patient unwell (synthetic)",
    )

    assert _failed(course, session_number=2) == {}


def test_previous_integration_not_yet_due_does_not_block(course, nurse):
    integration_for(signed_infusion(course=course, nurse=nurse))

    assert _failed(course, session_number=2) == {}


def test_previous_integration_overdue(course, nurse):
    """Given infusion 1 signed 80 hours ago (window 72 h) and its integration unsigned, the
    next infusion is blocked, naming the due time in site time."""
    infusion = signed_infusion(
        course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
    )
    session = integration_for(infusion)

    assert _failed(course, session_number=2) == {
        GateCode.INTEGRATION_NOT_OVERDUE: (
            f"The integration session after infusion 1 was due {_site_time(session.due_at)} "
            "and is not signed: the therapist must hold and sign it, or a physician may "
            "override with a written reason."
        )
    }


def test_overdue_integration_signed_late_no_longer_blocks(course, nurse, therapist):
    from ketaclinic.therapy.services import IntegrationContent, integration_sign, integration_update

    infusion = signed_infusion(
        course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
    )
    session = integration_for(infusion)
    integration_update(
        actor=therapist,
        integration=session,
        content=IntegrationContent(what_emerged="Grief (synthetic)", craving_now=3),
        held_at=timezone.now() - dt.timedelta(hours=1),
    )
    integration_sign(actor=therapist, integration=session)

    assert _failed(course, session_number=2) == {}


def test_overdue_but_overridden_by_a_physician(course, nurse, physician):
    integration_for(
        signed_infusion(
            course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
        )
    )
    services.gate_override_record(
        actor=physician, course=course, session_number=2, reason="Therapist ill (synthetic)"
    )

    gates = infusion_gates(course=course, session_number=2, entry_condition_confirmed=True)

    integration = next(g for g in gates if g.code == GateCode.INTEGRATION_NOT_OVERDUE)
    assert (integration.passed, integration.overridden, integration.detail) == (
        True,
        True,
        "Integration overdue; a physician allowed this infusion: Therapist ill (synthetic)",
    )
    # The override names infusion 2 only: it does not allow any other session.
    assert list(_failed(course, session_number=3)) == [GateCode.INTEGRATION_NOT_OVERDUE]


@pytest.mark.parametrize("confirmed", [None, False])
def test_entry_condition_not_confirmed(course, confirmed):
    assert _failed(course, confirmed=confirmed) == {
        GateCode.ENTRY_CONDITION: (
            f"Entry condition not confirmed ({ENTRY}): confirm it on the pre-infusion checklist."
        )
    }


def test_require_names_every_missing_gate_and_its_fix(course):
    set_status(course, CourseStatus.PAUSED, reason="BP review (synthetic)")

    with pytest.raises(ApplicationError) as refused:
        require_infusion_gates(course=course, session_number=1, entry_condition_confirmed=False)

    assert refused.value.code == ErrorCode.CONFLICT
    assert refused.value.message == (
        "The infusion cannot start: The course is paused: a physician must resume the course "
        f"on the course page. Entry condition not confirmed ({ENTRY}): confirm it on the "
        "pre-infusion checklist."
    )
    assert list(refused.value.field_errors) == [GateCode.COURSE_ACTIVE, GateCode.ENTRY_CONDITION]

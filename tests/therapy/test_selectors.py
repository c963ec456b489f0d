"""Therapy reads: carry-forward, overdue, the dashboard, scoped note reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import NotFoundError, PermissionDeniedError
from ketaclinic.courses import services as course_services
from ketaclinic.therapy import selectors
from ketaclinic.therapy.services import IntegrationContent, integration_sign, integration_update
from tests.courses.factories import active_course, integration_for, signed_infusion
from tests.factories import PatientFactory
from tests.treatment import SignedPreparationFactory, ready_patient


@pytest.fixture
def course(ready, physician, kare, therapist):
    return active_course(patient=ready, physician=physician, version=kare, therapist=therapist)


def _sign(session, therapist, commitments):
    integration_update(
        actor=therapist,
        integration=session,
        content=IntegrationContent(
            what_emerged="x (synthetic)", commitments=commitments, craving_now=2
        ),
        held_at=timezone.now(),
    )
    return integration_sign(actor=therapist, integration=session)


def test_carry_forward_shows_the_latest_signed_intentions_and_commitments(
    course, physician, nurse, therapist
):
    SignedPreparationFactory(
        course=course,
        physician=physician,
        intentions="Old (synthetic)",
        signed_at=timezone.now() - dt.timedelta(days=3),
    )
    latest = SignedPreparationFactory(
        course=course, physician=physician, intentions="New (synthetic)"
    )
    first = integration_for(
        signed_infusion(course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(days=2))
    )
    _sign(first, therapist, "Walk daily (synthetic)")
    second = integration_for(signed_infusion(course=course, nurse=nurse, session_number=2))

    for_second = selectors.carry_forward(course=course, before=second)
    for_first = selectors.carry_forward(course=course, before=first)

    assert (for_second.preparation, for_second.intentions) == (latest, "New (synthetic)")
    assert for_second.commitments == "Walk daily (synthetic)"
    assert for_first.commitments == ""  # its own commitments are not "previous"


def test_a_booster_carries_forward_from_the_course_it_follows(course, physician):
    SignedPreparationFactory(course=course, physician=physician, intentions="First (synthetic)")
    course_services.course_complete(actor=physician, course=course)
    booster = course_services.course_booster_enrol(
        actor=physician,
        course=course,
        protocol_version=course.protocol_version,
        planned_start=timezone.localdate(),
        supervising_physician=physician,
    )

    assert selectors.carry_forward(course=booster).intentions == "First (synthetic)"


def test_is_overdue_only_when_unsigned_and_past_due(course, nurse):
    session = integration_for(signed_infusion(course=course, nurse=nurse))

    assert not selectors.is_overdue(session)
    assert selectors.is_overdue(session, now=session.due_at + dt.timedelta(seconds=1))


def test_dashboard_splits_overdue_soon_and_later_and_audits_each_patient(
    course, nurse, therapist, physician, boston, django_assert_max_num_queries
):
    overdue = integration_for(
        signed_infusion(
            course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
        )
    )
    other = ready_patient(patient=PatientFactory(site=boston), physician=physician, seed=9)
    other_course = active_course(patient=other, physician=physician)
    soon = integration_for(
        signed_infusion(
            course=other_course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=60)
        )
    )

    with django_assert_max_num_queries(4):
        due = selectors.integrations_due(user=therapist)

    assert (due.overdue, due.due_soon, due.later) == ([overdue], [soon], [])
    reads = AuditEvent.objects.filter(target_type="integrations_due", action=Action.READ)
    assert sorted(reads.values_list("patient_id", flat=True)) == sorted(
        [course.patient_id, other.pk]
    )
    assert selectors.integrations_due_counts(user=therapist) == (1, 1)


def test_dashboard_hides_other_sites(course, nurse, wh_therapist):
    integration_for(signed_infusion(course=course, nurse=nurse))

    due = selectors.integrations_due(user=wh_therapist)

    assert (due.overdue, due.due_soon, due.later) == ([], [], [])


def test_dashboard_is_for_therapists_and_physicians(nurse):
    with pytest.raises(PermissionDeniedError):
        selectors.integrations_open(user=nurse)

    assert AuditEvent.objects.get(action=Action.ACCESS_DENIED).actor == nurse


def test_integration_get_from_another_site_is_not_found(course, nurse, wh_therapist):
    session = integration_for(signed_infusion(course=course, nurse=nurse))

    with pytest.raises(NotFoundError, match="No integration session with that id at your sites"):
        selectors.integration_get(user=wh_therapist, integration_id=session.pk)
    with pytest.raises(NotFoundError, match="No preparation note with that id"):
        selectors.preparation_get(user=wh_therapist, preparation_id=999999)

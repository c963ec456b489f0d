"""Course reads: planned dates, scoped course reads, the overview and the timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import NotFoundError
from ketaclinic.courses import selectors
from ketaclinic.courses.timeline import course_timeline
from ketaclinic.infusions.models import InfusionStatus
from ketaclinic.protocols.models import ProtocolVersion
from tests.courses.factories import (
    active_course,
    enrol,
    integration_for,
    library_version,
    signed_infusion,
    signed_preparation,
)
from tests.treatment import InfusionFactory


def test_planned_dates_follow_the_protocol_spacing(ready, physician, kare):
    """KARE: 3 sessions a week apart from the planned start."""
    course = enrol(
        patient=ready, physician=physician, version=kare, planned_start=dt.date(2026, 3, 2)
    )

    assert selectors.planned_session_dates(course=course) == [
        (1, dt.date(2026, 3, 2)),
        (2, dt.date(2026, 3, 9)),
        (3, dt.date(2026, 3, 16)),
    ]


def test_without_spacing_only_the_first_session_has_a_date(ready, physician, kare):
    """AZHARI-CANN-2021's second infusion is for non-responders: no date until scheduled."""
    ProtocolVersion.objects.filter(pk=kare.pk).update(session_spacing_days=0)
    kare.refresh_from_db()
    course = enrol(
        patient=ready, physician=physician, version=kare, planned_start=dt.date(2026, 3, 2)
    )

    assert selectors.planned_session_dates(course=course) == [
        (1, dt.date(2026, 3, 2)),
        (2, None),
        (3, None),
    ]


def test_course_get_is_audited_as_a_read_of_the_patient(ready, physician, kare):
    course = enrol(patient=ready, physician=physician, version=kare)

    found = selectors.course_get(user=physician, course_id=course.pk)

    assert found == course
    read = AuditEvent.objects.filter(action=Action.READ, target_type="treatment_course").get()
    assert (read.actor, read.patient_id) == (physician, ready.pk)


def test_course_get_from_another_site_is_a_404_and_audited(ready, physician, wh_physician, kare):
    course = enrol(patient=ready, physician=physician, version=kare)

    with pytest.raises(NotFoundError, match="No treatment course with that id at your sites"):
        selectors.course_get(user=wh_physician, course_id=course.pk)

    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id) == (wh_physician, ready.pk)


def test_course_get_of_a_missing_course_is_the_same_404(physician):
    with pytest.raises(NotFoundError, match="No treatment course with that id at your sites"):
        selectors.course_get(user=physician, course_id=999999)

    assert AuditEvent.objects.get(action=Action.ACCESS_DENIED).detail == "no such course"


def test_overview_matches_infusions_to_sessions_and_gates_the_next(
    ready, physician, nurse, kare, django_assert_max_num_queries
):
    course = active_course(patient=ready, physician=physician, version=kare)
    signed_preparation(course=course, physician=physician)
    first = signed_infusion(course=course, nurse=nurse)
    integration_for(first)
    InfusionFactory(
        course=course,
        created_by=nurse,
        session_number=2,
        status=InfusionStatus.CANCELLED,
        cancelled_reason="Unwell (synthetic)",
    )

    with django_assert_max_num_queries(12):
        overview = selectors.course_overview(course=course)

    assert [(s.number, s.infusion) for s in overview.sessions] == [(1, first), (2, None), (3, None)]
    assert overview.next_session_number == 2
    assert [g.passed for g in overview.next_gates] == [True] * 6 + [False]  # entry condition
    assert overview.infusions[0].integration is not None
    assert overview.infusions[0].flowsheet_url in ("", f"/infusions/{first.pk}/")


def test_no_next_gates_when_the_course_is_closed(ready, physician, kare):
    course = enrol(patient=ready, physician=physician, version=kare)
    from ketaclinic.courses.services import course_discontinue

    course_discontinue(actor=physician, course=course, reason="Stop (synthetic)")

    assert selectors.course_overview(course=course).next_gates == []


def test_chart_courses_shows_the_open_course_first(ready, physician, kare):
    from ketaclinic.courses.services import course_discontinue

    old = enrol(patient=ready, physician=physician, version=kare)
    course_discontinue(actor=physician, course=old, reason="Stop (synthetic)")
    current = enrol(patient=ready, physician=physician, version=kare)

    chart = selectors.chart_courses(patient=ready)

    assert chart.current is not None
    assert chart.current.course == current
    assert chart.others == [old]


def test_enrolment_offers_only_usable_versions(ready, kare):
    versions, _physicians, _therapists = selectors.enrolment_choices(patient=ready)

    codes = {v.template.code for v in versions}
    assert kare.template.code in codes
    assert "das-2019" not in codes


# --- Timeline -----------------------------------------------------------------------------------


def test_timeline_marks_preparation_infusions_integrations_and_planned_sessions(
    ready, physician, nurse, kare
):
    course = active_course(patient=ready, physician=physician, version=kare)
    signed_preparation(course=course, physician=physician)
    integration_for(
        signed_infusion(
            course=course, nurse=nurse, signed_at=timezone.now() - dt.timedelta(hours=80)
        )
    )

    timeline = course_timeline(overview=selectors.course_overview(course=course))

    labels = [(e.lane, e.state) for e in timeline.events]
    assert ("preparation", "signed") in labels
    assert ("infusion", "signed") in labels
    assert ("integration", "overdue") in labels
    assert labels.count(("infusion", "planned")) == 2
    svg = str(timeline.svg)
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg
    assert f'<title id="course-{course.pk}-timeline-title">Course timeline: {kare}</title>' in svg
    assert "<desc " in svg
    assert "style=" not in svg  # the CSP forbids inline styles
    assert "Integration after infusion 1: overdue" in svg


def test_timeline_plots_craving_and_phq9_scores(ready, physician, kare):
    from ketaclinic.questionnaires.seed import seed_configuration
    from ketaclinic.questionnaires.services import response_submit

    seed_configuration()
    course = active_course(patient=ready, physician=physician, version=kare)
    response_submit(
        actor=physician, patient=ready, instrument_code="craving", answers={"craving_1": 7}
    )

    timeline = course_timeline(overview=selectors.course_overview(course=course))

    scores = [e for e in timeline.events if e.lane == "score"]
    assert [(e.state, e.value) for e in scores] == [("craving", Decimal(7))]
    assert "<polyline" not in str(timeline.svg)  # one point: no line yet
    assert "Craving (0-10): 7" in str(timeline.svg)


def test_library_version_is_the_active_kare(kare):
    assert library_version("kare-2022") == kare

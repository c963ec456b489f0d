"""The demo helpers go through the services and leave courses in the requested state."""

from __future__ import annotations

import pytest

from ketaclinic.courses.models import CourseStatusChange
from ketaclinic.courses.seed import seed_course, seed_integration_note
from ketaclinic.therapy.models import PreparationSession
from tests.courses.factories import integration_for, signed_infusion


@pytest.mark.parametrize(
    ("status", "history"),
    [
        ("planned", ["planned"]),
        ("active", ["planned", "active"]),
        ("paused", ["planned", "active", "paused"]),
        ("completed", ["planned", "active", "completed"]),
        ("discontinued", ["planned", "discontinued"]),
    ],
)
def test_seed_course_reaches_each_status(ready, physician, therapist, kare, status, history):
    course = seed_course(
        patient=ready,
        physician=physician,
        therapist=therapist,
        protocol_code=kare.template.code,
        status=status,
        seed=3,
    )

    course.refresh_from_db()
    assert course.status == status
    assert (
        list(CourseStatusChange.objects.filter(course=course).values_list("to_status", flat=True))
        == history
    )
    if status in ("paused", "discontinued"):
        assert course.status_reason.endswith("(synthetic)")
    prepared = PreparationSession.objects.filter(course=course, status="signed")
    assert prepared.exists() == (status in ("active", "paused", "completed"))
    assert all(p.intentions.endswith("(synthetic).") for p in prepared)


def test_seed_integration_note_signs_with_synthetic_text(ready, physician, therapist, nurse, kare):
    course = seed_course(
        patient=ready,
        physician=physician,
        therapist=therapist,
        protocol_code=kare.template.code,
        status="active",
        seed=4,
    )
    session = integration_for(signed_infusion(course=course, nurse=nurse))

    signed = seed_integration_note(integration=session, therapist=therapist, seed=4)

    assert signed.status == "signed"
    assert signed.what_emerged.endswith("(synthetic).")
    assert 1 <= (signed.craving_now or 0) <= 5

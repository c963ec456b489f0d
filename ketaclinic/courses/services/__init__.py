"""Writes for treatment courses, one module per workflow."""

from ketaclinic.courses.services.enrolment import course_booster_enrol, course_enrol
from ketaclinic.courses.services.overrides import gate_override_record
from ketaclinic.courses.services.settings import treatment_settings_update
from ketaclinic.courses.services.status import (
    course_complete,
    course_discontinue,
    course_pause,
    course_resume,
    course_start,
)

__all__ = [
    "course_booster_enrol",
    "course_complete",
    "course_discontinue",
    "course_enrol",
    "course_pause",
    "course_resume",
    "course_start",
    "gate_override_record",
    "treatment_settings_update",
]

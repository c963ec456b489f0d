"""API shapes for treatment courses."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import AwareDatetime

from ketaclinic.core.api import StrictSchema
from ketaclinic.courses.models import CourseStatusChange, GateOverride, TreatmentCourse


def _username(user: object) -> str | None:
    return getattr(user, "username", None)


class CourseEnrolIn(StrictSchema):
    protocol_version_id: int = Field(..., description="An active, usable protocol version.")
    planned_start: dt.date
    supervising_physician_id: int = Field(..., description="A physician at the patient's site.")
    therapist_id: int | None = Field(None, description="A therapist at the patient's site.")
    addiction_target_id: int | None = None
    sessions_planned: int | None = Field(
        None, ge=1, description="Leave out for the protocol's number of sessions."
    )
    booster_of_id: int | None = Field(
        None, description="A completed course of this patient: enrols a booster course."
    )


class ReasonIn(StrictSchema):
    reason: str = Field(..., max_length=300)


class GateOverrideIn(StrictSchema):
    session_number: int = Field(..., ge=1, description="The infusion the override allows.")
    reason: str = Field(..., max_length=500)


class InfusionBookIn(StrictSchema):
    session_number: int = Field(..., ge=1, description="A planned session without an infusion.")
    scheduled_at: AwareDatetime = Field(
        ..., description="With its UTC offset, for example 2026-03-02T09:00:00-05:00."
    )
    chair: str = Field("", max_length=40, description="Free text, for example 'Chair 2'.")


class InfusionBookedOut(Schema):
    id: int
    course_id: int
    session_number: int
    status: str
    scheduled_at: dt.datetime
    chair: str
    flowsheet_url: str


class CourseOut(Schema):
    id: int
    patient_id: int
    protocol_code: str
    protocol_version_id: int
    protocol_version_number: int
    kind: str
    booster_of_id: int | None
    status: str
    status_reason: str
    status_changed_at: dt.datetime
    sessions_planned: int
    planned_start: dt.date
    addiction_target_id: int | None
    supervising_physician: str
    therapist: str | None
    enrolled_by: str
    enrolled_at: dt.datetime

    @staticmethod
    def resolve_protocol_code(obj: TreatmentCourse) -> str:
        return obj.protocol_version.template.code

    @staticmethod
    def resolve_protocol_version_number(obj: TreatmentCourse) -> int:
        return obj.protocol_version.number

    @staticmethod
    def resolve_supervising_physician(obj: TreatmentCourse) -> str:
        return obj.supervising_physician.username

    @staticmethod
    def resolve_therapist(obj: TreatmentCourse) -> str | None:
        return _username(obj.therapist)

    @staticmethod
    def resolve_enrolled_by(obj: TreatmentCourse) -> str:
        return obj.enrolled_by.username


class CoursePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CourseOut]


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    changed_by: str
    changed_at: dt.datetime

    @staticmethod
    def resolve_changed_by(obj: CourseStatusChange) -> str:
        return obj.changed_by.username


class PlannedSessionOut(Schema):
    number: int
    planned_on: dt.date | None
    infusion_id: int | None
    infusion_status: str | None


class GateOut(Schema):
    code: str
    label: str
    passed: bool
    overridden: bool
    detail: str


class GateOverrideOut(Schema):
    id: int
    course_id: int
    gate: str
    session_number: int
    reason: str
    overridden_by: str
    overridden_at: dt.datetime

    @staticmethod
    def resolve_overridden_by(obj: GateOverride) -> str:
        return obj.overridden_by.username


class CourseDetailOut(Schema):
    course: CourseOut
    history: list[StatusChangeOut]
    sessions: list[PlannedSessionOut]
    overrides: list[GateOverrideOut]


class GatesOut(Schema):
    course_id: int
    session_number: int
    ready: bool
    gates: list[GateOut]

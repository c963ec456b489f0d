"""API shapes for preparation and integration notes."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ketaclinic.core.api import StrictSchema
from ketaclinic.therapy.models import IntegrationSession, NoteStatus


def _username(user: object) -> str | None:
    return getattr(user, "username", None)


class PreparationIn(StrictSchema):
    held_at: dt.datetime | None = Field(None, description="Default: now. With a time zone.")
    intentions: str = Field("", max_length=5000)
    expectations: str = Field("", max_length=5000)
    set_and_setting: str = Field("", max_length=5000)
    questions: str = Field("", max_length=5000)
    consent_reviewed: bool = False


class PreparationPatchIn(StrictSchema):
    held_at: dt.datetime | None = None
    intentions: str | None = Field(None, max_length=5000)
    expectations: str | None = Field(None, max_length=5000)
    set_and_setting: str | None = Field(None, max_length=5000)
    questions: str | None = Field(None, max_length=5000)
    consent_reviewed: bool | None = None


class IntegrationPatchIn(StrictSchema):
    held_at: dt.datetime | None = None
    what_emerged: str | None = Field(None, max_length=5000)
    insights: str | None = Field(None, max_length=5000)
    commitments: str | None = Field(None, max_length=5000)
    relapse_prevention_plan: str | None = Field(None, max_length=5000)
    craving_now: int | None = Field(None, ge=0, le=10)


class PreparationOut(Schema):
    id: int
    course_id: int
    physician: str
    held_at: dt.datetime
    intentions: str
    expectations: str
    set_and_setting: str
    questions: str
    consent_reviewed: bool
    status: str
    signed_by: str | None
    signed_at: dt.datetime | None

    @staticmethod
    def resolve_physician(obj: object) -> str | None:
        return _username(getattr(obj, "physician", None))

    @staticmethod
    def resolve_signed_by(obj: object) -> str | None:
        return _username(getattr(obj, "signed_by", None))


class IntegrationOut(Schema):
    id: int
    course_id: int
    infusion_id: int
    session_number: int
    due_at: dt.datetime
    overdue: bool
    therapist: str | None
    held_at: dt.datetime | None
    what_emerged: str
    insights: str
    commitments: str
    relapse_prevention_plan: str
    craving_now: int | None
    status: str
    signed_by: str | None
    signed_at: dt.datetime | None

    @staticmethod
    def resolve_session_number(obj: IntegrationSession) -> int:
        return obj.infusion.session_number

    @staticmethod
    def resolve_overdue(obj: IntegrationSession) -> bool:
        from django.utils import timezone

        return obj.status == NoteStatus.DRAFT and obj.due_at < timezone.now()

    @staticmethod
    def resolve_therapist(obj: IntegrationSession) -> str | None:
        return _username(obj.therapist)

    @staticmethod
    def resolve_signed_by(obj: IntegrationSession) -> str | None:
        return _username(obj.signed_by)


class PreparationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PreparationOut]


class IntegrationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[IntegrationOut]


class DueIntegrationOut(Schema):
    id: int
    course_id: int
    infusion_id: int
    session_number: int
    patient_id: int
    patient_name: str
    mrn: str
    site_id: int
    due_at: dt.datetime
    overdue: bool
    therapist: str | None


class DueIntegrationPage(Schema):
    count: int
    overdue_count: int
    due_soon_count: int
    limit: int
    offset: int
    as_of: dt.datetime
    items: list[DueIntegrationOut]

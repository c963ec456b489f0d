"""API shapes for the calendar."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import AwareDatetime

from ketaclinic.core.api import PageParams, StrictSchema


class AvailabilityParams(Schema):
    site: int = Field(..., description="One of your sites.")
    kind: str = Field(..., description="evaluation, preparation, infusion, integration, follow_up")
    from_: dt.date | None = Field(None, alias="from", description="First day (site date); today")
    days: int = Field(7, ge=1, le=28)
    course_id: int | None = Field(None, description="For an infusion: the course's spacing.")


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    resource_ids: list[int]
    clinician_ids: list[int]
    nurse_ids: list[int]
    late: bool = Field(..., description="After the protocol's spacing window (infusions).")


class SlotDayOut(Schema):
    day: dt.date
    slots: list[SlotOut]


class GateWarningOut(Schema):
    code: str
    label: str
    detail: str


class AvailabilityOut(Schema):
    site_id: int
    kind: str
    default_minutes: int
    session_number: int | None
    spacing: str | None
    warnings: list[GateWarningOut]
    days: list[SlotDayOut]


class AppointmentBookIn(StrictSchema):
    patient_id: int
    kind: str = Field(..., description="evaluation, preparation, infusion, integration, follow_up")
    starts_at: AwareDatetime = Field(..., description="With its UTC offset.")
    resource_id: int = Field(..., description="A chair (infusions) or room at the patient's site.")
    clinician_id: int | None = Field(
        None,
        description="The clinician; for an infusion the supervising physician (any physician "
        "on site when left out); for an integration the course's therapist when left out.",
    )
    nurse_id: int | None = Field(None, description="Infusions: the nurse.")
    minutes: int | None = Field(None, ge=5, le=600, description="Leave out for the usual length.")
    integration_for_id: int | None = Field(None, description="Integrations: the infusion.")
    note: str = Field("", max_length=300, description="Front-desk note, no clinical detail.")


class ReasonIn(StrictSchema):
    reason: str = Field(..., max_length=300)


class AppointmentOut(Schema):
    id: int
    site_id: int
    patient_id: int | None = Field(None, description="Only for roles that may see patients.")
    patient_mrn: str | None = None
    kind: str
    status: str
    status_reason: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    resource_id: int | None
    resource_name: str | None
    clinician_id: int | None
    nurse_id: int | None
    course_id: int | None
    infusion_id: int | None
    integration_for_id: int | None


class AppointmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AppointmentOut]


class AppointmentListParams(PageParams):
    site: int
    from_: dt.date = Field(..., alias="from", description="First day, site date.")
    to: dt.date = Field(..., description="Last day (included), site date.")

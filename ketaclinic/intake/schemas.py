from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from ketaclinic.core.api import StrictSchema
from ketaclinic.intake.models import Inquiry, InquiryStatus, InquiryStatusChange
from ketaclinic.intake.selectors import inquiry_history
from ketaclinic.patients.models import Sex


class InquiryOut(Schema):
    id: int
    site: str
    status: InquiryStatus
    is_urgent: bool
    crisis_reported: bool
    received_at: dt.datetime
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    phone: str
    email: str
    preferred_contact: str
    addictions: list[str]
    addiction_other: str
    prior_treatment: str
    high_blood_pressure: str
    psychosis_history: str
    pregnancy: str
    prior_ketamine_misuse: str
    patient_id: int | None

    @staticmethod
    def resolve_site(obj: object) -> str:
        return obj.site.slug  # type: ignore[attr-defined,no-any-return]  # an Inquiry


class StatusChangeOut(Schema):
    from_status: InquiryStatus
    to_status: InquiryStatus
    note: str
    changed_by: str
    changed_at: dt.datetime

    @staticmethod
    def resolve_changed_by(obj: object) -> str:
        return obj.changed_by.username  # type: ignore[attr-defined,no-any-return]  # a change row


class InquiryDetailOut(InquiryOut):
    history: list[StatusChangeOut]

    @staticmethod
    def resolve_history(obj: Inquiry) -> list[InquiryStatusChange]:
        return list(inquiry_history(inquiry=obj))


class InquiryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InquiryOut]


class StatusChangeIn(StrictSchema):
    status: InquiryStatus
    note: str = Field(max_length=2000, description="What happened; required, not blank.")


class ConvertIn(StrictSchema):
    date_of_birth: dt.date | None = Field(
        None, description="Required when the inquiry has none; overrides the one it has."
    )
    attach_to_patient_id: int | None = Field(
        None, description="Link the inquiry to this existing patient instead of creating one."
    )
    sex: Sex = Field(Sex.UNKNOWN, description="The patient's sex, for sex-specific cut-offs.")
    create_anyway: bool = Field(
        False, description="Create a new patient even though possible duplicates exist."
    )


class ConvertOut(Schema):
    patient_id: int
    mrn: str
    created: bool


class CandidateOut(Schema):
    patient_id: int
    mrn: str
    matched_on: list[str]


class DuplicateOut(Schema):
    detail: str
    code: str
    candidates: list[CandidateOut]

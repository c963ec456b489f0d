from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ketaclinic.consent.models import (
    ConsentKind,
    ConsentTemplate,
    PatientConsent,
    RevocationChannel,
)
from ketaclinic.consent.selectors import consent_status
from ketaclinic.core.api import StrictSchema


class ConsentSignIn(StrictSchema):
    kind: ConsentKind
    template_id: int | None = Field(None, description="Leave out to sign the active version.")
    signature_name: str = Field(..., max_length=200, description="The name the patient typed.")
    witnessed: bool = Field(..., description="You saw the patient sign; must be true for now.")
    discloser: str = Field("", max_length=2000, description="Part 2: who may disclose.")
    information_description: str = Field("", max_length=4000)
    recipients: str = Field("", max_length=4000, description="Part 2: a name or a class.")
    recipients_all_tpo: bool = Field(
        False, description="Part 2: all future treatment, payment and health care operations."
    )
    purpose: str = Field("", max_length=4000)
    revocation_statement: str | None = Field(
        None, max_length=4000, description="Part 2: leave out to use the template's wording."
    )
    expires_on: dt.date | None = None
    ending_event: str = Field("", max_length=2000)


class ConsentRevokeIn(StrictSchema):
    reason: str = Field(..., max_length=2000)
    received_via: RevocationChannel = RevocationChannel.IN_PERSON


def _username(user: object) -> str | None:
    return getattr(user, "username", None)


class ConsentOut(Schema):
    id: int
    patient_id: int
    kind: str
    status: str
    template_id: int
    template_version: int
    patient_name: str
    discloser: str
    information_description: str
    recipients: str
    recipients_all_tpo: bool
    purpose: str
    revocation_statement: str
    expires_on: dt.date | None
    ending_event: str
    ending_event_occurred_at: dt.datetime | None
    signature_name: str
    signed_at: dt.datetime
    signed_via: str
    witnessed_by: str | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revocation_reason: str
    revocation_received_via: str

    @staticmethod
    def resolve_status(obj: PatientConsent) -> str:
        return consent_status(consent=obj).value

    @staticmethod
    def resolve_template_version(obj: PatientConsent) -> int:
        return obj.template.version

    @staticmethod
    def resolve_witnessed_by(obj: PatientConsent) -> str | None:
        return _username(obj.witnessed_by)

    @staticmethod
    def resolve_revoked_by(obj: PatientConsent) -> str | None:
        return _username(obj.revoked_by)


class ConsentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ConsentOut]


class ConsentTemplateOut(Schema):
    id: int
    kind: str
    version: int
    title: str
    body: str
    revocation_statement: str
    site: str | None
    status: str
    activated_at: dt.datetime | None

    @staticmethod
    def resolve_site(obj: ConsentTemplate) -> str | None:
        return obj.site.slug if obj.site is not None else None


class ConsentTemplatePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ConsentTemplateOut]

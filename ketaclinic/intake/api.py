"""Inquiries for staff integrations: the same selectors and services as the triage pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError
from ketaclinic.intake import selectors, services
from ketaclinic.intake.models import Inquiry, InquiryStatus
from ketaclinic.intake.schemas import (
    ConvertIn,
    ConvertOut,
    DuplicateOut,
    InquiryDetailOut,
    InquiryPage,
    StatusChangeIn,
)

router = Router(tags=["intake"])

_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class InquiryListParams(PageParams):
    status: InquiryStatus | None = Field(None, description="Only inquiries in this status.")
    urgent: bool | None = Field(None, description="true: only urgent; false: only not urgent.")


@router.get("/inquiries", response={200: InquiryPage, 400: ErrorOut, 403: ErrorOut})
def list_inquiries(request: HttpRequest, params: Query[InquiryListParams]) -> dict[str, object]:
    """Inquiries at your sites, urgent first, then oldest; each page shown is audited."""
    reject_unknown_params(request, {"status", "urgent", "limit", "offset"})
    user = api_user(request)
    queryset = selectors.inquiry_list(
        user=user, status=params.status or selectors.STATUS_ALL, urgent=params.urgent
    )
    page = api_page(queryset, params)
    selectors.inquiry_list_audit(user=user, inquiries=page["items"])
    return page


@router.get("/inquiries/{inquiry_id}", response={200: InquiryDetailOut, **_ERRORS})
def get_inquiry(request: HttpRequest, inquiry_id: int) -> Inquiry:
    """One inquiry with its status history; one at another site is a 404 like a missing one."""
    reject_unknown_params(request, set())
    return selectors.inquiry_get(user=api_user(request), inquiry_id=inquiry_id)


@router.post("/inquiries/{inquiry_id}/status", response={200: InquiryDetailOut, **_ERRORS})
def change_status(request: HttpRequest, inquiry_id: int, body: StatusChangeIn) -> Inquiry:
    """Move the inquiry to a new status. The note is required and kept in the history."""
    user = api_user(request)
    inquiry = selectors.inquiry_get(user=user, inquiry_id=inquiry_id)
    services.inquiry_status_change(actor=user, inquiry=inquiry, status=body.status, note=body.note)
    return inquiry


@router.post(
    "/inquiries/{inquiry_id}/convert",
    response={200: ConvertOut, 201: ConvertOut, 409: DuplicateOut | ErrorOut, **_ERRORS},
)
def convert_inquiry(
    request: HttpRequest, inquiry_id: int, body: ConvertIn
) -> Status[dict[str, Any]]:
    """Create the patient from the inquiry (201), or attach it to an existing patient (200).

    When patients at the site share the name and date of birth, phone or email, the answer is
    409 with the candidates: repeat with `attach_to_patient_id` or `create_anyway: true`.
    """
    user = api_user(request)
    inquiry = selectors.inquiry_get(user=user, inquiry_id=inquiry_id)
    if body.attach_to_patient_id is not None:
        if body.create_anyway or body.date_of_birth is not None:
            raise ApplicationError(
                "Send either attach_to_patient_id, or date_of_birth/create_anyway: not both."
            )
        patient = services.inquiry_attach_to_patient(
            actor=user, inquiry=inquiry, patient_id=body.attach_to_patient_id
        )
        return Status(200, {"patient_id": patient.pk, "mrn": patient.mrn, "created": False})
    try:
        patient = services.inquiry_convert_to_patient(
            actor=user,
            inquiry=inquiry,
            date_of_birth=body.date_of_birth,
            sex=body.sex,
            create_anyway=body.create_anyway,
        )
    except services.DuplicatePatientError as error:
        candidates = [
            {"patient_id": c.patient.pk, "mrn": c.patient.mrn, "matched_on": list(c.matched_on)}
            for c in error.candidates
        ]
        body_409 = {"detail": error.message, "code": error.code.value, "candidates": candidates}
        return Status(409, body_409)
    return Status(201, {"patient_id": patient.pk, "mrn": patient.mrn, "created": True})

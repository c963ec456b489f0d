from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from ketaclinic.core.api import ErrorOut, api_user, reject_unknown_params
from ketaclinic.patients import selectors
from ketaclinic.patients.models import Patient
from ketaclinic.patients.schemas import PatientOut, PatientPage

router = Router(tags=["patients"])


class PatientListParams(Schema):
    q: str = Field("", max_length=100, description="Name words, an MRN, or a date of birth.")
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0)


@router.get("/patients", response={200: PatientPage, 400: ErrorOut, 403: ErrorOut})
def list_patients(request: HttpRequest, params: Query[PatientListParams]) -> dict[str, object]:
    """Patients at your sites, searched by name, MRN or date of birth; each one shown is audited."""
    reject_unknown_params(request, {"q", "limit", "offset"})
    user = api_user(request)
    queryset = selectors.patient_list(user=user, query=params.q)
    items = list(queryset[params.offset : params.offset + params.limit])
    selectors.patient_list_audit(user=user, patients=items)
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": items,
    }


@router.get("/patients/{patient_id}", response={200: PatientOut, 403: ErrorOut, 404: ErrorOut})
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    """One patient at your sites; a patient elsewhere is a 404, exactly like a missing one."""
    reject_unknown_params(request, set())
    return selectors.patient_get(user=api_user(request), patient_id=patient_id)

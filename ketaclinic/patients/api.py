from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from ketaclinic.accounts.models import User
from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.patients import selectors, services
from ketaclinic.patients.models import AddictionTarget, BodyMeasurement, Patient
from ketaclinic.patients.schemas import (
    AddictionTargetIn,
    AddictionTargetOut,
    AddictionTargetPage,
    EndIn,
    MeasurementIn,
    MeasurementOut,
    MeasurementPage,
    PatientOut,
    PatientPage,
)

router = Router(tags=["patients"])


class PatientListParams(PageParams):
    q: str = Field("", max_length=100, description="Name words, an MRN, or a date of birth.")


@router.get("/patients", response={200: PatientPage, 400: ErrorOut, 403: ErrorOut})
def list_patients(request: HttpRequest, params: Query[PatientListParams]) -> dict[str, object]:
    """Patients at your sites, searched by name, MRN or date of birth; each one shown is audited."""
    reject_unknown_params(request, {"q", "limit", "offset"})
    user = api_user(request)
    queryset = selectors.patient_list(user=user, query=params.q)
    page = api_page(queryset, params)
    selectors.patient_list_audit(user=user, patients=page["items"])
    return page


@router.get("/patients/{patient_id}", response={200: PatientOut, 403: ErrorOut, 404: ErrorOut})
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    """One patient at your sites; a patient elsewhere is a 404, exactly like a missing one."""
    reject_unknown_params(request, set())
    return selectors.patient_get(user=api_user(request), patient_id=patient_id)


# --- Clinical parts of the chart ---------------------------------------------------------

_READ = {200: AddictionTargetPage, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _chart_patient(request: HttpRequest, patient_id: int, target_type: str) -> tuple[User, Patient]:
    """The caller and the patient, scoped to the caller's sites and audited as a read."""
    user = api_user(request)
    return user, selectors.patient_get(user=user, patient_id=patient_id, target_type=target_type)


@router.get("/patients/{patient_id}/addiction-targets", response=_READ)
def list_addiction_targets(
    request: HttpRequest, patient_id: int, params: Query[PageParams]
) -> dict[str, object]:
    """The patient's addiction targets, active first; ended ones are kept and listed."""
    reject_unknown_params(request, {"limit", "offset"})
    _user, patient = _chart_patient(request, patient_id, "addiction_target")
    return api_page(selectors.addiction_target_list(patient=patient), params)


@router.post(
    "/patients/{patient_id}/addiction-targets",
    response={201: AddictionTargetOut, **_WRITE_ERRORS},
)
def create_addiction_target(
    request: HttpRequest, patient_id: int, payload: AddictionTargetIn
) -> Status[AddictionTarget]:
    """Record an addiction target (physician or nurse). Refusals name the problem and the fix."""
    reject_unknown_params(request, set())
    user, patient = _chart_patient(request, patient_id, "addiction_target")
    return Status(
        201, services.addiction_target_create(actor=user, patient=patient, **payload.model_dump())
    )


@router.post(
    "/patients/{patient_id}/addiction-targets/{target_id}/end",
    response={200: AddictionTargetOut, **_WRITE_ERRORS},
)
def end_addiction_target(
    request: HttpRequest, patient_id: int, target_id: int, payload: EndIn
) -> AddictionTarget:
    """End a target with a reason; it stays in the record. Ending it twice is refused."""
    reject_unknown_params(request, set())
    user, patient = _chart_patient(request, patient_id, "addiction_target")
    return services.addiction_target_end(
        actor=user, patient=patient, target_id=target_id, reason=payload.reason
    )


@router.get(
    "/patients/{patient_id}/measurements",
    response={200: MeasurementPage, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def list_measurements(
    request: HttpRequest, patient_id: int, params: Query[PageParams]
) -> dict[str, object]:
    """Weight and height history, newest first; voided entries are listed with is_active false."""
    reject_unknown_params(request, {"limit", "offset"})
    _user, patient = _chart_patient(request, patient_id, "body_measurement")
    return api_page(selectors.body_measurement_list(patient=patient), params)


@router.post("/patients/{patient_id}/measurements", response={201: MeasurementOut, **_WRITE_ERRORS})
def create_measurement(
    request: HttpRequest, patient_id: int, payload: MeasurementIn
) -> Status[BodyMeasurement]:
    """Record a weight, a height or both (physician or nurse); never overwrites earlier ones."""
    reject_unknown_params(request, set())
    user, patient = _chart_patient(request, patient_id, "body_measurement")
    return Status(
        201, services.body_measurement_record(actor=user, patient=patient, **payload.model_dump())
    )

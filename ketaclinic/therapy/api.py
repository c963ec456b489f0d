"""Therapy notes API: preparation notes per course, integration notes per infusion.

Notes are read through the course's patient (`patient_get`: site-scoped and audited; a note
at another site is the same 404 as a missing one) and written through the same services as
the pages.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.courses.selectors import course_get
from ketaclinic.therapy import selectors, services
from ketaclinic.therapy.models import IntegrationSession, PreparationSession
from ketaclinic.therapy.schemas import (
    DueIntegrationPage,
    IntegrationOut,
    IntegrationPage,
    IntegrationPatchIn,
    PreparationIn,
    PreparationOut,
    PreparationPage,
    PreparationPatchIn,
)

router = Router(tags=["therapy"])

_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _merged(current: Any, patch: Any, content_type: type[Any]) -> Any:
    """The note's saved content with the fields the request sent replaced."""
    values = {name: getattr(current, name) for name in asdict(content_type())}
    sent = patch.dict(exclude_unset=True)
    sent.pop("held_at", None)
    return content_type(**(values | sent))


@router.get("/courses/{course_id}/preparations", response={200: PreparationPage, **_ERRORS})
def list_preparations(
    request: HttpRequest, course_id: int, params: Query[PageParams]
) -> dict[str, Any]:
    """The course's preparation notes, oldest first."""
    reject_unknown_params(request, {"limit", "offset"})
    course = course_get(
        user=api_user(request), course_id=course_id, target_type="preparation_session"
    )
    return api_page(selectors.course_preparations(course=course), params)


@router.post("/courses/{course_id}/preparations", response={201: PreparationOut, **_ERRORS})
def create_preparation(
    request: HttpRequest, course_id: int, payload: PreparationIn
) -> Status[PreparationSession]:
    """A draft preparation note by the acting physician (sign it with .../sign)."""
    user = api_user(request)
    course = course_get(user=user, course_id=course_id, target_type="preparation_session")
    data = payload.dict()
    held_at = data.pop("held_at")
    note = services.preparation_create(
        actor=user, course=course, content=services.PreparationContent(**data), held_at=held_at
    )
    return Status(201, note)


@router.get("/preparations/{preparation_id}", response={200: PreparationOut, **_ERRORS})
def get_preparation(request: HttpRequest, preparation_id: int) -> PreparationSession:
    reject_unknown_params(request, set())
    return selectors.preparation_get(user=api_user(request), preparation_id=preparation_id)


@router.patch("/preparations/{preparation_id}", response={200: PreparationOut, **_ERRORS})
def update_preparation(
    request: HttpRequest, preparation_id: int, payload: PreparationPatchIn
) -> PreparationSession:
    """Change a draft's fields (those sent); a signed note is refused."""
    user = api_user(request)
    note = selectors.preparation_get(user=user, preparation_id=preparation_id)
    return services.preparation_update(
        actor=user,
        preparation=note,
        content=_merged(note, payload, services.PreparationContent),
        held_at=payload.held_at,
    )


@router.post("/preparations/{preparation_id}/sign", response={200: PreparationOut, **_ERRORS})
def sign_preparation(request: HttpRequest, preparation_id: int) -> PreparationSession:
    """Sign: intentions written and the treatment consent reviewed are required."""
    user = api_user(request)
    note = selectors.preparation_get(user=user, preparation_id=preparation_id)
    return services.preparation_sign(actor=user, preparation=note)


@router.get("/courses/{course_id}/integrations", response={200: IntegrationPage, **_ERRORS})
def list_integrations(
    request: HttpRequest, course_id: int, params: Query[PageParams]
) -> dict[str, Any]:
    """The course's integration sessions (one per signed infusion), by due time."""
    reject_unknown_params(request, {"limit", "offset"})
    course = course_get(
        user=api_user(request), course_id=course_id, target_type="integration_session"
    )
    return api_page(selectors.course_integrations(course=course), params)


class DueParams(PageParams):
    site_id: int | None = Field(None, description="One of your sites; default: all of them.")


# Declared before /integrations/{integration_id}, which would otherwise take "due" as an id.
@router.get("/integrations/due", response={200: DueIntegrationPage, **_ERRORS})
def integrations_due(request: HttpRequest, params: Query[DueParams]) -> dict[str, Any]:
    """The integrations dashboard's data: unsigned integration sessions overdue or due within
    24 hours at your sites, overdue first (therapists and physicians)."""
    reject_unknown_params(request, {"site_id", "limit", "offset"})
    page = selectors.integrations_due_page(
        user=api_user(request), site_id=params.site_id, offset=params.offset, limit=params.limit
    )
    return {
        "count": page.count,
        "overdue_count": page.overdue_count,
        "due_soon_count": page.count - page.overdue_count,
        "limit": params.limit,
        "offset": params.offset,
        "as_of": page.now,
        "items": [
            {
                "id": s.pk,
                "course_id": s.course_id,
                "infusion_id": s.infusion_id,
                "session_number": s.infusion.session_number,
                "patient_id": s.course.patient_id,
                "patient_name": s.course.patient.display_name,
                "mrn": s.course.patient.mrn,
                "site_id": s.course.patient.site_id,
                "due_at": s.due_at,
                "overdue": s.due_at < page.now,
                "therapist": s.therapist.username if s.therapist else None,
            }
            for s in page.items
        ],
    }


@router.get("/integrations/{integration_id}", response={200: IntegrationOut, **_ERRORS})
def get_integration(request: HttpRequest, integration_id: int) -> IntegrationSession:
    reject_unknown_params(request, set())
    return selectors.integration_get(user=api_user(request), integration_id=integration_id)


def _update(
    request: HttpRequest, integration_id: int, payload: IntegrationPatchIn
) -> IntegrationSession:
    user = api_user(request)
    session = selectors.integration_get(user=user, integration_id=integration_id)
    return services.integration_update(
        actor=user,
        integration=session,
        content=_merged(session, payload, services.IntegrationContent),
        held_at=payload.held_at,
    )


@router.patch("/integrations/{integration_id}", response={200: IntegrationOut, **_ERRORS})
def patch_integration(
    request: HttpRequest, integration_id: int, payload: IntegrationPatchIn
) -> IntegrationSession:
    """Save the therapist's draft (fields sent); a signed note is refused."""
    return _update(request, integration_id, payload)


@router.post("/integrations/{integration_id}", response={200: IntegrationOut, **_ERRORS})
def post_integration(
    request: HttpRequest, integration_id: int, payload: IntegrationPatchIn
) -> IntegrationSession:
    """The same as PATCH, for clients that cannot send PATCH."""
    return _update(request, integration_id, payload)


@router.post("/integrations/{integration_id}/sign", response={200: IntegrationOut, **_ERRORS})
def sign_integration(request: HttpRequest, integration_id: int) -> IntegrationSession:
    """Sign: when it was held, what emerged and craving now are required."""
    user = api_user(request)
    session = selectors.integration_get(user=user, integration_id=integration_id)
    return services.integration_sign(actor=user, integration=session)

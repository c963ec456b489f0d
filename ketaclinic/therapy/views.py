"""Therapy pages: preparation and integration notes, and the integrations-due dashboard.

A note form has two buttons: "Save draft" keeps the half-filled note; "Sign" saves it and
then signs. A refused signature keeps the saved draft and re-renders the typed values (422).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user
from ketaclinic.courses.selectors import course_get
from ketaclinic.therapy import selectors, services
from ketaclinic.therapy.forms import IntegrationForm, NoteForm, PreparationForm
from ketaclinic.therapy.models import IntegrationSession, NoteStatus, PreparationSession

GET_POST = ["GET", "POST"]
N = TypeVar("N", PreparationSession, IntegrationSession)


def _zone(note_or_course: Any) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(note_or_course.patient.site.time_zone)


def _save(
    request: HttpRequest,
    form: NoteForm,
    save: Callable[[], N],
    sign: Callable[[N], N],
) -> tuple[N | None, bool]:
    """(the saved note or None, whether everything asked for succeeded)."""
    try:
        note = save()
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        form.add_service_error(error)
        return None, False
    if request.POST.get("action") != "sign":
        return note, True
    try:
        return sign(note), True
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        form.add_service_error(error)
        return note, False


def _note_initial(note: PreparationSession | IntegrationSession) -> dict[str, Any]:
    fields = [f.name for f in type(note)._meta.fields]
    return {name: getattr(note, name) for name in fields}


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(
        request, f"therapy/{template}", context, status=422 if context["form"].errors else 200
    )


def _done(request: HttpRequest, message: str, target: str, pk: int) -> HttpResponse:
    messages.success(request, message)
    response = redirect(target, pk)
    response["HX-Trigger"] = "chart-changed"
    return response


@login_required
@require_http_methods(GET_POST)
def preparation_new_view(request: HttpRequest, course_id: int) -> HttpResponse:
    user = acting_user(request)
    course = course_get(user=user, course_id=course_id, target_type="preparation_session")
    require_perm(
        user=user,
        perm=Perm.PREPARATION_SIGN,
        target_type="preparation_session",
        patient=course.patient,
    )
    form = PreparationForm(request.POST or None, zone=_zone(course))
    if request.method == "POST" and form.is_valid():
        note, ok = _save(
            request,
            form,
            lambda: services.preparation_create(
                actor=user,
                course=course,
                content=form.content(),
                held_at=form.cleaned_data["held_at"],
            ),
            lambda n: services.preparation_sign(actor=user, preparation=n),
        )
        if note is not None and ok:
            return _done(request, _saved_message(note), "therapy:preparation", note.pk)
        if note is not None:
            return _preparation_page(request, user, note, form)
    context = {
        "course": course,
        "patient": course.patient,
        "form": form,
        "note": None,
        "carry": selectors.carry_forward(course=course),
    }
    return _page(request, "preparation.html", context)


def _saved_message(note: PreparationSession | IntegrationSession) -> str:
    return "Signed." if note.status == NoteStatus.SIGNED else "Draft saved."


def _preparation_page(
    request: HttpRequest, user: User, note: PreparationSession, form: PreparationForm | None
) -> HttpResponse:
    can_edit = note.status == NoteStatus.DRAFT and user.has_role_perm(Perm.PREPARATION_SIGN)
    context = {
        "course": note.course,
        "patient": note.course.patient,
        "note": note,
        "form": form or PreparationForm(initial=_note_initial(note), zone=_zone(note.course)),
        "can_edit": can_edit,
        "carry": selectors.carry_forward(course=note.course),
    }
    return _page(request, "preparation.html", context)


@login_required
@require_http_methods(GET_POST)
def preparation_view(request: HttpRequest, preparation_id: int) -> HttpResponse:
    user = acting_user(request)
    note = selectors.preparation_get(user=user, preparation_id=preparation_id)
    if request.method != "POST":
        return _preparation_page(request, user, note, None)
    form = PreparationForm(request.POST, zone=_zone(note.course))
    if form.is_valid():
        saved, ok = _save(
            request,
            form,
            lambda: services.preparation_update(
                actor=user,
                preparation=note,
                content=form.content(),
                held_at=form.cleaned_data["held_at"],
            ),
            lambda n: services.preparation_sign(actor=user, preparation=n),
        )
        if saved is not None and ok:
            return _done(request, _saved_message(saved), "therapy:preparation", saved.pk)
    return _preparation_page(request, user, note, form)


def _integration_page(
    request: HttpRequest, user: User, session: IntegrationSession, form: IntegrationForm | None
) -> HttpResponse:
    can_edit = session.status == NoteStatus.DRAFT and user.has_role_perm(Perm.INTEGRATION_SIGN)
    context = {
        "course": session.course,
        "patient": session.course.patient,
        "note": session,
        "form": form or IntegrationForm(initial=_note_initial(session), zone=_zone(session.course)),
        "can_edit": can_edit,
        "overdue": selectors.is_overdue(session),
        "carry": selectors.carry_forward(course=session.course, before=session),
    }
    return _page(request, "integration.html", context)


@login_required
@require_http_methods(GET_POST)
def integration_view(request: HttpRequest, integration_id: int) -> HttpResponse:
    user = acting_user(request)
    session = selectors.integration_get(user=user, integration_id=integration_id)
    if request.method != "POST":
        return _integration_page(request, user, session, None)
    form = IntegrationForm(request.POST, zone=_zone(session.course))
    if form.is_valid():
        saved, ok = _save(
            request,
            form,
            lambda: services.integration_update(
                actor=user,
                integration=session,
                content=form.content(),
                held_at=form.cleaned_data["held_at"],
            ),
            lambda n: services.integration_sign(actor=user, integration=n),
        )
        if saved is not None and ok:
            return _done(request, _saved_message(saved), "therapy:integration", saved.pk)
    return _integration_page(request, user, session, form)


@login_required
@require_GET
def integrations_due_view(request: HttpRequest) -> HttpResponse:
    due = selectors.integrations_due(user=acting_user(request))
    return render(request, "therapy/integrations_due.html", {"due": due})


@login_required
@require_GET
def home_card_view(request: HttpRequest) -> HttpResponse:
    """A small card for the home page (loaded by htmx): counts only, no patient shown."""
    user = acting_user(request)
    if not (user.has_role_perm(Perm.INTEGRATION_SIGN) or user.has_role_perm(Perm.COURSE_MANAGE)):
        return HttpResponse(status=204)
    overdue, soon = selectors.integrations_due_counts(user=user)
    return render(request, "therapy/_home_card.html", {"overdue": overdue, "soon": soon})

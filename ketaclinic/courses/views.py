"""Course pages: the chart section (htmx), the course page, enrolment, transitions, settings."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.courses import selectors, services
from ketaclinic.courses.forms import (
    EnrolForm,
    InfusionBookForm,
    OverrideForm,
    ReasonForm,
    TreatmentSettingsForm,
)
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.timeline import course_timeline
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get
from ketaclinic.scheduling.services import course_infusion_book

GET_POST = ["GET", "POST"]
# action -> (service, needs a written reason, what the success message says)
ACTIONS: dict[str, tuple[Callable[..., TreatmentCourse], bool, str]] = {
    "start": (services.course_start, False, "Course started."),
    "pause": (services.course_pause, True, "Course paused."),
    "resume": (services.course_resume, False, "Course resumed."),
    "complete": (services.course_complete, False, "Course completed."),
    "discontinue": (services.course_discontinue, True, "Course discontinued."),
}


def _done(request: HttpRequest, course: TreatmentCourse, message: str) -> HttpResponse:
    """Saved: the course page again, or on the chart (htmx) a 204 whose `chart-changed`
    makes the course section (and the other sections that listen) reload themselves."""
    messages.success(request, message)
    response = (
        HttpResponse(status=204) if is_htmx(request) else redirect("courses:detail", course.pk)
    )
    response["HX-Trigger"] = "chart-changed"
    return response


def _book_form(
    overview: selectors.CourseOverview, data: QueryDict | None = None
) -> InfusionBookForm | None:
    defaults = selectors.booking_defaults(overview=overview)
    if defaults is None and data is None:
        return None
    return InfusionBookForm(
        data,
        choices=selectors.session_choices(overview=overview),
        zone=zoneinfo.ZoneInfo(overview.course.patient.site.time_zone),
        initial=vars(defaults) if defaults else {},
        auto_id="book-%s",
    )


def _controls(overview: selectors.CourseOverview | None, **forms: Any) -> dict[str, Any]:
    """The forms of the course's action buttons, override and booking (a refused one kept)."""
    if overview is None:
        return {}
    return {
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "failed_action": forms.get("failed_action", ""),
        "override_form": forms.get("override_form")
        or OverrideForm(initial={"session_number": overview.next_session_number}),
        "book_form": forms.get("book_form") or _book_form(overview),
        "error": forms.get("error", ""),
    }


def _course_page(
    request: HttpRequest, course: TreatmentCourse, status: int = 200, **forms: Any
) -> HttpResponse:
    """The course page; from the chart (htmx) the course section instead, so a refusal
    re-renders there with the typed values kept."""
    if is_htmx(request):
        return _chart_section(request, course.patient, status, **forms)
    overview = selectors.course_overview(course=course)
    context = {
        "course": course,
        "patient": course.patient,
        "overview": overview,
        "timeline": course_timeline(overview=overview),
        **_controls(overview, **forms),
    }
    return render(request, "courses/course.html", context, status=status)


def _chart_section(
    request: HttpRequest, patient: Patient, status: int = 200, **forms: Any
) -> HttpResponse:
    chart = selectors.chart_courses(patient=patient)
    context = {
        "patient": patient,
        "chart": chart,
        "htmx_section": is_htmx(request),
        **_controls(chart.current, **forms),
    }
    page = "_chart_section.html" if is_htmx(request) else "chart_section_page.html"
    return render(request, f"courses/{page}", context, status=status)


@login_required
@require_GET
def chart_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_get(
        user=acting_user(request), patient_id=patient_id, target_type="treatment_course"
    )
    return _chart_section(request, patient)


@login_required
@require_GET
def course_detail_view(request: HttpRequest, course_id: int) -> HttpResponse:
    return _course_page(
        request, selectors.course_get(user=acting_user(request), course_id=course_id)
    )


@login_required
@require_POST
def course_action_view(request: HttpRequest, course_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise NotFoundError("No such course action.")
    user, (service, needs_reason, done) = acting_user(request), ACTIONS[action]
    course = selectors.course_get(user=user, course_id=course_id)
    form = ReasonForm(request.POST) if needs_reason else None
    if form is not None and not form.is_valid():
        return _course_page(request, course, 422, reason_form=form, failed_action=action)
    try:
        service(actor=user, course=course, **(form.cleaned_data if form is not None else {}))
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        if form is not None:
            form.add_service_error(error)
        return _course_page(
            request, course, 422, reason_form=form, failed_action=action, error=error.message
        )
    return _done(request, course, done)


@login_required
@require_POST
def gate_override_view(request: HttpRequest, course_id: int) -> HttpResponse:
    user = acting_user(request)
    course = selectors.course_get(user=user, course_id=course_id, target_type="gate_override")
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.gate_override_record(actor=user, course=course, **form.cleaned_data)
        except ApplicationError as error:
            if error.status_code != 400:
                raise
            form.add_service_error(error)
        else:
            return _done(request, course, "Override recorded: the next infusion may start.")
    return _course_page(request, course, 422, override_form=form)


@login_required
@require_POST
def infusion_book_view(request: HttpRequest, course_id: int) -> HttpResponse:
    user = acting_user(request)
    course = selectors.course_get(user=user, course_id=course_id, target_type="infusion")
    require_perm(
        user=user, perm=Perm.INFUSION_CHART, target_type="infusion", patient=course.patient
    )
    form = _book_form(selectors.course_overview(course=course), request.POST)
    assert form is not None  # posted data always makes a form
    if form.is_valid():
        try:
            # Through the calendar, so a chair already booked at that time is refused.
            infusion = course_infusion_book(actor=user, course=course, **form.cleaned_data)
        except ApplicationError as error:
            if error.status_code not in (400, 409):
                raise
            form.add_service_error(error)
        else:
            return _done(request, course, f"Infusion {infusion.session_number} booked.")
    return _course_page(request, course, 422, book_form=form)


def _enrol_form(request: HttpRequest, user: User, patient: Patient, booster: bool) -> EnrolForm:
    versions, physicians, therapists = selectors.enrolment_choices(patient=patient)
    initial: dict[str, object] = {"planned_start": timezone.localdate()}
    if user.has_role_perm(Perm.COURSE_MANAGE):
        initial["supervising_physician"] = user.pk
    return EnrolForm(
        request.POST or None,
        patient=patient,
        versions=versions,
        physicians=physicians,
        therapists=therapists,
        booster=booster,
        initial=initial,
    )


def _enrol_page(
    request: HttpRequest, patient: Patient, form: EnrolForm, booster_of: TreatmentCourse | None
) -> HttpResponse:
    context = {
        "patient": patient,
        "form": form,
        "booster_of": booster_of,
        "readiness": patient_readiness(patient=patient),
    }
    return render(request, "courses/enrol.html", context, status=422 if form.errors else 200)


def _submit_enrol(
    request: HttpRequest, form: EnrolForm, enrol: Callable[..., TreatmentCourse]
) -> TreatmentCourse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return enrol(actor=acting_user(request), **form.cleaned_data)
    except ApplicationError as error:
        if error.status_code != 400:
            raise
        form.add_service_error(error)
        return None


@login_required
@require_http_methods(GET_POST)
def enrol_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="treatment_course")
    require_perm(
        user=user, perm=Perm.COURSE_MANAGE, target_type="treatment_course", patient=patient
    )
    form = _enrol_form(request, user, patient, booster=False)

    def enrol(**kwargs: Any) -> TreatmentCourse:
        return services.course_enrol(patient=patient, **kwargs)

    if course := _submit_enrol(request, form, enrol):
        return _done(request, course, "Enrolled. Hold the preparation session, then start.")
    return _enrol_page(request, patient, form, None)


@login_required
@require_http_methods(GET_POST)
def booster_view(request: HttpRequest, course_id: int) -> HttpResponse:
    user = acting_user(request)
    previous = selectors.course_get(user=user, course_id=course_id)
    require_perm(
        user=user, perm=Perm.COURSE_MANAGE, target_type="treatment_course", patient=previous.patient
    )
    form = _enrol_form(request, user, previous.patient, booster=True)

    def enrol(**kwargs: Any) -> TreatmentCourse:
        return services.course_booster_enrol(course=previous, **kwargs)

    if course := _submit_enrol(request, form, enrol):
        return _done(request, course, "Booster course enrolled.")
    return _enrol_page(request, previous.patient, form, previous)


@login_required
@require_http_methods(GET_POST)
def settings_view(request: HttpRequest) -> HttpResponse:
    """One form per site the clinic admin works at; each saves on its own."""
    user = acting_user(request)
    require_perm(user=user, perm=Perm.PROTOCOL_MANAGE, target_type="site_treatment_settings")
    posted = request.POST.get("site_id", "")
    rows = []
    status = 200
    for site in user.sites.filter(is_active=True).order_by("name"):
        current = selectors.treatment_settings_for(site=site)
        mine = request.method == "POST" and posted == str(site.pk)
        form = TreatmentSettingsForm(
            request.POST if mine else None, instance=current, prefix=f"site{site.pk}"
        )
        if mine and form.is_valid():
            try:
                services.treatment_settings_update(actor=user, site=site, **form.cleaned_data)
            except ApplicationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, f"Treatment settings saved for {site.name}.")
                return redirect("courses:settings")
        status = 422 if form.errors else status
        rows.append((site, form))
    return render(request, "courses/settings.html", {"rows": rows}, status=status)

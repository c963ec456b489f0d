"""Cohort outcome pages: the analytics (GET filters: no identifiers in them), the numbers
behind each chart as CSV, and the de-identified research export (POST)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.http import acting_user
from ketaclinic.outcomes import page
from ketaclinic.outcomes.forms import CohortFilterForm
from ketaclinic.outcomes.queries import TARGET_TYPE, CohortFilters
from ketaclinic.outcomes.selectors import cohort_analytics
from ketaclinic.outcomes.services import EXPORT_TARGET_TYPE, research_export_create


def _allowed(user: User, perm: Perm = Perm.OUTCOMES_VIEW) -> None:
    require_perm(
        user=user,
        perm=perm,
        target_type=TARGET_TYPE if perm == Perm.OUTCOMES_VIEW else EXPORT_TARGET_TYPE,
        message="Your role does not allow cohort outcomes. Ask a physician, compliance officer "
        "or researcher."
        if perm == Perm.OUTCOMES_VIEW
        else "Only researchers and compliance officers may run the research export.",
    )


def _refused(request: HttpRequest, form: CohortFilterForm) -> HttpResponse:
    return render(request, "outcomes/cohort.html", {"form": form}, status=400)


@login_required
@require_GET
def cohort_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    _allowed(user)
    form = CohortFilterForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        return _refused(request, form)
    filters = form.filters() if form.is_bound else CohortFilters()
    analytics = cohort_analytics(user=user, filters=filters)
    # The export form posts the filters in force (and nothing else the query string holds).
    export_fields = [(name, value) for name in form.fields for value in request.GET.getlist(name)]
    context = {
        "form": form,
        "querystring": request.GET.urlencode(),
        "export_fields": export_fields,
        **page.context(analytics),
    }
    return render(request, "outcomes/cohort.html", context)


@login_required
@require_GET
def chart_csv_view(request: HttpRequest, chart: str) -> HttpResponse:
    if chart not in page.CSV_BUILDERS:
        raise Http404("No such chart: choose km, relapse, pda, cox or craving.")
    user = acting_user(request)
    _allowed(user)
    form = CohortFilterForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        return _refused(request, form)
    filters = form.filters() if form.is_bound else CohortFilters()
    analytics = cohort_analytics(user=user, filters=filters)
    audit_record(
        actor=user,
        action=Action.EXPORT,
        target_type=TARGET_TYPE,
        detail=f"{chart} csv; {filters.describe()}",
    )
    response = HttpResponse(page.CSV_BUILDERS[chart](analytics), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{page.CSV_FILENAMES[chart]}"'
    return response


@login_required
@require_POST
def research_export_view(request: HttpRequest) -> HttpResponseBase:
    user = acting_user(request)
    _allowed(user, Perm.RESEARCH_EXPORT)
    form = CohortFilterForm(request.POST, user=user)
    if not form.is_valid():
        return _refused(request, form)
    archive = research_export_create(user=user, filters=form.filters())
    return FileResponse(
        archive.file, as_attachment=True, filename=archive.filename, content_type="application/zip"
    )

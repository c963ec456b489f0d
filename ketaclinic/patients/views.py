from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.patients import selectors


@login_required
@require_GET
def patient_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    query = request.GET.get("q", "").strip()[:100]
    paginator = Paginator(
        selectors.patient_list(user=user, query=query), settings.KETACLINIC_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    selectors.patient_list_audit(user=user, patients=list(page.object_list))
    template = "patients/_patient_table.html" if is_htmx(request) else "patients/list.html"
    return render(request, template, {"page": page, "query": query})


@login_required
@require_GET
def patient_chart_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = selectors.patient_get(user=acting_user(request), patient_id=patient_id)
    return render(request, "patients/chart.html", {"patient": patient})

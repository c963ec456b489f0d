"""Staff pages for due questionnaires: the clinician's due list, scheduling the baseline from
the chart, and cancelling a due item with a reason."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.patients.selectors import patient_get
from ketaclinic.questionnaires import selectors, services
from ketaclinic.questionnaires.forms import DueCancelForm, add_service_errors
from ketaclinic.questionnaires.models import ScheduleEvent
from ketaclinic.questionnaires.views.staff import render_chart_section


@login_required
@require_GET
def due_list_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    all_at_sites = request.GET.get("scope") == "sites"
    queryset = selectors.due_for_clinician(user=user, all_at_sites=all_at_sites)
    page = Paginator(queryset, settings.KETACLINIC_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.due_list_audit(user=user, items=list(page.object_list))
    context = {"page": page, "all_at_sites": all_at_sites, "now": timezone.now()}
    return render(request, "questionnaires/due_list.html", context)


@login_required
@require_POST
def schedule_baseline_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    user = acting_user(request)
    patient = patient_get(user=user, patient_id=patient_id, target_type="due_questionnaire")
    items = services.schedule_event(
        actor=user, patient=patient, event=ScheduleEvent.BASELINE, at=timezone.now()
    )
    messages.success(request, f"Baseline questionnaires scheduled: {len(items)} due.")
    if is_htmx(request):
        return render_chart_section(request, user, patient.pk)
    return redirect(patient)


@login_required
@require_http_methods(["GET", "POST"])
def due_cancel_view(request: HttpRequest, due_id: int) -> HttpResponse:
    user = acting_user(request)
    item = selectors.due_item_get(user=user, due_id=due_id)
    form = DueCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.due_cancel(actor=user, due_id=item.pk, reason=form.cleaned_data["reason"])
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Cancelled: {item.instrument.title}.")
            return redirect(item.patient)
    status = 400 if form.errors else 200
    return render(
        request, "questionnaires/due_cancel.html", {"item": item, "form": form}, status=status
    )

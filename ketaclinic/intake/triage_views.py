"""Staff pages: the triage queue, an inquiry's detail, status changes and conversion."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.models import User
from ketaclinic.accounts.selectors import sites_for_user
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.intake import selectors, services
from ketaclinic.intake.forms import (
    AttachForm,
    ConvertForm,
    QueueFilterForm,
    StatusChangeForm,
    add_refusal,
)
from ketaclinic.intake.models import Inquiry, InquiryStatus
from ketaclinic.intake.selectors import DuplicateCandidate
from ketaclinic.patients.models import Patient


@login_required
@require_GET
def queue_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filters = QueueFilterForm(request.GET or None, sites=sites_for_user(user=user))
    queryset = selectors.inquiry_list(user=user, **filters.filters())
    page = Paginator(queryset, settings.KETACLINIC_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.inquiry_list_audit(user=user, inquiries=list(page.object_list))
    template = "intake/_queue_table.html" if is_htmx(request) else "intake/queue.html"
    context = {"page": page, "filters": filters, "several_sites": len(filters.site_list) > 1}
    return render(request, template, context)


def _detail(
    request: HttpRequest, inquiry: Inquiry, form: StatusChangeForm, status: int = 200
) -> HttpResponse:
    context = {
        "inquiry": inquiry,
        "history": selectors.inquiry_history(inquiry=inquiry),
        "form": form,
    }
    return render(request, "intake/detail.html", context, status=status)


@login_required
@require_GET
def detail_view(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.inquiry_get(user=acting_user(request), inquiry_id=inquiry_id)
    return _detail(request, inquiry, StatusChangeForm(current=inquiry.status))


@login_required
@require_POST
def status_change_view(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    user = acting_user(request)
    inquiry = selectors.inquiry_get(user=user, inquiry_id=inquiry_id)
    form = StatusChangeForm(request.POST, current=inquiry.status)
    if form.is_valid():
        status, note = InquiryStatus(form.cleaned_data["status"]), form.cleaned_data["note"]
        try:
            services.inquiry_status_change(actor=user, inquiry=inquiry, status=status, note=note)
        except ApplicationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, f"Status changed to '{status.label}'.")
            return redirect(inquiry)
    return _detail(request, inquiry, form, status=400)


def _convert(
    user: User, inquiry: Inquiry, form: ConvertForm
) -> tuple[Patient | None, list[DuplicateCandidate]]:
    """Try the conversion; the patient on success, else the duplicates to offer."""
    try:
        patient = services.inquiry_convert_to_patient(
            actor=user, inquiry=inquiry, **form.cleaned_data
        )
    except services.DuplicatePatientError as error:
        form.add_error(None, error.message)
        return None, error.candidates
    except ApplicationError as error:
        add_refusal(form, error)
        return None, []
    return patient, []


@login_required
@require_http_methods(["GET", "POST"])
def convert_view(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    user = acting_user(request)
    inquiry = selectors.inquiry_get(user=user, inquiry_id=inquiry_id)
    form = ConvertForm(request.POST or None, inquiry=inquiry)
    candidates: list[DuplicateCandidate] = []
    if request.method == "POST" and form.is_valid():
        patient, candidates = _convert(user, inquiry, form)
        if patient is not None:
            messages.success(request, f"Registered as patient {patient.mrn}.")
            return redirect(patient)
    if not candidates and inquiry.patient is None:
        candidates = selectors.duplicate_candidates(
            user=user,
            site=inquiry.site,
            first_name=inquiry.first_name,
            last_name=inquiry.last_name,
            date_of_birth=inquiry.date_of_birth,
            phone=inquiry.phone,
            email=inquiry.email,
        )
    context = {"inquiry": inquiry, "form": form, "candidates": candidates}
    return render(request, "intake/convert.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def attach_view(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    user = acting_user(request)
    inquiry = selectors.inquiry_get(user=user, inquiry_id=inquiry_id)
    form = AttachForm(request.POST)
    if not form.is_valid():
        raise ApplicationError("Choose a patient from the list to attach this inquiry to.")
    patient_id = form.cleaned_data["patient_id"]
    patient = services.inquiry_attach_to_patient(actor=user, inquiry=inquiry, patient_id=patient_id)
    messages.success(request, f"Inquiry attached to patient {patient.mrn}.")
    return redirect(patient)

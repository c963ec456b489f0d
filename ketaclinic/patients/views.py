from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from django import forms as django_forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.patients import forms, selectors, services
from ketaclinic.patients.codes import ICD10CM_SUGGESTIONS
from ketaclinic.patients.models import ContactRole, Patient

A = TypeVar("A")


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


# --- The chart's clinical section (loaded by chart.html with htmx) -------------------------


@dataclass(frozen=True)
class AddAction:
    """A chart form and the service its cleaned data goes to."""

    kind: str
    form: type[forms.ChartForm]
    service: Callable[..., object]
    submit: str


@dataclass(frozen=True)
class CloseAction:
    """Ending, stopping, resolving or retracting one row, always with a reason."""

    kind: str
    service: Callable[..., object]
    id_arg: str
    verb: str
    date_arg: str = ""
    date_label: str = ""


ADD_ACTIONS = {
    action.kind: action
    for action in [
        AddAction(
            "addiction_target", forms.AddictionTargetForm, services.addiction_target_create, "Add"
        ),
        AddAction("diagnosis", forms.DiagnosisForm, services.diagnosis_create, "Add diagnosis"),
        AddAction("history_item", forms.HistoryItemForm, services.history_item_create, "Add"),
        AddAction("medication", forms.MedicationForm, services.medication_create, "Add"),
        AddAction("allergy", forms.AllergyForm, services.allergy_create, "Add allergy"),
        AddAction("nkda", forms.NkdaForm, services.allergy_record_nkda, "No known drug allergies"),
        AddAction("measurement", forms.MeasurementForm, services.body_measurement_record, "Save"),
        AddAction("care_team", forms.CareTeamForm, services.care_team_set, "Save care team"),
        AddAction(
            ContactRole.REFERRING_PROVIDER,
            forms.ContactForm,
            partial(services.patient_contact_set, role=ContactRole.REFERRING_PROVIDER),
            "Save referring provider",
        ),
        AddAction(
            ContactRole.PRIMARY_CARE,
            forms.ContactForm,
            partial(services.patient_contact_set, role=ContactRole.PRIMARY_CARE),
            "Save primary care",
        ),
    ]
}
CLOSE_ACTIONS = {
    action.kind: action
    for action in [
        CloseAction("addiction_target", services.addiction_target_end, "target_id", "End"),
        CloseAction(
            "diagnosis",
            services.diagnosis_resolve,
            "diagnosis_id",
            "Resolve",
            "resolved_on",
            "Resolved on",
        ),
        CloseAction("history_item", services.history_item_retract, "item_id", "Retract"),
        CloseAction(
            "medication",
            services.medication_stop,
            "medication_id",
            "Stop",
            "stop_date",
            "Stopped on",
        ),
        CloseAction("allergy", services.allergy_retract, "allergy_id", "Retract"),
        CloseAction("measurement", services.body_measurement_void, "measurement_id", "Void"),
    ]
}


@login_required
@require_GET
def clinical_section_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The clinical record; editors also get the add forms. Audited as one read."""
    user = acting_user(request)
    record = selectors.clinical_record_get(user=user, patient_id=patient_id)
    return _section(request, record, can_edit=user.has_role_perm(Perm.CHART_EDIT))


@login_required
@require_POST
def clinical_add_view(request: HttpRequest, patient_id: int, kind: str) -> HttpResponse:
    action = _lookup(ADD_ACTIONS, kind)
    user = acting_user(request)
    patient = selectors.clinical_patient_for_edit(user=user, patient_id=patient_id)
    form = action.form(request.POST, prefix=kind, patient=patient)
    if form.is_valid() and _submit(
        form, partial(action.service, actor=user, patient=patient, **form.cleaned_data)
    ):
        return _saved(request, patient)
    context = {"patient": patient, "action": action, "form": form}
    template = "patients/clinical/_add_form.html" if is_htmx(request) else "patients/form.html"
    return render(request, template, context, status=400)


@login_required
@require_POST
def clinical_close_view(
    request: HttpRequest, patient_id: int, kind: str, item_id: int
) -> HttpResponse:
    action = _lookup(CLOSE_ACTIONS, kind)
    user = acting_user(request)
    patient = selectors.clinical_patient_for_edit(user=user, patient_id=patient_id)
    form = forms.CloseForm(request.POST, auto_id=f"close-{kind}-{item_id}-%s")
    if form.is_valid() and _submit(form, partial(_close, action, user, patient, item_id, form)):
        return _saved(request, patient)
    context = {"patient": patient, "action": action, "item_id": item_id, "form": form}
    template = "patients/clinical/_close_form.html" if is_htmx(request) else "patients/form.html"
    return render(request, template, context, status=400)


def _lookup(actions: dict[str, A], kind: str) -> A:
    if kind not in actions:
        raise NotFoundError("No such part of the clinical record.")
    return actions[kind]


def _close(
    action: CloseAction, actor: User, patient: Patient, item_id: int, form: forms.CloseForm
) -> object:
    extra = {action.date_arg: form.cleaned_data["on_date"]} if action.date_arg else {}
    return action.service(
        actor=actor,
        patient=patient,
        reason=form.cleaned_data["reason"],
        **{action.id_arg: item_id},
        **extra,
    )


def _submit(form: django_forms.Form, call: Callable[[], object]) -> bool:
    """Run the service; put its refusal on the form (field by field where it names one)."""
    try:
        call()
    except ApplicationError as error:
        for name, messages in error.field_errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        if not error.field_errors:
            form.add_error(None, error.message)
        return False
    return True


def _saved(request: HttpRequest, patient: Patient) -> HttpResponse:
    """After a change: the whole section again (htmx), or back to the chart (plain form)."""
    if not is_htmx(request):
        return redirect(patient.get_absolute_url() + "#clinical-section", permanent=False)
    response = _section(request, selectors.clinical_record_load(patient=patient), can_edit=True)
    response["HX-Retarget"] = "#clinical-section"
    response["HX-Reswap"] = "innerHTML"
    # Other chart sections that depend on the record (readiness: baseline weight) reload.
    response["HX-Trigger"] = "chart-changed"
    return response


def _section(
    request: HttpRequest, record: selectors.ClinicalRecord, *, can_edit: bool
) -> HttpResponse:
    context = {
        "record": record,
        "patient": record.patient,
        "can_edit": can_edit,
        "add": ADD_ACTIONS,
        "close": CLOSE_ACTIONS,
        "forms": forms.blank_chart_forms(record) if can_edit else {},
        "icd10cm_suggestions": ICD10CM_SUGGESTIONS,
    }
    return render(request, "patients/clinical/section.html", context)

"""A signed-in patient's own questionnaires: the due list, completing one, the thank-you page.

Reusable by the portal: link to `questionnaires:my_due` and `questionnaires:self_complete`.
The patient never sees a score or an interpretation here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.questionnaires import selectors, services
from ketaclinic.questionnaires.forms import SelfCompletionForm


@login_required
@require_GET
def my_due_view(request: HttpRequest) -> HttpResponse:
    patient, items = selectors.my_due_questionnaires(user=acting_user(request))
    return render(request, "questionnaires/self/my_due.html", {"patient": patient, "items": items})


@login_required
@require_http_methods(["GET", "POST"])
def self_complete_view(request: HttpRequest, due_id: int) -> HttpResponse:
    user = acting_user(request)
    entry = selectors.self_completion_get(user=user, due_id=due_id)
    form = SelfCompletionForm(request.POST or None, entry=entry)
    submitted = request.method == "POST" and not form.refreshing
    if submitted and form.is_valid():
        try:
            services.response_submit_by_patient(user=user, due_id=due_id, answers=form.answers())
        except ApplicationError as error:
            form.add_refusal(error)
        else:
            return redirect("questionnaires:self_complete_done", due_id)
    partial = is_htmx(request)
    template = f"questionnaires/self/{'_form' if partial else 'complete'}.html"
    context = {"form": form, "entry": entry, "definition": form.definition}
    return render(request, template, context, status=400 if submitted else 200)


@login_required
@require_GET
def self_complete_done_view(request: HttpRequest, due_id: int) -> HttpResponse:
    done = selectors.self_completion_done_get(user=acting_user(request), due_id=due_id)
    return render(request, "questionnaires/self/done.html", {"done": done})

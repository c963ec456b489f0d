"""The patient's reminder page in the portal (/portal/reminders/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user

from . import services
from .forms import ReminderChoicesForm
from .selectors import reminder_choices_get


@login_required
@require_http_methods(["GET", "POST"])
def reminders_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    patient, preference = reminder_choices_get(user=user)
    initial = {
        "email_enabled": preference.email_enabled,
        "sms_enabled": preference.sms_enabled,
        "opted_out": preference.opted_out,
        "checkin_reminder_time": preference.checkin_reminder_time,
    }
    # A POST with every box unticked is empty but still a submission.
    data = request.POST if request.method == "POST" else None
    form = ReminderChoicesForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_preference_save(actor=user, patient=patient, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Your reminder choices are saved.")
            return redirect("notifications:reminders")
    context = {"form": form, "patient": patient}
    return render(
        request, "notifications/reminders.html", context, status=400 if form.errors else 200
    )

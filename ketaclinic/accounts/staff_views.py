"""Clinic admins manage the staff of their own sites."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts import selectors, services
from ketaclinic.accounts.forms import StaffForm
from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user


@login_required
def staff_list_view(request: HttpRequest) -> HttpResponse:
    staff = selectors.staff_list(actor=acting_user(request))
    return render(request, "accounts/staff_list.html", {"staff": staff})


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit_view(request: HttpRequest, user_id: int | None = None) -> HttpResponse:
    actor = acting_user(request)
    member = selectors.staff_get(actor=actor, user_id=user_id) if user_id else User()
    if user_id is None:
        selectors.staff_list(actor=actor)  # refuses anyone who is not a clinic admin
    form = StaffForm(
        request.POST or None, instance=member, manageable_sites=selectors.sites_for_user(user=actor)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_save(
                actor=actor,
                user=form.save(commit=False),
                roles=[Role(role) for role in form.cleaned_data["roles"]],
                sites=list(form.cleaned_data["sites"]),
                password=form.cleaned_data["password"] or None,
            )
        except ApplicationError as error:
            for field, errors in error.field_errors.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            if not error.field_errors:
                form.add_error(None, error.message)
        else:
            messages.success(request, f"Saved {form.instance.username}.")
            return redirect("accounts:staff_list")
    status = 400 if form.errors else 200
    return render(
        request, "accounts/staff_form.html", {"form": form, "member": member}, status=status
    )

"""Shared plumbing of the register pages: the site, and the post-a-form-to-a-service loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.core.http import acting_user, is_htmx
from ketaclinic.inventory.access import register_site_get
from ketaclinic.inventory.forms import add_service_errors


def site_for(request: HttpRequest, site_id: int, perm: Perm, target: str) -> tuple[User, Site]:
    user = acting_user(request)
    return user, register_site_get(user=user, site_id=site_id, perm=perm, target_type=target)


def form_page(
    request: HttpRequest,
    *,
    template: str,
    form: forms.Form,
    save: Callable[[], object],
    done: str,
    next_url: str | Callable[[Any], str],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save`; a refusal re-renders with 422."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except (NotFoundError, PermissionDeniedError):
            raise
        except ApplicationError as error:
            error.record_refusal()
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(next_url if isinstance(next_url, str) else next_url(saved))
    status = 422 if form.errors else 200
    return render(request, template, {**(context or {}), "form": form}, status=status)


def setup_page(
    request: HttpRequest,
    *,
    title: str,
    section: str,
    form: forms.Form,
    blank: Callable[[], forms.Form],
    save: Callable[[], object],
    done: str,
    context: Callable[[], dict[str, Any]],
) -> HttpResponse:
    """A setup list with its create form. htmx swaps the section (`section`, a partial);
    without htmx a save redirects back (POST/redirect/GET). A refusal re-renders the form
    with the values typed and a 422. `context` is read after the save, so lists are current."""
    saved = ""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except (NotFoundError, PermissionDeniedError):
            raise
        except ApplicationError as error:
            error.record_refusal()
            add_service_errors(form, error)
        else:
            if not is_htmx(request):
                messages.success(request, done)
                return redirect(request.path)
            form, saved = blank(), done
    data = {**context(), "form": form, "title": title, "section": section, "saved": saved}
    template = section if is_htmx(request) else "inventory/setup_page.html"
    return render(request, template, data, status=422 if form.errors else 200)

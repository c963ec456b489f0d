"""The public inquiry form (no login) and its confirmation page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.models import Site
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.middleware import client_ip
from ketaclinic.intake import selectors, services
from ketaclinic.intake.forms import InquiryForm, add_refusal

# Only an opaque flag crosses the redirect: no personal data in the URL or the session.
URGENT_SESSION_KEY = "inquiry_urgent"


@require_http_methods(["GET", "POST"])
def inquiry_form_view(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = selectors.active_site_by_slug(slug=site_slug)
    form = InquiryForm(request.POST or None)
    # Crisis resources show on any page after a yes, even when nothing could be stored.
    urgent = request.POST.get("crisis") == "yes"
    context = {"site": site, "form": form, "urgent": urgent}
    if request.method == "POST":
        if not services.inquiry_attempt_record(client_ip=client_ip(request)):
            return render(request, "intake/public/rate_limited.html", context, status=429)
        if form.is_honeypot_filled():
            # Pretend success and store nothing; a person who tripped it still sees help.
            _remember_urgency(request, urgent=urgent)
            return redirect("intake:thanks", site_slug=site.slug)
        if form.is_valid() and _submitted(request, form, site=site):
            return redirect("intake:thanks", site_slug=site.slug)
    status = 400 if form.errors else 200
    return render(request, "intake/public/form.html", context, status=status)


def _submitted(request: HttpRequest, form: InquiryForm, *, site: Site) -> bool:
    try:
        inquiry = services.inquiry_submit(site=site, **form.submission())
    except ApplicationError as error:
        add_refusal(form, error)
        return False
    _remember_urgency(request, urgent=inquiry.is_urgent)
    return True


def _remember_urgency(request: HttpRequest, *, urgent: bool) -> None:
    if urgent:
        request.session[URGENT_SESSION_KEY] = True
    else:
        request.session.pop(URGENT_SESSION_KEY, None)


@require_GET
def inquiry_thanks_view(request: HttpRequest, site_slug: str) -> HttpResponse:
    site = selectors.active_site_by_slug(slug=site_slug)
    urgent = bool(request.session.get(URGENT_SESSION_KEY))
    return render(request, "intake/public/thanks.html", {"site": site, "urgent": urgent})

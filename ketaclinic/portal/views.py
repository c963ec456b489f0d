"""The patient's own pages: activation through the invitation link, and the portal home."""

from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.models import User
from ketaclinic.accounts.services import auth_login_record
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user
from ketaclinic.portal import selectors, services
from ketaclinic.portal.forms import ActivateForm, add_service_errors
from ketaclinic.portal.selectors import InvitationInvalidError

# The password was just checked by the activation itself, not by authenticate(): name the
# backend that will load the user on later requests.
_SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    home = selectors.portal_home_get(user=acting_user(request))
    return render(request, "portal/home.html", {"home": home, "patient": home.patient})


@require_http_methods(["GET", "POST"])
def activate_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Choose a password through the one-time link; then the patient is signed in."""
    try:
        account = selectors.invitation_get(uidb64=uidb64, token=token)
    except InvitationInvalidError:
        return _link_expired(request)
    form = ActivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.portal_activate(
                uidb64=uidb64, token=token, password=form.cleaned_data["password"]
            )
        except InvitationInvalidError:
            return _link_expired(request)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            return _sign_in(request, account.user)
    context = {"form": form, "site": account.patient.site}
    return render(request, "portal/activate.html", context, status=400 if form.errors else 200)


def _link_expired(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/activate_invalid.html", status=400)


def _sign_in(request: HttpRequest, user: User) -> HttpResponse:
    login(request, user, backend=_SESSION_BACKEND)
    auth_login_record(user=user)
    return redirect("portal:home")

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ketaclinic.accounts.models import User
from ketaclinic.portal.selectors import is_patient_user

# All a signed-in patient may reach. Staff pages already refuse a user without roles; this
# keeps patients from even seeing those refusals, or the staff navigation around them.
PATIENT_PATHS = (
    "/portal/",
    "/questionnaires/me/",
    "/accounts/login/",
    "/accounts/logout/",
    "/static/",
    "/healthz",
)


class PatientPortalOnlyMiddleware:
    """Send a signed-in patient to the portal from any page outside it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and not request.path.startswith(PATIENT_PATHS)
            and is_patient_user(user=user)
        ):
            return redirect("portal:home")
        return self.get_response(request)

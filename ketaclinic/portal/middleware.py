from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import User
from ketaclinic.portal.models import PatientAccount

# All a signed-in patient may reach. Staff pages already refuse a user without roles; this
# keeps patients from even seeing those refusals, or the staff navigation around them.
PATIENT_PATHS = (
    "/portal/",
    "/questionnaires/me/",
    "/accounts/login/",
    "/accounts/logout/",
    "/static/",
    "/healthz",
    "/api/v1/portal/",  # the patient's own check-in endpoints (recovery/api.py)
)
MFA_PATH = "/accounts/mfa/"
# What a patient who turned on two-factor sign-in may reach before entering a code.
_BEFORE_CODE = (MFA_PATH, "/accounts/login/", "/accounts/logout/", "/static/", "/healthz")


def patient_login_state(*, user: User) -> tuple[bool, bool]:
    """(is a patient login, has turned on two-factor sign-in), in one query."""
    row = (
        PatientAccount.objects.filter(user=user)
        .annotate(mfa=Exists(TOTPDevice.objects.filter(user=OuterRef("user_id"), confirmed=True)))
        .values_list("mfa", flat=True)
        .first()
    )
    return row is not None, bool(row)


class PatientPortalOnlyMiddleware:
    """Send a signed-in patient to the portal from any page outside it.

    MFA is optional for patients (staff's MfaRequiredMiddleware leaves them alone), but a
    patient who turned it on on the portal's Security page must enter a code after signing
    in before any page, through the same code page staff use.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not isinstance(user, User):
            return self.get_response(request)
        is_patient, has_mfa = patient_login_state(user=user)
        if not is_patient:
            return self.get_response(request)
        verified = bool(getattr(user, "is_verified", lambda: False)())
        if has_mfa and not verified:
            if request.path.startswith(_BEFORE_CODE):
                return self.get_response(request)
            return redirect(f"{reverse('accounts:mfa')}?{urlencode({'next': request.path})}")
        # Without a code owed, the staff code page (which would set up a new device) is not
        # the patient's: two-factor sign-in is turned on from the portal's Security page.
        if not request.path.startswith(PATIENT_PATHS):
            return redirect("portal:home")
        return self.get_response(request)

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from ketaclinic.accounts.services import auth_logout_record
from ketaclinic.portal.selectors import is_patient_user

LAST_SEEN_KEY = "ketaclinic_last_seen"
LAST_SEEN_REFRESH_SECONDS = 30
# Paths an unverified or anonymous person may reach without being bounced.
_OPEN_PREFIXES = (
    "/accounts/login",
    "/accounts/logout",
    "/accounts/mfa",
    "/static/",
    "/healthz",
    "/api/",
)


class IdleLogoutMiddleware:
    """Log staff off after KETACLINIC_IDLE_LOGOUT_SECONDS without a request (HIPAA auto-logoff).

    The last-seen time lives in the session (database-backed), so it holds across app servers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.KETACLINIC_IDLE_LOGOUT_SECONDS:
                user = request.user
                logout(request)
                auth_logout_record(user=user, reason="idle timeout")
                # Say the configured limit: the message must not claim 15 minutes when it is not.
                minutes = max(1, round(settings.KETACLINIC_IDLE_LOGOUT_SECONDS / 60))
                unit = "minute" if minutes == 1 else "minutes"
                messages.info(
                    request, f"You were signed out after {minutes} {unit} without activity."
                )
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.path})}")
            # Refresh at most every LAST_SEEN_REFRESH_SECONDS: a chart loads several sections
            # at once, and a session write per request would make them queue on the session
            # row. The idle clock may then run up to that much early, never late.
            if last_seen is None or now - last_seen >= LAST_SEEN_REFRESH_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class MfaRequiredMiddleware:
    """With KETACLINIC_REQUIRE_MFA on, staff must pass a TOTP check before any page.

    Patients' portal logins are exempt: for them two-factor sign-in is optional.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.KETACLINIC_REQUIRE_MFA
            and request.user.is_authenticated
            and not request.user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
            and not request.path.startswith(_OPEN_PREFIXES)
            and not is_patient_user(user=request.user)
        ):
            return redirect(f"{reverse('accounts:mfa')}?{urlencode({'next': request.path})}")
        return self.get_response(request)

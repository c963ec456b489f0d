"""The patient's own pages: activation through the invitation link, the portal home, the
daily check-in, progress and scores, and the Security page (optional two-factor sign-in)."""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import User
from ketaclinic.accounts.services import auth_login_record
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user
from ketaclinic.portal import progress, selectors, services
from ketaclinic.portal.charts import LEGEND_ORDER, STATUS_STYLES
from ketaclinic.portal.forms import (
    ActivateForm,
    CheckinForm,
    MfaCodeForm,
    MonthForm,
    add_service_errors,
)
from ketaclinic.portal.selectors import InvitationInvalidError
from ketaclinic.recovery.services import checkin_save

# The password was just checked by the activation itself, not by authenticate(): name the
# backend that will load the user on later requests.
_SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    home = selectors.portal_home_get(user=acting_user(request))
    return render(request, "portal/home.html", {"home": home, "patient": home.patient})


@login_required
@require_http_methods(["GET", "POST"])
def checkin_view(request: HttpRequest) -> HttpResponse:
    """Today's check-in: one form for every active target; a second send edits today's."""
    user = acting_user(request)
    page = progress.checkin_page_get(user=user)
    form = CheckinForm(
        request.POST or None, day=page.day, targets=page.targets, records=page.records
    )
    if request.method == "POST" and page.targets and form.is_valid():
        try:
            checkin_save(actor=user, patient=page.patient, day=page.day, entries=form.entries())
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "Thank you: today's check-in is saved.")
            return redirect("portal:progress")
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/checkin.html", {"page": page, "form": form}, status=status)


@login_required
@require_GET
def progress_view(request: HttpRequest) -> HttpResponse:
    """Streak and month calendar per target, and the craving trend."""
    user = acting_user(request)
    form = MonthForm(request.GET)
    month = form.cleaned_data["month"] if form.is_valid() else None
    try:
        page = progress.progress_get(user=user, month=month)
    except ApplicationError as error:
        add_service_errors(form, error)
        page = progress.progress_get(user=user)
    legend = [(status, STATUS_STYLES[status]) for status in LEGEND_ORDER]
    context = {"page": page, "patient": page.patient, "form": form, "legend": legend}
    return render(request, "portal/progress.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def trends_view(request: HttpRequest) -> HttpResponse:
    page = progress.scores_get(user=acting_user(request))
    return render(request, "portal/trends.html", {"page": page, "patient": page.patient})


@login_required
@require_http_methods(["GET", "POST"])
def security_view(request: HttpRequest) -> HttpResponse:
    """Turn two-factor sign-in on (scan, then type a code) or off (type a current code)."""
    user = acting_user(request)
    selectors.own_patient_read(user=user, page="portal_security")
    enabled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if enabled:
                services.portal_mfa_disable(user=user, code=code)
            else:
                otp_login(request, services.portal_mfa_enable(user=user, code=code))
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _MFA_DONE[not enabled])
            return redirect("portal:security")
    context: dict[str, object] = {"form": form, "enabled": enabled}
    if not enabled:
        device = services.portal_mfa_device(user=user)
        context |= {"qr_svg": _qr_svg(device.config_url), "secret": _secret(device)}
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/security.html", context, status=status)


_MFA_DONE = {
    True: "Two-factor sign-in is on: you will enter a code from your app each time you sign in.",
    False: "Two-factor sign-in is off: you sign in with your password only.",
}


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: bytes = image.to_string()
    return svg.decode()


def _secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


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

from __future__ import annotations

import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts import selectors, services
from ketaclinic.accounts.forms import ApiTokenForm, LoginForm, MfaVerifyForm
from ketaclinic.accounts.middleware import LAST_SEEN_KEY
from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if isinstance(user, User):
            login(request, user)
            request.session[LAST_SEEN_KEY] = time.time()  # the idle clock starts now
            services.auth_login_record(user=user)
            return redirect(_safe_next(request))
        locked = bool(getattr(request, "axes_locked_out", False))
        services.auth_login_failed_record(username=username, locked=locked)
        form.add_error(
            None,
            f"Wrong username or password. After {settings.AXES_FAILURE_LIMIT} wrong attempts "
            "the account is locked for 15 minutes.",
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/login.html", {"form": form, "next": _safe_next(request)}, status=status
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if isinstance(request.user, User):
        services.auth_logout_record(user=request.user)
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: bytes = image.to_string()
    return svg.decode()


@login_required
@require_http_methods(["GET", "POST"])
def mfa_view(request: HttpRequest) -> HttpResponse:
    """Set up TOTP on first use, then ask for a code at each sign-in."""
    user = acting_user(request)
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = MfaVerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("code", "That code is not right or has expired: enter the current one.")
    context = {"form": form, "next": _safe_next(request), "setting_up": not device.confirmed}
    if not device.confirmed:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = b32encode(device.bin_key).decode()
    return render(request, "accounts/mfa.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create(
                actor=user, user=user, name=form.cleaned_data["name"]
            )
            form = ApiTokenForm()
        except ApplicationError as error:
            form.add_error(None, error.message)
    context = {
        "form": form,
        "new_secret": new_secret,
        "tokens": selectors.api_tokens_for_user(user=user),
        "sites": selectors.sites_for_user(user=user),
        "mfa_confirmed": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }
    return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.api_token_revoke(actor=acting_user(request), token_id=token_id)
    messages.success(request, f"Token “{token.name}” is revoked and no longer works.")
    return redirect("accounts:profile")

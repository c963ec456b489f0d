from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from ketaclinic.core.context import RequestContext, request_context_reset, request_context_set
from ketaclinic.core.errors import ApplicationError, from_validation_error

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the trusted proxy's header when configured, else REMOTE_ADDR."""
    header = settings.KETACLINIC_CLIENT_IP_HEADER
    forwarded = request.META.get(header, "").split(",")[0].strip() if header else ""
    for candidate in (forwarded, request.META.get("REMOTE_ADDR") or ""):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


class RequestContextMiddleware:
    """Give every request an id (kept from a proxy's X-Request-ID when well-formed) and an IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        context = RequestContext(request_id=request_id, client_ip=client_ip(request))
        token = request_context_set(context)
        try:
            response = self.get_response(request)
        finally:
            request_context_reset(token)
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """Pages can show patient data: no browser or proxy may keep a copy.

    Static files are served before this runs (WhiteNoise) and keep their own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        # The same URL answers htmx with a fragment and browsers with a page.
        patch_vary_headers(response, ["HX-Request"])
        return response


class ApplicationErrorMiddleware:
    """Render a service's refusal as a clear 4xx page instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ValidationError):
            exception = from_validation_error(exception)
        if not isinstance(exception, ApplicationError):
            return None
        exception.record_refusal()
        return render(
            request,
            "core/error.html",
            {"message": exception.message, "status": exception.status_code},
            status=exception.status_code,
        )

"""Shared pieces of the REST API: bearer authentication, error shape, strict schemas."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict, Field

from ketaclinic.accounts.models import User
from ketaclinic.accounts.services import api_token_authenticate
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, from_validation_error


class StrictSchema(Schema):
    """Input schemas refuse fields they do not know instead of silently dropping them."""

    model_config = ConfigDict(extra="forbid")


class PageParams(Schema):
    """limit/offset paging shared by every list endpoint."""

    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0)


def api_page(queryset: QuerySet[Any], params: PageParams) -> dict[str, Any]:
    """One page of a list endpoint: `{"count", "limit", "offset", "items"}`."""
    return {
        "count": queryset.count(),
        "limit": params.limit,
        "offset": params.offset,
        "items": list(queryset[params.offset : params.offset + params.limit]),
    }


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_token_authenticate(secret=token)


def api_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]  # set by ninja after authentication
    if not isinstance(user, User):
        raise AuthenticationError()
    return user


def reject_unknown_params(request: HttpRequest, allowed: set[str]) -> None:
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise ApplicationError(
            f"Unknown query parameter(s): {', '.join(unknown)}. "
            f"Allowed: {', '.join(sorted(allowed)) or 'none'}."
        )


def _error(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: str,
    code: str,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail, "code": code}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def _describe(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part not in {"body", "query"})
    return f"{location}: {error.get('msg', 'invalid')}" if location else str(error.get("msg"))


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        exc.record_refusal()
        errors = [{"field": f, "messages": m} for f, m in exc.field_errors.items()] or None
        return _error(api, request, exc.status_code, exc.message, exc.code.value, errors)

    @api.exception_handler(DjangoValidationError)
    def model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return application_error(request, from_validation_error(exc))

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        problems = [_describe(e) for e in exc.errors]
        detail = "Invalid input: " + "; ".join(problems)
        cleaned = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors]
        return _error(api, request, 422, detail, ErrorCode.INVALID_INPUT.value, cleaned)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        sent = request.headers.get("Authorization", "").startswith("Bearer ")
        audit_record(
            actor=None,
            action=Action.ACCESS_DENIED,
            target_type="api",
            target_id=request.path[:64],
            outcome=Outcome.DENIED,
            detail="invalid or revoked token" if sent else "no token",
        )
        return _error(
            api,
            request,
            401,
            "Send a valid personal access token as 'Authorization: Bearer <token>'.",
            ErrorCode.NOT_AUTHENTICATED.value,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = ErrorCode.NOT_FOUND.value if exc.status_code == 404 else "http_error"
        return _error(api, request, exc.status_code, str(exc), code)

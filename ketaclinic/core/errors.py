"""Errors a service raises when a request cannot be carried out.

Each carries a stable machine code (for the API's `code`) and a message a nurse can act on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"


class ApplicationError(Exception):
    """A refusal with a clear message; views turn it into a 4xx, never a 500."""

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode = ErrorCode.INVALID_INPUT,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field_errors = field_errors or {}
        # Set when the refusal was audited: a refusal raised inside a service's transaction
        # rolls its audit row back with everything else, so the request boundary calls this
        # (after the rollback) to write the row again if it is gone.
        self.ensure_audited: Callable[[], None] | None = None

    def record_refusal(self) -> None:
        """Make sure the audit row of this refusal survived; call after any rollback."""
        if self.ensure_audited is not None:
            self.ensure_audited()
            self.ensure_audited = None


class NotFoundError(ApplicationError):
    """Missing, or outside the user's sites: the two must look identical to the caller."""

    status_code = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, code=ErrorCode.NOT_FOUND)


class PermissionDeniedError(ApplicationError):
    status_code = 403

    def __init__(self, message: str = "Your role does not allow this.") -> None:
        super().__init__(message, code=ErrorCode.PERMISSION_DENIED)


def from_validation_error(error: ValidationError) -> ApplicationError:
    """A model's full_clean() refusal that a service did not translate: still a clear 400."""
    if hasattr(error, "error_dict"):
        fields = {
            field: [str(message) for message in ValidationError(errors).messages]
            for field, errors in error.error_dict.items()
        }
        summary = "; ".join(
            f"{'' if field == NON_FIELD_ERRORS else field.replace('_', ' ') + ': '}"
            + " ".join(messages)
            for field, messages in fields.items()
        )
        return ApplicationError(f"Please correct: {summary}", field_errors=fields)
    return ApplicationError("Please correct: " + " ".join(error.messages))


M = TypeVar("M", bound=models.Model)


def validated(
    instance: M,
    *,
    message: str = "",
    exclude: Sequence[str] = (),
    validate_constraints: bool = True,
) -> M:
    """full_clean(), turning Django's errors into one refusal with a message per field.

    `message` replaces the default summary (the field messages joined). Bulk writers may
    `exclude` relations they just loaded and skip the constraint queries that the database
    enforces anyway on insert (one query per constraint and row).
    """
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=validate_constraints)
    except ValidationError as error:
        field_errors = {
            ("__all__" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
        summary = " ".join(text for messages in field_errors.values() for text in messages)
        raise ApplicationError(message or summary, field_errors=field_errors) from error
    return instance


# A clinical time before this is a typing error (and near datetime.min it overflows on save).
EARLIEST_PLAUSIBLE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def require_plausible_time(
    moment: dt.datetime, *, field: str, latest: dt.datetime | None = None
) -> dt.datetime:
    """Refuse a time before 1900 or after `latest` with a message naming the field."""
    if moment < EARLIEST_PLAUSIBLE or (latest is not None and moment > latest):
        label = field.replace("_", " ")
        message = (
            f"{label.capitalize()}: {moment.date().isoformat()} is not a plausible date. "
            "Check the year."
        )
        raise ApplicationError(message, field_errors={field: [message]})
    return moment

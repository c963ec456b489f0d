"""What the questionnaire services share: validation as a refusal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from ketaclinic.core.errors import ApplicationError

M = TypeVar("M", bound=models.Model)


def validated(instance: M, *, exclude: Sequence[str] = (), validate_constraints: bool = True) -> M:
    """full_clean(), turning Django's errors into one refusal with a message per field.

    Bulk writers may `exclude` relations they just loaded and skip the constraint queries
    that the database enforces anyway on insert (one query per constraint and row)."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=validate_constraints)
    except ValidationError as error:
        field_errors = {
            ("__all__" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
        summary = " ".join(message for messages in field_errors.values() for message in messages)
        raise ApplicationError(summary, field_errors=field_errors) from error
    return instance

"""Append-only rows: the ORM refuses to change or remove them (the database does too)."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.db import models


class RegisterImmutableError(Exception):
    """Raised on any attempt to change or remove a register record."""


_M = TypeVar("_M", bound=models.Model)
_MESSAGE = "Register records are never changed or deleted: record a reversing entry instead."


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise RegisterImmutableError(_MESSAGE)

    def delete(self) -> NoReturn:
        raise RegisterImmutableError(_MESSAGE)

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RegisterImmutableError(_MESSAGE)


class AppendOnlyModel(models.Model):
    """Insert once; save() of an existing row and delete() raise."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RegisterImmutableError(_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RegisterImmutableError(_MESSAGE)

"""Date arithmetic in SQL that works the same on SQLite and PostgreSQL.

Django's `DateField - DateField` gives a duration whose representation differs per database
(an interval on PostgreSQL, microseconds on SQLite), and whole-day arithmetic on it is not
portable. The cohort analytics only ever need whole days, so these two expressions say it
directly, once per vendor (architecture rule 9: isolated here and tested on both databases).
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateField, Func, IntegerField
from django.db.models.sql.compiler import SQLCompiler

_SqlParams = tuple[str, tuple[Any, ...]]


class DaysBetween(Func):
    """Whole days from `earlier` to `later` (negative when `later` is before): two dates."""

    arity = 2
    output_field = IntegerField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _SqlParams:
        raise NotSupportedError(f"DaysBetween is not written for {connection.vendor}.")

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _SqlParams:
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        # julianday() of two dates differs by a whole number: the cast is exact.
        sql = f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        return sql, (*later_params, *earlier_params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _SqlParams:
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        # date - date is an integer number of days in PostgreSQL.
        return f"(({later})::date - ({earlier})::date)", (*later_params, *earlier_params)


class ShiftDays(Func):
    """A date moved by a whole number of days, still a date (index-friendly to compare)."""

    arity = 1
    output_field = DateField()

    def __init__(self, expression: Any, days: int) -> None:
        super().__init__(expression)
        self.days = int(days)  # an int, so formatting it into the SQL below is safe

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _SqlParams:
        raise NotSupportedError(f"ShiftDays is not written for {connection.vendor}.")

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _SqlParams:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"date({sql}, '{self.days:+d} days')", tuple(params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> _SqlParams:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"(({sql})::date + {self.days:d})", tuple(params)

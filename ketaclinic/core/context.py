"""Where the current request came from, for audit rows written deep inside services.

A context variable, not a global: each request (thread or task) sees only its own value,
so nothing here is shared between processes or requests.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_ip: str | None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "ketaclinic_request_context", default=None
)


def request_context_get() -> RequestContext:
    """The request being served, or a fresh id for work outside a request (CLI, jobs)."""
    return _current.get() or RequestContext(request_id=f"system-{uuid.uuid4()}", client_ip=None)


def request_context_set(context: RequestContext | None) -> contextvars.Token[RequestContext | None]:
    return _current.set(context)


def request_context_reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)

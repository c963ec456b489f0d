"""Small helpers shared by the page views: the acting user and htmx detection."""

from __future__ import annotations

from django.http import HttpRequest

from ketaclinic.accounts.models import User


def acting_user(request: HttpRequest) -> User:
    """The signed-in staff member; views call this after @login_required."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("acting_user() needs a signed-in user: use @login_required")
    return user


def is_htmx(request: HttpRequest) -> bool:
    """An htmx partial request; a history restore wants the whole page, so it is not one."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )

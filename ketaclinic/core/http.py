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
    return request.headers.get("HX-Request") == "true"

from __future__ import annotations

from django.db.models import QuerySet

from ketaclinic.accounts.models import ApiToken, Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import ROLE_PERMS, Perm
from ketaclinic.core.errors import NotFoundError


def sites_for_user(*, user: User) -> QuerySet[Site]:
    return Site.objects.filter(id__in=user.site_ids).order_by("name")


def staff_list(*, actor: User) -> QuerySet[User]:
    """Staff at the clinic admin's sites, with roles and sites loaded in two queries."""
    require_perm(
        user=actor,
        perm=Perm.STAFF_MANAGE,
        target_type="staff",
        message="Only a clinic admin can manage staff accounts.",
    )
    return (
        User.objects.filter(sites__id__in=actor.site_ids)
        .distinct()
        .prefetch_related("sites", "role_assignments")
        .order_by("username")
    )


def staff_get(*, actor: User, user_id: int) -> User:
    user = staff_list(actor=actor).filter(pk=user_id).first()
    if user is None:
        raise NotFoundError("No such staff member at your sites.")
    return user


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def staff_with_perm(*, site: Site, perm: Perm, exclude: User | None = None) -> QuerySet[User]:
    """Active staff at `site` whose roles grant `perm` (a waste witness, a second counter)."""
    roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    users = User.objects.filter(sites=site, is_active=True, role_assignments__role__in=roles)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.distinct().order_by("last_name", "username")

"""Writes to accounts: sign-in events, personal access tokens, staff management."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import ApiToken, RoleAssignment, Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm, Role
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError

TOKEN_PREFIX = "kc_"  # noqa: S105  # a public marker, not a secret


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the returned secret is shown once and never stored."""
    if actor.pk != user.pk:
        raise PermissionDeniedError("You can only create tokens for your own account.")
    name = name.strip()
    if not name:
        raise ApplicationError(
            "Give the token a name, such as the integration it is for.",
            field_errors={"name": ["Enter a name for this token."]},
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:80], prefix=secret[:10], digest=token_digest(secret))
    token.full_clean()
    token.save()
    audit_record(actor=actor, action=Action.CREATE, target_type="api_token", target_id=token.pk)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFoundError("No such token on your account.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target_type="api_token",
            target_id=token.pk,
            detail="revoked",
        )
    return token


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user behind an active token, or None. Marks the token as used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def auth_login_record(*, user: User) -> None:
    audit_record(actor=user, action=Action.LOGIN, target_type="session")


def auth_logout_record(*, user: User, reason: str = "") -> None:
    audit_record(actor=user, action=Action.LOGOUT, target_type="session", detail=reason)


def auth_login_failed_record(*, username: str, locked: bool) -> None:
    user = User.objects.filter(username=username).first()
    audit_record(
        actor=None,
        actor_username=username,
        action=Action.LOGIN_FAILED,
        target_type="session",
        target_id=user.pk if user else "",
        outcome=Outcome.FAILURE,
        detail="account locked" if locked else "wrong username or password",
    )


def _check_staff_scope(*, actor: User, sites: list[Site]) -> None:
    require_perm(
        user=actor,
        perm=Perm.STAFF_MANAGE,
        target_type="staff",
        message="Only a clinic admin can manage staff accounts.",
    )
    foreign = [site.name for site in sites if site.pk not in actor.site_ids]
    if foreign:
        raise PermissionDeniedError(
            f"You do not manage {', '.join(foreign)}: choose only your own sites."
        )
    if not sites:
        raise ApplicationError(
            "Choose at least one site this person works at.",
            field_errors={"sites": ["Choose at least one site."]},
        )


@transaction.atomic
def staff_save(
    *,
    actor: User,
    user: User,
    roles: list[Role],
    sites: list[Site],
    password: str | None = None,
) -> User:
    """Create or update a staff member; a clinic admin only grants their own sites."""
    _check_staff_scope(actor=actor, sites=sites)
    if not roles:
        raise ApplicationError(
            "Choose at least one role.", field_errors={"roles": ["Choose at least one role."]}
        )
    creating = user.pk is None
    if password is not None:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    # Sites the actor does not manage are kept as they are.
    kept = list(user.sites.exclude(id__in=actor.site_ids))
    user.sites.set([*kept, *sites])
    RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
    for role in roles:
        RoleAssignment.objects.get_or_create(user=user, role=role)
    audit_record(
        actor=actor,
        action=Action.CREATE if creating else Action.UPDATE,
        target_type="staff",
        target_id=user.pk,
        detail=f"roles={','.join(sorted(roles))}; active={user.is_active}",
    )
    return user


@transaction.atomic
def clinic_bootstrap(
    *,
    site_name: str,
    site_slug: str,
    time_zone: str,
    address: str,
    username: str,
    email: str,
    password: str,
) -> tuple[Site, User]:
    """Create a site and its first clinic admin (the `ketaclinic bootstrap` command).

    There is no acting user yet, so the audit rows name the command instead.
    """
    site = Site.objects.filter(slug=site_slug).first()
    if site is None:
        site = Site(name=site_name, slug=site_slug, time_zone=time_zone, address=address)
        site.full_clean()
        site.save()
        audit_record(
            actor=None,
            actor_username="ketaclinic bootstrap",
            action=Action.CREATE,
            site=site,
            target_type="site",
            target_id=site.pk,
        )
    if User.objects.filter(username=username).exists():
        raise ApplicationError(
            f"A user named {username!r} already exists: choose another username.",
            field_errors={"username": ["This username is taken."]},
        )
    admin = User(username=username, email=email, is_active=True)
    validate_password(password, admin)
    admin.set_password(password)
    admin.full_clean()
    admin.save()
    admin.sites.add(site)
    RoleAssignment.objects.create(user=admin, role=Role.CLINIC_ADMIN)
    audit_record(
        actor=None,
        actor_username="ketaclinic bootstrap",
        action=Action.CREATE,
        site=site,
        target_type="staff",
        target_id=admin.pk,
        detail="roles=clinic_admin",
    )
    return site, admin

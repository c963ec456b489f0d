"""Who may see and write a site's register: the permission, and the site (404 otherwise)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.services import audit_record_refusal
from ketaclinic.core.errors import NotFoundError


def _denied(*, user: User, site_id: int, target_type: str, detail: str) -> NotFoundError:
    """The 404 for a register the user may not see, audited now and again after a rollback."""
    existing = Site.objects.filter(pk=site_id).first()
    return audit_record_refusal(
        NotFoundError("No controlled-substance register for that site among your sites."),
        actor=user,
        site=existing,
        target_type=target_type,
        target_id=site_id,
        detail=detail if existing else "no such site",
    )


def register_site_get(*, user: User, site_id: int, perm: Perm, target_type: str) -> Site:
    """The site whose register the user works on: needs `perm` and the site (else 404)."""
    require_perm(user=user, perm=perm, target_type=target_type, target_id=site_id)
    if site_id not in user.site_ids:
        raise _denied(
            user=user, site_id=site_id, target_type=target_type, detail="outside user's sites"
        )
    return Site.objects.get(pk=site_id)


def require_site(*, user: User, site: Site, perm: Perm, target_type: str) -> None:
    register_site_get(user=user, site_id=site.pk, perm=perm, target_type=target_type)


def site_date(site: Site, moment: dt.datetime) -> dt.date:
    """The calendar date of `moment` at the site (expiry dates are the site's dates)."""
    return moment.astimezone(zoneinfo.ZoneInfo(site.time_zone)).date()

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    actor_username: str = ""
    patient_mrn: str = ""
    action: str = ""


def audit_events(
    *, user: User, filters: AuditFilter, perm: Perm = Perm.AUDIT_VIEW
) -> QuerySet[AuditEvent]:
    """Events at the reviewer's sites, plus site-less events (sign-ins) of their sites' staff."""
    require_perm(user=user, perm=perm, target_type="audit_log")
    own_staff = User.objects.filter(sites__id__in=user.site_ids)
    # Site-less rows without an actor are failed sign-ins and refused API calls: show those
    # naming one of this site's staff, or naming nobody with an account (probing).
    events = AuditEvent.objects.filter(
        Q(site_id__in=user.site_ids)
        | Q(site__isnull=True, actor_id__in=own_staff.values("id"))
        | (
            Q(site__isnull=True, actor__isnull=True)
            & (
                Q(actor_username__in=own_staff.values("username"))
                | ~Q(actor_username__in=User.objects.values("username"))
            )
        )
    )
    if filters.start:
        events = events.filter(occurred_at__gte=filters.start)
    if filters.end:
        events = events.filter(occurred_at__lte=filters.end)
    if filters.actor_username:
        events = events.filter(actor_username__iexact=filters.actor_username)
    if filters.patient_mrn:
        events = events.filter(patient__mrn__iexact=filters.patient_mrn)
    if filters.action:
        events = events.filter(action=filters.action)
    return events.select_related("site", "patient").order_by("-occurred_at", "-id")

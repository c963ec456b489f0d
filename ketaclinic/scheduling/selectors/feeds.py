"""The clinician's own feed page and the public, tokenised feed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.scheduling.models import Appointment, CalendarFeed
from ketaclinic.scheduling.services.feeds import feed_token_hash

PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=180)


def feed_for(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_by_token(*, token: str) -> CalendarFeed | None:
    """The active feed for a token from a URL (only its hash is stored), or None."""
    if not 20 <= len(token) <= 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=feed_token_hash(token), user__is_active=True)
        .first()
    )


def feed_appointments(*, feed: CalendarFeed) -> list[Appointment]:
    """The clinician's appointments (as clinician, supervising physician or nurse) from 30
    days back to 180 ahead, at the sites they still work at."""
    now = timezone.now()
    user = feed.user
    return list(
        Appointment.objects.filter(Q(clinician=user) | Q(nurse=user))
        .filter(site_id__in=user.site_ids, starts_at__gte=now - PAST, starts_at__lt=now + AHEAD)
        .select_related("resource", "site")
        .order_by("starts_at", "id")
    )

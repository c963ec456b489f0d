"""A clinician's private calendar feed: a random token in the URL, only its SHA-256 kept."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.scheduling.models import CalendarFeed
from ketaclinic.scheduling.services._common import audit

TARGET = "calendar_feed"
TOKEN_BYTES = 32


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require(actor: User) -> None:
    require_perm(
        user=actor,
        perm=Perm.CALENDAR_FEED,
        target_type=TARGET,
        message="Calendar feeds are for clinicians with appointments (physicians, nurses, "
        "therapists).",
    )


@transaction.atomic
def calendar_feed_create(*, actor: User) -> tuple[CalendarFeed, str]:
    """Create the actor's feed, or rotate it: the old URL stops working at once. Returns the
    token, which is shown once and never stored."""
    _require(actor)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=actor,
        defaults={"token_hash": feed_token_hash(token), "created_at": timezone.now()},
    )
    if not created:
        feed.token_hash, feed.created_at, feed.last_used_at = (
            feed_token_hash(token),
            timezone.now(),
            None,
        )
        feed.save(update_fields=["token_hash", "created_at", "last_used_at"])
    audit(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        target_type=TARGET,
        target_id=feed.pk,
        detail="created" if created else "rotated",
    )
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> None:
    """Stop the actor's feed: its URL answers 404 from now on."""
    _require(actor)
    feed = CalendarFeed.objects.filter(user=actor).first()
    if feed is None:
        return
    audit(
        actor=actor, action=Action.DELETE, target_type=TARGET, target_id=feed.pk, detail="revoked"
    )
    feed.delete()


def calendar_feed_used(*, feed: CalendarFeed) -> None:
    """A calendar app fetched the feed: note when, and audit it as a system event (the feed
    holds no patient data, but who reads a clinician's schedule is worth knowing)."""
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    audit_record(
        actor=None,
        actor_username="calendar-feed",
        action=Action.READ,
        target_type=TARGET,
        target_id=feed.pk,
        detail=f"feed of {feed.user.username} fetched",
    )


def calendar_feed_refused() -> None:
    """A feed URL with an unknown (or revoked) token: audited, without the token."""
    audit_record(
        actor=None,
        actor_username="calendar-feed",
        action=Action.ACCESS_DENIED,
        outcome=Outcome.DENIED,
        target_type=TARGET,
        detail="unknown or revoked feed token",
    )

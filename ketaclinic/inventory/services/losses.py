"""Follow-up of a theft or loss: deadlines, and the DEA Form 106 once filed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, NotFoundError, validated
from ketaclinic.inventory.access import require_site, site_date
from ketaclinic.inventory.models import EntryKind, LedgerEntry, LossFiling

# DOMAIN.md section 5: notice within 1 business day; Form 106 within 45 days.
FORM106_DAYS = 45


@dataclass(frozen=True)
class LossDeadlines:
    notify_dea_by: dt.date
    form106_by: dt.date


def next_business_day(day: dt.date) -> dt.date:
    """The next weekday after `day` (public holidays are not modelled: check the calendar)."""
    following = day + dt.timedelta(days=1)
    while following.weekday() >= 5:
        following += dt.timedelta(days=1)
    return following


def loss_deadlines(entry: LedgerEntry) -> LossDeadlines:
    assert entry.discovered_at is not None  # a theft_loss entry always has one
    discovered = site_date(entry.site, entry.discovered_at)
    return LossDeadlines(
        notify_dea_by=next_business_day(discovered),
        form106_by=discovered + dt.timedelta(days=FORM106_DAYS),
    )


@transaction.atomic
def loss_filing_record(
    *, actor: User, entry_id: int, form106_reference: str, filed_on: dt.date
) -> LossFiling:
    entry = (
        LedgerEntry.objects.select_related("site")
        .filter(pk=entry_id, kind=EntryKind.THEFT_LOSS)
        .first()
    )
    if entry is None:
        raise NotFoundError("No theft or loss entry with that id.")
    require_site(user=actor, site=entry.site, perm=Perm.INVENTORY_MANAGE, target_type="loss_filing")
    if LossFiling.objects.filter(entry=entry).exists():
        message = "Form 106 is already recorded for this loss."
        raise ApplicationError(message, field_errors={"form106_reference": [message]})
    if not form106_reference.strip():
        message = "Form 106 reference is missing: copy it from the DEA confirmation."
        raise ApplicationError(message, field_errors={"form106_reference": [message]})
    now = timezone.now()
    filing = validated(
        LossFiling(
            entry=entry,
            form106_reference=form106_reference.strip(),
            filed_on=filed_on,
            recorded_by=actor,
            recorded_at=now,
        ),
        exclude=("entry",),
    )
    filing.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        site=entry.site,
        target_type="loss_filing",
        target_id=filing.pk,
        detail=f"entry={entry.pk}",
    )
    return filing

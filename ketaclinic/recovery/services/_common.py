"""What the recovery writes share: the site's today, and a refusal that is audited."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import TypeVar

from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.services import audit_record_refusal
from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import Patient

DAILY_RECORD = "daily_record"
E = TypeVar("E", bound=ApplicationError)


def fmt_quantity(quantity: Decimal | None) -> str:
    """2.00 -> "2", 1.50 -> "1.5", None -> "?" (for audit details and pages)."""
    if quantity is None:
        return "?"
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def site_today(site: Site) -> dt.date:
    """Today in the site's time zone: a check-in's day is the patient's local day."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(site.time_zone))


def local_day(moment: dt.datetime, site: Site) -> dt.date:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(site.time_zone)).date()


def audited_refusal(
    error: E, *, actor: User | None, patient: Patient | None, target_type: str, detail: str
) -> E:
    """Write the denial row now and arm the error to write it again after a rollback."""
    return audit_record_refusal(
        error,
        actor=actor,
        patient=patient,
        target_type=target_type,
        target_id=patient.pk if patient is not None else "",
        detail=detail,
    )

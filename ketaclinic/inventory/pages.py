"""What the register pages show, assembled from the selectors (and audited)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.inventory import selectors
from ketaclinic.inventory.access import site_date
from ketaclinic.inventory.models import InventorySettings, Product, Registrant, StorageLocation
from ketaclinic.inventory.services.losses import loss_deadlines


def overview_context(*, user: User, site: Site) -> dict[str, Any]:
    balances = list(selectors.site_balances(site=site))
    today = site_date(site, timezone.now())
    rows = [
        {
            "balance": b,
            "containers": b.containers(),
            "expired": b.lot.expires_on < today,
        }
        for b in balances
    ]
    settings = InventorySettings.objects.filter(site=site).first()
    registrant = Registrant.objects.filter(site=site, is_active=True).first()
    losses = [(e, loss_deadlines(e)) for e in selectors.losses_awaiting_form106(site=site)]
    audit_record(actor=user, action=Action.READ, site=site, target_type="inventory_register")
    return {
        "site": site,
        "rows": rows,
        "registrant": registrant,
        "registration": registration_status(registrant, today) if registrant else None,
        "witness_required": settings is None or settings.waste_witness_required,
        "open_discrepancies": selectors.open_discrepancy_count(site=site),
        "losses": losses,
        "can": {
            "administer": user.has_role_perm(Perm.INVENTORY_ADMINISTER),
            "count": user.has_role_perm(Perm.INVENTORY_COUNT),
            "receive": user.has_role_perm(Perm.INVENTORY_RECEIVE),
            "manage": user.has_role_perm(Perm.INVENTORY_MANAGE),
        },
    }


def infusion_choices(*, user: User, site: Site) -> list[tuple[str, str]]:
    """The site's started infusions without a draw yet (their patients' names are audited)."""
    infusions = list(selectors.infusions_awaiting_draw(site=site)[:50])
    audit_record_patient_reads(
        actor=user, patients=[i.patient for i in infusions], target_type="infusion"
    )
    zone = zoneinfo.ZoneInfo(site.time_zone)
    choices = [("", "Pick the infusion")]
    for infusion in infusions:
        started = timezone.localtime(infusion.started_at, zone) if infusion.started_at else None
        when = f"started {started:%Y-%m-%d %H:%M}" if started else "not started"
        label = f"{infusion.patient.display_name} · session {infusion.session_number} · {when}"
        choices.append((str(infusion.pk), label))
    return choices


# How long before a DEA registration expires the pages warn. Example: a display choice the
# compliance officer must confirm (DOMAIN.md gives no renewal window).
REGISTRATION_WARNING_DAYS = 90


@dataclass(frozen=True)
class RegistrationStatus:
    code: str  # "expired", "expiring", "current" or "replaced"
    label: str
    days_left: int


def registration_status(registrant: Registrant, today: dt.date) -> RegistrationStatus:
    days = (registrant.expires_on - today).days
    if not registrant.is_active:
        return RegistrationStatus("replaced", "Replaced by a renewal", days)
    if days < 0:
        return RegistrationStatus("expired", f"Expired {-days} day(s) ago", days)
    if days <= REGISTRATION_WARNING_DAYS:
        return RegistrationStatus("expiring", f"Expires in {days} day(s): renew it", days)
    return RegistrationStatus("current", "Current", days)


def registrations_context(*, site: Site) -> dict[str, Any]:
    today = site_date(site, timezone.now())
    registrants = Registrant.objects.filter(site=site).order_by("-is_active", "-expires_on", "-id")
    return {
        "site": site,
        "rows": [(r, registration_status(r, today)) for r in registrants],
        "warning_days": REGISTRATION_WARNING_DAYS,
    }


def products_context(*, site: Site) -> dict[str, Any]:
    return {"site": site, "rows": list(Product.objects.order_by("name", "ndc"))}


def locations_context(*, site: Site) -> dict[str, Any]:
    rows = StorageLocation.objects.filter(site=site).order_by("-is_active", "kind", "name")
    return {"site": site, "rows": list(rows)}


def settings_context(*, site: Site) -> dict[str, Any]:
    settings = InventorySettings.objects.filter(site=site).select_related("updated_by").first()
    required = settings is None or settings.waste_witness_required
    return {"site": site, "settings": settings, "witness_required": required}


def witness_required(site: Site) -> bool:
    settings = InventorySettings.objects.filter(site=site).first()
    return settings is None or settings.waste_witness_required

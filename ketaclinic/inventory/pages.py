"""What the register pages show, assembled from the selectors (and audited)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.inventory import selectors
from ketaclinic.inventory.access import site_date
from ketaclinic.inventory.models import InventorySettings, Registrant
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
    losses = [(e, loss_deadlines(e)) for e in selectors.losses_awaiting_form106(site=site)]
    audit_record(actor=user, action=Action.READ, site=site, target_type="inventory_register")
    return {
        "site": site,
        "rows": rows,
        "registrant": Registrant.objects.filter(site=site, is_active=True).first(),
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

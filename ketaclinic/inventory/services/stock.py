"""Setting up the register: DEA registrations, products, storage locations, site settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, validated
from ketaclinic.inventory.access import require_site
from ketaclinic.inventory.dea import dea_number_normalised, dea_number_problem
from ketaclinic.inventory.models import (
    InventorySettings,
    LocationKind,
    Product,
    Registrant,
    StorageLocation,
)


def _audit(
    actor: User, site: Site | None, target_type: str, target_id: int, action: Action
) -> None:
    audit_record(
        actor=actor, action=action, site=site, target_type=target_type, target_id=target_id
    )


@transaction.atomic
def registrant_record(
    *, actor: User, site: Site, name: str, dea_number: str, expires_on: dt.date
) -> Registrant:
    """The site's DEA registration; a renewal replaces the previous one (kept, inactive)."""
    require_site(user=actor, site=site, perm=Perm.INVENTORY_MANAGE, target_type="registrant")
    number = dea_number_normalised(dea_number)
    problem = dea_number_problem(
        number, what="DEA number", fix="Copy it from the site's DEA registration certificate."
    )
    if problem:
        raise ApplicationError(problem, field_errors={"dea_number": [problem]})
    current = Registrant.objects.select_for_update().filter(site=site, is_active=True).first()
    registrant = Registrant(site=site, name=name.strip(), dea_number=number, expires_on=expires_on)
    if current is not None:
        current.is_active = False
        current.save(update_fields=["is_active"])
    validated(registrant, exclude=("site",))
    registrant.save()
    _audit(actor, site, "registrant", registrant.pk, Action.CREATE)
    return registrant


@transaction.atomic
def product_create(
    *,
    actor: User,
    name: str,
    ndc: str,
    concentration_mg_per_ml: Decimal,
    container_volume_ml: Decimal,
    dosage_form: str = "injectable solution",
) -> Product:
    if not actor.has_role_perm(Perm.INVENTORY_MANAGE):
        raise ApplicationError("Only the compliance officer adds products.")
    product = validated(
        Product(
            name=name.strip(),
            ndc=ndc.strip(),
            concentration_mg_per_ml=concentration_mg_per_ml,
            container_volume_ml=container_volume_ml,
            dosage_form=dosage_form.strip(),
        )
    )
    product.save()
    _audit(actor, None, "product", product.pk, Action.CREATE)
    return product


@transaction.atomic
def location_create(*, actor: User, site: Site, name: str, kind: LocationKind) -> StorageLocation:
    require_site(user=actor, site=site, perm=Perm.INVENTORY_MANAGE, target_type="storage_location")
    if StorageLocation.objects.filter(site=site, name__iexact=name.strip()).exists():
        message = f"{site.name} already has a location named {name.strip()}: pick another name."
        raise ApplicationError(message, field_errors={"name": [message]})
    location = validated(
        StorageLocation(site=site, name=name.strip(), kind=kind), exclude=("site",)
    )
    location.save()
    _audit(actor, site, "storage_location", location.pk, Action.CREATE)
    return location


@transaction.atomic
def settings_update(*, actor: User, site: Site, waste_witness_required: bool) -> InventorySettings:
    require_site(
        user=actor, site=site, perm=Perm.INVENTORY_MANAGE, target_type="inventory_settings"
    )
    settings, _ = InventorySettings.objects.get_or_create(site=site)
    settings.waste_witness_required = waste_witness_required
    settings.updated_by = actor
    settings.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        site=site,
        target_type="inventory_settings",
        target_id=settings.pk,
        detail=f"waste_witness_required={waste_witness_required}",
    )
    return settings

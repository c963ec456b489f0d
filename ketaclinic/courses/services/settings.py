"""Per-site treatment settings the clinic admin owns (integration window, weight age...)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFoundError, validated
from ketaclinic.courses.models import SiteTreatmentSettings

TARGET_TYPE = "site_treatment_settings"


def treatment_settings_update(
    *,
    actor: User,
    site: Site,
    integration_window_hours: int,
    weight_max_age_days: int,
    bag_volume_ml: Decimal,
    concentration_mg_per_ml: Decimal,
) -> SiteTreatmentSettings:
    """Change one site's settings (clinic admins of that site only)."""
    require_perm(
        user=actor,
        perm=Perm.PROTOCOL_MANAGE,
        target_type=TARGET_TYPE,
        target_id=site.pk,
        message="Only a clinic admin can change a site's treatment settings.",
    )
    if site.pk not in actor.site_ids:
        raise NotFoundError("No site with that id among your sites.")
    with transaction.atomic():
        found = SiteTreatmentSettings.objects.select_for_update().filter(site=site).first()
        settings = found or SiteTreatmentSettings(site=site)
        before = {
            "integration_window_hours": settings.integration_window_hours,
            "weight_max_age_days": settings.weight_max_age_days,
            "bag_volume_ml": settings.bag_volume_ml,
            "concentration_mg_per_ml": settings.concentration_mg_per_ml,
        }
        settings.integration_window_hours = integration_window_hours
        settings.weight_max_age_days = weight_max_age_days
        settings.bag_volume_ml = bag_volume_ml
        settings.concentration_mg_per_ml = concentration_mg_per_ml
        settings.updated_by = actor
        validated(settings, exclude=("site",)).save()
        changed = [name for name, value in before.items() if getattr(settings, name) != value]
        audit_record(
            actor=actor,
            action=Action.CREATE if found is None else Action.UPDATE,
            site=site,
            target_type=TARGET_TYPE,
            target_id=settings.pk,
            detail="changed " + (",".join(changed) or "nothing"),
        )
        return settings

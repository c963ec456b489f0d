"""Site-scoped reads for treatment courses."""

from __future__ import annotations

from ketaclinic.accounts.models import Site
from ketaclinic.courses.models import SiteTreatmentSettings


def treatment_settings_for(*, site: Site) -> SiteTreatmentSettings:
    """The site's settings, or the defaults (unsaved) when the clinic has not changed any."""
    found = SiteTreatmentSettings.objects.filter(site=site).first()
    return found if found is not None else SiteTreatmentSettings(site=site)

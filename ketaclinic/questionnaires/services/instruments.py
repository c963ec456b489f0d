"""Installing instrument definitions and switching instruments on or off per site."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, NotFoundError
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.library import definition_install
from ketaclinic.questionnaires.models import Instrument, InstrumentSiteSetting
from ketaclinic.questionnaires.selectors import instrument_active_get
from ketaclinic.questionnaires.services._common import validated

SETTING_TARGET = "instrument_site_setting"


@transaction.atomic
def instrument_import(*, definition: Mapping[str, Any]) -> Instrument:
    """Install a definition (a new instrument or a new version) as the active version.

    A data change, not a code change: the definition must pass
    `scoring.validate_definition`. Site switches carry over to the new version.
    """
    previous = Instrument.objects.filter(code=definition.get("code"), is_active=True).first()
    instrument: Instrument
    try:
        instrument, created = definition_install(instrument_model=Instrument, raw=dict(definition))
    except scoring.DefinitionError as error:
        raise ApplicationError(str(error), field_errors={"definition": error.problems}) from error
    if not created:
        return instrument
    if previous is not None:
        InstrumentSiteSetting.objects.bulk_create(
            InstrumentSiteSetting(
                site_id=setting.site_id,
                instrument=instrument,
                enabled=setting.enabled,
                updated_by=setting.updated_by,
            )
            for setting in previous.site_settings.all()
        )
    audit_record(
        actor=None,
        actor_username="instrument import",
        action=Action.CREATE,
        target_type="instrument",
        target_id=f"{instrument.code} v{instrument.version}",
        detail="definition installed",
    )
    return instrument


def instrument_site_setting_set(
    *, actor: User, site_id: int, instrument_code: str, enabled: bool
) -> InstrumentSiteSetting:
    """Switch an instrument on or off at one of the clinic admin's sites."""
    require_perm(
        user=actor,
        perm=Perm.INSTRUMENT_MANAGE,
        target_type=SETTING_TARGET,
        target_id=instrument_code,
        message="Only a clinic admin can switch instruments on or off. Ask your clinic admin.",
    )
    site = Site.objects.filter(pk=site_id, pk__in=actor.site_ids).first()
    if site is None:
        audit_record(
            actor=actor,
            action=Action.ACCESS_DENIED,
            target_type=SETTING_TARGET,
            target_id=instrument_code,
            outcome=Outcome.DENIED,
            detail=f"site {site_id} is not one of the user's sites",
        )
        raise NotFoundError("No site with that id among your sites.")
    instrument = instrument_active_get(code=instrument_code)
    with transaction.atomic():
        setting = (
            InstrumentSiteSetting.objects.select_for_update()
            .filter(site=site, instrument=instrument)
            .first()
        ) or InstrumentSiteSetting(site=site, instrument=instrument)
        setting.enabled = enabled
        setting.updated_by = actor
        validated(setting).save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            site=site,
            target_type=SETTING_TARGET,
            target_id=instrument.code,
            detail=f"{instrument.code} {'enabled' if enabled else 'disabled'} at this site",
        )
    return setting

"""Reads of instrument definitions and of the per-site switches."""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, ErrorCode, NotFoundError
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import Instrument, InstrumentSiteSetting


def instrument_active_get(*, code: str) -> Instrument:
    """The active version of an instrument; a 404 naming the known codes otherwise."""
    instrument = Instrument.objects.filter(code=code, is_active=True).first()
    if instrument is None:
        known = ", ".join(Instrument.objects.filter(is_active=True).values_list("code", flat=True))
        raise NotFoundError(f"No instrument {code!r}. Known instruments: {known}.")
    return instrument


def instruments_active() -> list[Instrument]:
    """The active version of every installed instrument."""
    return list(Instrument.objects.filter(is_active=True).order_by("code"))


def disabled_instrument_ids(*, site_id: int) -> set[int]:
    return set(
        InstrumentSiteSetting.objects.filter(site_id=site_id, enabled=False).values_list(
            "instrument_id", flat=True
        )
    )


def instruments_enabled(*, site_id: int) -> list[Instrument]:
    """Active instruments the site administers (the clinic admin has not switched them off)."""
    disabled = disabled_instrument_ids(site_id=site_id)
    return [i for i in instruments_active() if i.pk not in disabled]


def instrument_for_administration(*, patient: Patient, code: str) -> Instrument:
    """The instrument to give this patient, refused when switched off at the patient's site."""
    instrument = instrument_active_get(code=code)
    if instrument.pk in disabled_instrument_ids(site_id=patient.site_id):
        raise ApplicationError(
            f"{instrument.title} is switched off at {patient.site.name} by your clinic admin, "
            "so it cannot be given here. Ask the clinic admin to switch it on, or choose "
            "another instrument.",
            code=ErrorCode.CONFLICT,
        )
    return instrument


@dataclass(frozen=True)
class InstrumentSiteRow:
    instrument: Instrument
    sites: list[tuple[Site, bool]]  # each of the admin's sites and whether it is enabled there


def instrument_settings_list(*, user: User) -> list[InstrumentSiteRow]:
    """Every active instrument with its on/off state at each of the clinic admin's sites."""
    require_perm(
        user=user,
        perm=Perm.INSTRUMENT_MANAGE,
        target_type="instrument_site_setting",
        message="Only a clinic admin can switch instruments on or off. Ask your clinic admin.",
    )
    sites = list(Site.objects.filter(pk__in=user.site_ids).order_by("name"))
    disabled = set(
        InstrumentSiteSetting.objects.filter(site__in=sites, enabled=False).values_list(
            "site_id", "instrument_id"
        )
    )
    return [
        InstrumentSiteRow(
            instrument=instrument,
            sites=[(site, (site.pk, instrument.pk) not in disabled) for site in sites],
        )
        for instrument in instruments_active()
    ]

"""Planning the dose from the patient's latest weight, and its check by a second clinician."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.courses.selectors import treatment_settings_for
from ketaclinic.infusions.models import Infusion, InfusionDosePhase, InfusionStatus
from ketaclinic.infusions.services._common import (
    audit,
    local,
    locked,
    refuse,
    require_chart,
    require_status,
)
from ketaclinic.inventory.models import Registrant
from ketaclinic.inventory.selectors import lots_for_administration
from ketaclinic.patients.selectors import latest_weight
from ketaclinic.protocols.dosing import plan_dose
from ketaclinic.protocols.models import Route

TARGET = "infusion_dose"


def stocked_concentration(*, infusion: Infusion, on: dt.datetime) -> Decimal | None:
    """The concentration of the ketamine the site's register holds, when every unexpired lot
    in stock has the same one; None where the site keeps no register here, has no stock, or
    stocks several concentrations (then the nurse's entry or the site setting applies).

    Planning at the stocked concentration keeps the volumes right: a plan at the site
    setting (say 10 mg/mL) drawn up from a 50 mg/mL vial would be a five-fold overdose.
    """
    if not Registrant.objects.filter(site_id=infusion.site_id).exists():
        return None
    day = on.astimezone(zoneinfo.ZoneInfo(infusion.site.time_zone)).date()
    found = {
        stock.concentration_mg_per_ml
        for stock in lots_for_administration(site=infusion.site, on=day)
    }
    return found.pop() if len(found) == 1 else None


@transaction.atomic
def infusion_dose_plan(
    *,
    actor: User,
    infusion: Infusion,
    concentration_mg_per_ml: Decimal | None = None,
    bag_volume_ml: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Infusion:
    """Compute the dose from the protocol version and the latest weight, and store it.

    Refused when the weight is older than the site's limit. Without a concentration, the
    plan uses the register's stock where every unexpired lot in stock has the same
    concentration, else the site's setting; the bag volume defaults to the site's setting.
    Re-planning replaces the plan and clears any verification: a second clinician verifies
    the new plan before the start.
    """
    require_chart(actor=actor, infusion=infusion, target_type=TARGET)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.SCHEDULED,), "plan the dose")
    # A re-plan after the verification (for example at the stocked vial's concentration)
    # clears it: the new plan must be verified again by a second clinician before the start.
    was_verified = infusion.dose_verified_at is not None
    moment = now or timezone.now()
    settings = treatment_settings_for(site=infusion.site)
    weight = latest_weight(patient=infusion.patient)
    if weight is None or weight.weight_kg is None:
        raise refuse(
            "weight_kg", "No weight on record: weigh the patient before computing the dose."
        )
    max_age = settings.weight_max_age_days
    if moment - weight.measured_at > dt.timedelta(days=max_age):
        raise refuse(
            "weight_kg",
            f"Weight is older than {max_age} days: weigh the patient before computing the dose "
            f"(last weighed {local(infusion, weight.measured_at)}).",
        )
    version = infusion.course.protocol_version
    if bag_volume_ml is None and version.route == Route.IV:
        bag_volume_ml = settings.bag_volume_ml
    if concentration_mg_per_ml is None:
        concentration_mg_per_ml = (
            stocked_concentration(infusion=infusion, on=moment) or settings.concentration_mg_per_ml
        )
    plan = plan_dose(
        version=version,
        weight_kg=weight.weight_kg,
        concentration_mg_per_ml=concentration_mg_per_ml,
        bag_volume_ml=bag_volume_ml,
        session_number=infusion.session_number,
    )
    infusion.weight_kg = plan.weight_kg
    infusion.weight_measured_at = weight.measured_at
    infusion.concentration_mg_per_ml = plan.concentration_mg_per_ml
    infusion.bag_volume_ml = plan.bag_volume_ml
    infusion.planned_mg_per_kg = plan.total_mg_per_kg
    infusion.planned_total_mg = plan.total_mg
    infusion.planned_total_ml = plan.total_volume_ml
    infusion.dose_planned_by = actor
    infusion.dose_planned_at = moment
    infusion.dose_verified_by = None
    infusion.dose_verified_at = None
    infusion.save()
    # The plan is a draft until the start: a re-plan replaces its phases (the audit keeps each).
    InfusionDosePhase.objects.filter(infusion=infusion).delete()
    InfusionDosePhase.objects.bulk_create(
        InfusionDosePhase(
            infusion=infusion,
            order=phase.order,
            kind=phase.kind,
            mg_per_kg=phase.mg_per_kg,
            minutes=phase.minutes,
            dose_mg=phase.dose_mg,
            volume_ml=phase.volume_ml,
            rate_ml_per_h=phase.rate_ml_per_h,
        )
        for phase in plan.phases
    )
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail=(
            f"dose planned: {plan.total_mg} mg, {len(plan.phases)} phase(s)"
            + ("; earlier verification cleared" if was_verified else "")
        ),
    )
    return infusion


@transaction.atomic
def infusion_dose_verify(
    *, actor: User, infusion: Infusion, now: dt.datetime | None = None
) -> Infusion:
    """A second clinician (not the one who planned it) confirms the planned dose."""
    require_chart(actor=actor, infusion=infusion, perm=Perm.DOSE_VERIFY, target_type=TARGET)
    infusion = locked(infusion)
    require_status(infusion, (InfusionStatus.SCHEDULED,), "verify the dose")
    if infusion.planned_total_mg is None:
        raise refuse("dose", "No dose has been planned yet: compute the dose first.")
    if infusion.dose_verified_at is not None:
        raise refuse("dose", "The dose is already verified: nothing to do.", conflict=True)
    if infusion.dose_planned_by_id == actor.pk:
        raise refuse(
            "dose",
            "You planned this dose, so a second clinician must verify it: ask a nurse or "
            "physician colleague to check and verify it.",
            conflict=True,
        )
    infusion.dose_verified_by = actor
    infusion.dose_verified_at = now or timezone.now()
    infusion.save(update_fields=["dose_verified_by", "dose_verified_at"])
    audit(
        actor=actor,
        infusion=infusion,
        action=Action.UPDATE,
        target_type=TARGET,
        target_id=infusion.pk,
        detail="dose verified",
    )
    return infusion

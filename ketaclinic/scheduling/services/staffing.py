"""Who an appointment needs: a qualified clinician working then and not away; for an
infusion a nurse at the chairside and a physician on site to supervise."""

from __future__ import annotations

import datetime as dt

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.scheduling import rules
from ketaclinic.scheduling.models import AppointmentKind, Availability, HoldRole, TimeOff, Weekday
from ketaclinic.scheduling.services._common import clock, refuse, span_label
from ketaclinic.scheduling.services._plan import Plan, article, local
from ketaclinic.scheduling.services.config import nurses_at


def require_available(
    member: User, site: Site, starts_at: dt.datetime, ends_at: dt.datetime, field_name: str
) -> None:
    """The member works at `site` for the whole span and is not away."""
    away = TimeOff.objects.filter(user=member, starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if away is not None:
        raise refuse(
            field_name,
            f"{member} is away {span_label(site, away.starts_at, away.ends_at)}: choose "
            "another clinician or time.",
        )
    start, end = local(site, starts_at), local(site, ends_at)
    rows = list(Availability.objects.filter(user=member, site=site, weekday=start.weekday()))
    if rules.covers([rules.Window(a.starts_at, a.ends_at) for a in rows], start, end):
        return
    day = Weekday(start.weekday()).label
    works = ", ".join(f"{clock(a.starts_at)}-{clock(a.ends_at)}" for a in rows)
    hours = f"works {works} on {day}s" if works else f"does not work at {site.name} on {day}s"
    raise refuse(
        field_name,
        f"{member} {hours}, so is not available {clock(start)}-{clock(end)}: choose another "
        "clinician or time.",
    )


def qualified(member: User, site: Site, perm: Perm) -> bool:
    return staff_with_perm(site=site, perm=perm).filter(pk=member.pk).exists()


def assign_clinician(plan: Plan, clinician: User | None) -> None:
    kind_label = plan.type.get_kind_display().lower()
    if clinician is None and plan.type.kind == AppointmentKind.INTEGRATION and plan.course:
        clinician = plan.course.therapist
    if clinician is None:
        raise refuse("clinician", f"Choose the clinician for the {kind_label}.")
    if not qualified(clinician, plan.site, Perm(plan.type.clinician_perm)):
        raise refuse(
            "clinician",
            f"{clinician} cannot hold {article(kind_label)} at {plan.site.name}: choose a "
            "clinician from the list.",
        )
    require_available(clinician, plan.site, plan.starts_at, plan.ends_at, "clinician")
    plan.clinician = clinician
    plan.staff.append((clinician, HoldRole.CLINICIAN))


def assign_infusion_staff(plan: Plan, physician: User | None, nurse: User | None) -> None:
    """A nurse at the chairside (held, see rules.CAPACITY) and a physician on site to
    supervise: the one named, else the course's supervising physician when on site, else any
    physician working at the site for the whole span."""
    if nurse is None:
        raise refuse("nurse", "Choose the nurse for the infusion.")
    if not nurses_at(site=plan.site).filter(pk=nurse.pk).exists():
        raise refuse(
            "nurse",
            f"{nurse} is not a nurse at {plan.site.name}: choose a nurse from the list.",
        )
    require_available(nurse, plan.site, plan.starts_at, plan.ends_at, "nurse")
    plan.nurse = nurse
    plan.staff.append((nurse, HoldRole.NURSE))
    perm = Perm(plan.type.clinician_perm)
    if physician is not None:
        if not qualified(physician, plan.site, perm):
            raise refuse(
                "clinician",
                f"{physician} cannot supervise infusions at {plan.site.name}: choose a physician.",
            )
        require_available(physician, plan.site, plan.starts_at, plan.ends_at, "clinician")
    else:
        physician = physician_on_site(plan, perm)
    plan.clinician = physician
    plan.staff.append((physician, HoldRole.PHYSICIAN))


def physician_on_site(plan: Plan, perm: Perm) -> User:
    candidates = list(staff_with_perm(site=plan.site, perm=perm))
    preferred = plan.course.supervising_physician_id if plan.course else None
    candidates.sort(key=lambda user: user.pk != preferred)
    for candidate in candidates:
        try:
            require_available(candidate, plan.site, plan.starts_at, plan.ends_at, "clinician")
        except ApplicationError:
            continue
        return candidate
    raise refuse(
        "clinician",
        f"No physician works at {plan.site.name} "
        f"{span_label(plan.site, plan.starts_at, plan.ends_at)} to supervise the infusion: "
        "choose a time when one is on site.",
    )

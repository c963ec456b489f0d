"""The flowsheet template's context: the stored state plus one form per action, with the
form that just failed kept bound (its typed values and messages) in its place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.infusions import forms as f
from ketaclinic.infusions.models import Infusion, InfusionEventKind, InfusionStatus, VitalsEntry
from ketaclinic.infusions.selectors.pages import Flowsheet, flowsheet
from ketaclinic.infusions.services.vitals import VOIDABLE
from ketaclinic.inventory.models import LedgerEntry, Registrant
from ketaclinic.inventory.selectors import lots_for_administration

_SINGLE: dict[str, type[f.ServiceForm]] = {
    "plan": f.DosePlanForm,
    "verify": f.EmptyForm,
    "start": f.StartForm,
    "vitals": f.VitalsForm,
    "rate": f.RateForm,
    "pause": f.ReasonForm,
    "restart": f.ReasonForm,
    "stop": f.StopForm,
    "adverse_event": f.AdverseEventForm,
    "dissociation": f.DissociationForm,
    "recovery": f.RecoveryForm,
    "discharge": f.DischargeForm,
    "sign": f.EmptyForm,
    "cancel": f.ReasonForm,
}


def _initial(infusion: Infusion, action: str) -> dict[str, Any]:
    if action == "start":
        return {"lot_number": infusion.lot_number}
    if action == "stop":
        return {"administered_mg": infusion.planned_total_mg}
    if action == "recovery":
        return {"circulation_variant": "mmhg"}
    return {}


def flowsheet_context(
    *, user: User, infusion: Infusion, failed: tuple[str, Any] | None = None
) -> dict[str, Any]:
    failed_action, failed_form = failed if failed else ("", None)
    failed_data = failed_form.data if failed_form is not None else {}
    fs = flowsheet(infusion=infusion)
    forms: dict[str, f.ServiceForm] = {
        action: form_class(initial=_initial(infusion, action), auto_id=f"id_{action}_%s")
        for action, form_class in _SINGLE.items()
    }
    if failed_form is not None and failed_action in forms:
        forms[failed_action] = failed_form
    checklist: list[tuple[object, f.ServiceForm]] = []
    for row in fs.checklist:
        item_form: f.ServiceForm = f.ChecklistForm(
            initial={"item": row.item.value}, auto_id=f"id_{row.item.value}_%s"
        )
        mine = failed_action == "checklist" and failed_data.get("item") == row.item.value
        if failed_form is not None and mine:
            item_form = failed_form
        checklist.append((row, item_form))
    alerts: list[tuple[object, f.ServiceForm]] = []
    for alert in fs.open_alerts:
        alert_form: f.ServiceForm = f.AlertResponseForm(
            initial={"alert_id": alert.pk}, auto_id=f"id_respond_{alert.pk}_%s"
        )
        mine = failed_action == "respond" and failed_data.get("alert_id") == str(alert.pk)
        if failed_form is not None and mine:
            alert_form = failed_form
        if infusion.status != InfusionStatus.RUNNING:
            # Only a running infusion can be paused (a hold-start alert comes before it).
            alert_form.fields.pop("pause_infusion", None)
        alerts.append((alert, alert_form))
    voids: list[tuple[VitalsEntry, list[str], f.ServiceForm | None]] = []
    for entry in fs.vitals_rows:
        void_form: f.ServiceForm | None = None
        if entry.voided_at is None:
            void_form = f.VitalsVoidForm(
                initial={"vitals_id": entry.pk}, auto_id=f"id_void_{entry.pk}_%s"
            )
            mine = failed_action == "void" and failed_data.get("vitals_id") == str(entry.pk)
            if failed_form is not None and mine:
                void_form = failed_form
        voids.append((entry, _distinct_actions(entry), void_form))
    failed_message = failed_form.non_field_errors() if failed_form is not None else []
    _register_options(infusion=infusion, user=user, forms=forms)
    return {
        "infusion": infusion,
        "fs": fs,
        "forms": forms,
        "vitals_form": forms["vitals"],
        "checklist": checklist,
        "alert_forms": alerts,
        "vitals_rows": voids,
        "can_void": user.has_role_perm(Perm.INFUSION_CHART) and infusion.status in VOIDABLE,
        "failed_action": failed_action,
        "failed_message": failed_message,
        "can_chart": user.has_role_perm(Perm.INFUSION_CHART),
        "pause": _pause_clock(fs),
        "register_entries": _register_entries(infusion),
        "can_verify": user.has_role_perm(Perm.DOSE_VERIFY)
        and infusion.dose_planned_by_id is not None
        and infusion.dose_planned_by_id != user.pk,
    }


def _distinct_actions(entry: VitalsEntry) -> list[str]:
    """Each alert action once per reading, in the order raised: two rules asking for the
    same action (for example SBP and DBP both "pause") give one badge, not two."""
    labels: list[str] = []
    for alert in entry.alerts.all():  # prefetched by the flowsheet selector
        label = alert.get_action_display()
        if label not in labels:
            labels.append(label)
    return labels


@dataclass(frozen=True)
class PauseClock:
    since: dt.datetime
    running_minutes: int


def _pause_clock(fs: Flowsheet) -> PauseClock | None:
    """For a paused infusion: when the pause began and how long the pump has run so far
    (the time between the start and now, less the pauses), from the infusion log."""
    infusion = fs.infusion
    if infusion.status != InfusionStatus.PAUSED or infusion.started_at is None:
        return None
    running = dt.timedelta(0)
    running_since: dt.datetime | None = infusion.started_at
    paused_since: dt.datetime | None = None
    for event in fs.events:
        if event.kind == InfusionEventKind.PAUSE and running_since is not None:
            running += max(event.occurred_at - running_since, dt.timedelta(0))
            running_since, paused_since = None, event.occurred_at
        elif event.kind == InfusionEventKind.RESTART and running_since is None:
            running_since = event.occurred_at
    if paused_since is None or running_since is not None:
        return None  # the log does not show the pause: the page shows the plain status
    return PauseClock(since=paused_since, running_minutes=int(running.total_seconds() // 60))


@dataclass(frozen=True)
class RegisterRow:
    occurred_at: dt.datetime
    kind: str
    lot_number: str
    location: str
    quantity_mg: str
    method: str
    witness: str
    actor: str


def _register_entries(infusion: Infusion) -> list[RegisterRow]:
    """The register entries written for this infusion (the administration and the witnessed
    waste, at its end, where the site keeps its register here): one query."""
    if infusion.ended_at is None:
        return []
    entries = (
        LedgerEntry.objects.filter(infusion=infusion)
        .select_related("lot", "location", "witness", "actor")
        .order_by("occurred_at", "id")
    )
    return [
        RegisterRow(
            occurred_at=entry.occurred_at,
            kind=entry.get_kind_display(),
            lot_number=entry.lot.lot_number,
            location=entry.location.name,
            quantity_mg=f"{abs(entry.quantity_mg).normalize():f}",
            method=entry.method,
            witness=str(entry.witness) if entry.witness else "",
            actor=str(entry.actor),
        )
        for entry in entries
    ]


_REGISTER_FIELDS = ("lot", "wasted_mg", "waste_method", "witness", "witness_password")


def _register_options(*, infusion: Infusion, user: User, forms: dict[str, f.ServiceForm]) -> None:
    """Offer the register's lots and the possible waste witnesses where the site keeps its
    register here; otherwise the end form asks only for the dose (issue 6, item 4)."""
    stop, start = forms["stop"], forms["start"]
    if not Registrant.objects.filter(site_id=infusion.site_id).exists():
        for name in _REGISTER_FIELDS:
            stop.fields.pop(name, None)
        return
    stock = lots_for_administration(site=infusion.site, on=timezone.localdate())
    lots: list[tuple[str, str]] = [("", "Choose the lot and location")]
    lots += [
        (
            f"{row.lot_id}:{row.location_id}",
            f"{row.lot_number}, {row.location_name}: {row.balance_mg.normalize():f} mg on hand, "
            f"expires {row.expires_on:%Y-%m-%d}",
        )
        for row in stock
        if not infusion.lot_number or row.lot_number == infusion.lot_number
    ]
    stop.fields["lot"].widget.choices = lots
    witnesses = staff_with_perm(site=infusion.site, perm=Perm.INVENTORY_WITNESS, exclude=user)
    stop.fields["witness"].widget.choices = [("", "Choose the witness")] + [
        (person.username, f"{person.get_full_name() or person.username} ({person.username})")
        for person in witnesses
    ]
    numbers = sorted({row.lot_number for row in stock})
    if numbers and not infusion.started_at:
        start.fields["lot_number"].widget = django_forms.Select(
            choices=[("", "Choose the lot")] + [(number, number) for number in numbers]
        )

"""The flowsheet template's context: the stored state plus one form per action, with the
form that just failed kept bound (its typed values and messages) in its place."""

from __future__ import annotations

from typing import Any

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.infusions import forms as f
from ketaclinic.infusions.models import Infusion
from ketaclinic.infusions.selectors.pages import flowsheet

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
        alerts.append((alert, alert_form))
    failed_message = failed_form.non_field_errors() if failed_form is not None else []
    return {
        "infusion": infusion,
        "fs": fs,
        "forms": forms,
        "vitals_form": forms["vitals"],
        "checklist": checklist,
        "alert_forms": alerts,
        "failed_action": failed_action,
        "failed_message": failed_message,
        "can_chart": user.has_role_perm(Perm.INFUSION_CHART),
        "can_verify": user.has_role_perm(Perm.DOSE_VERIFY)
        and infusion.dose_planned_by_id is not None
        and infusion.dose_planned_by_id != user.pk,
    }

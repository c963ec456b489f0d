"""The new-version form: the version's fields plus up to three phase rows.

The service checks the clinical rules (routes and phase kinds, order, limits) and names
what is wrong; the form only converts the typed text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketaclinic.core.errors import ApplicationError
from ketaclinic.protocols.models import PhaseKind, ProtocolVersion
from ketaclinic.protocols.services import EDITABLE_FIELDS, PhaseSpec

PHASE_ROWS = 3

_SCHEDULE_HELP = (
    "One per line: instrument code, then the event, for example 'meq30 post_infusion'. "
    "Events: baseline, pre_infusion, post_infusion, weekly_during_treatment, "
    "after_last_infusion."
)


class VersionForm(forms.ModelForm[ProtocolVersion]):
    instrument_schedule = forms.CharField(
        label="Questionnaires due",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_SCHEDULE_HELP,
    )
    change_reason = forms.CharField(
        label="Reason for the change",
        max_length=300,
        required=True,
        help_text="What changed and why, for example 'dose set by the medical director'.",
    )

    class Meta:
        model = ProtocolVersion
        fields = [f for f in EDITABLE_FIELDS if f != "instrument_schedule"]
        labels = {
            "route": "Route",
            "sessions_planned": "Sessions planned",
            "session_spacing_days": "Days between sessions (0 for a single session)",
            "entry_min_hours_abstinent": "Entry: minimum hours abstinent",
            "max_mg_per_kg": "Maximum mg/kg per session",
            "max_total_mg": "Maximum total mg per session",
            "min_infusion_minutes": "Minimum infusion minutes (IV)",
            "vitals_interval_intra_minutes": "Vitals every ... minutes during the infusion",
            "vitals_interval_post_minutes": "Vitals every ... minutes after the infusion",
            "min_observation_minutes": "Minimum observation after the infusion (minutes)",
            "outcome_set": "Outcomes reported",
        }
        widgets = {
            "adjunct_therapy": forms.Textarea(attrs={"rows": 2}),
            "outcome_set": forms.Textarea(attrs={"rows": 2}),
            "source": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        """`editing` a draft keeps its reason; a new version starts with an empty one."""
        super().__init__(*args, **kwargs)
        schedule = self.instance.instrument_schedule or []
        if not self.is_bound:
            self.initial["instrument_schedule"] = "\n".join(
                f"{item.get('instrument', '')} {item.get('event', '')}" for item in schedule
            )
            self.initial["change_reason"] = self.instance.change_reason if editing else ""

    def clean_instrument_schedule(self) -> list[dict[str, str]]:
        text = self.cleaned_data.get("instrument_schedule") or ""
        items: list[dict[str, str]] = []
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise forms.ValidationError(
                    f"'{line.strip()}' is not 'instrument event': {_SCHEDULE_HELP}"
                )
            items.append({"instrument": parts[0], "event": parts[1]})
        return items

    def changes(self) -> dict[str, object]:
        return {field: self.cleaned_data[field] for field in EDITABLE_FIELDS}


class PhaseForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "(not used)"), *PhaseKind.choices],
    )
    session_number = forms.IntegerField(
        label="Session (0 = every session)", min_value=0, initial=0, required=False
    )
    order = forms.IntegerField(label="Order", min_value=1, required=False)
    mg_per_kg = forms.DecimalField(
        label="Dose (mg/kg)",
        required=False,
        max_digits=5,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text="Empty only if the source gives no dose (the version cannot be used then).",
    )
    minutes = forms.IntegerField(label="Minutes", required=False, min_value=1)

    def spec(self) -> PhaseSpec | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return PhaseSpec(
            kind=data["kind"],
            mg_per_kg=data.get("mg_per_kg"),
            minutes=data.get("minutes"),
            order=data.get("order") or 1,
            session_number=data.get("session_number") or 0,
        )


def phase_forms(data: Any, version: ProtocolVersion) -> list[PhaseForm]:
    """PHASE_ROWS rows, prefilled with `version`'s phases when the page first opens."""
    phases = sorted(version.phases.all(), key=lambda p: (p.session_number, p.order))
    rows: list[PhaseForm] = []
    for index in range(PHASE_ROWS):
        initial: dict[str, object] = {}
        if index < len(phases):
            p = phases[index]
            initial = {
                "kind": p.kind,
                "session_number": p.session_number,
                "order": p.order,
                "mg_per_kg": p.mg_per_kg,
                "minutes": p.minutes,
            }
        rows.append(PhaseForm(data, prefix=f"phase{index + 1}", initial=initial))
    return rows


def add_service_errors(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a service's refusal on the fields it names, else at the top of the form."""
    for field, messages in error.field_errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if not error.field_errors:
        form.add_error(None, error.message)

"""Flowsheet forms: each parses one action's input and hands typed values to its service.

Times are typed in the site's time zone (the view activates it): "14:05" means today, or a
full date and time for charting that happened on another day. Blank means now.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.infusions.models import (
    AdverseEventKind,
    AdverseEventOutcome,
    AlertAction,
    AlertParameter,
    CirculationVariant,
    Comparator,
    DissociationInstrument,
    InfusionEffect,
    Severity,
    VitalsPhase,
)
from ketaclinic.infusions.services.running import RegisterDraw

_TIME_HELP = "Blank = now; 14:05 = today; or 2025-03-02 14:05."
_CHOOSE = ("", "Choose…")

# Modified Aldrete items, each scored 2 / 1 / 0, described as in DOMAIN.md section 2
# ("Recovery and discharge"). Every item starts blank: the nurse scores each one.
_ALDRETE_ACTIVITY = [
    (2, "2: moves 4 extremities"),
    (1, "1: moves 2 extremities"),
    (0, "0: moves 0 extremities"),
]
_ALDRETE_RESPIRATION = [
    (2, "2: deep breaths and cough"),
    (1, "1: dyspnoea or shallow breathing"),
    (0, "0: apnoea"),
]
_ALDRETE_CIRCULATION = [
    (2, "2: BP within 20 of pre-procedure"),
    (1, "1: BP 20-50 from pre-procedure"),
    (0, "0: BP beyond 50 from pre-procedure"),
]
_ALDRETE_CONSCIOUSNESS = [
    (2, "2: fully awake"),
    (1, "1: arousable on calling"),
    (0, "0: not responding"),
]
_ALDRETE_OXYGEN = [
    (2, "2: SpO2 > 92 % on room air"),
    (1, "1: needs O2 to stay > 90 %"),
    (0, "0: SpO2 < 90 % with O2"),
]


def _blank_first(choices: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """A required select that starts at "Choose…", so nothing is recorded by default."""
    return [_CHOOSE, *choices]


def _aldrete(
    label: str, choices: list[tuple[int, str]], help_text: str = ""
) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=_blank_first(list(choices)),
        coerce=int,
        empty_value=None,
        help_text=help_text,
    )


class LocalTimeField(forms.Field):
    """A time of day (today) or a date and time, in the active (site) time zone."""

    _FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _TIME_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "now", "size": 16}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        text = str(value or "").strip()
        if not text:
            return None
        zone = timezone.get_current_timezone()
        for fmt in ("%H:%M", *self._FORMATS):
            try:
                parsed = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            if fmt == "%H:%M":
                parsed = dt.datetime.combine(timezone.localdate(), parsed.time())
            return timezone.make_aware(parsed, zone)
        raise forms.ValidationError("Type the time as 14:05, or as 2025-03-02 14:05.")


class ServiceForm(forms.Form):
    """A form whose cleaned data are the service's keyword arguments."""

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def add_service_error(self, error: ApplicationError) -> None:
        """Show a refusal on the fields it names, else (and always as a summary) at the top."""
        placed = False
        for name, messages in error.field_errors.items():
            if name in self.fields and not self.fields[name].widget.is_hidden:
                for message in messages:
                    self.add_error(name, message)
                placed = True
        if not placed or len(error.field_errors) > 1:
            self.add_error(None, error.message)


class EmptyForm(ServiceForm):
    pass


class DosePlanForm(ServiceForm):
    concentration_mg_per_ml = forms.DecimalField(
        label="Vial concentration (mg/mL)",
        required=False,
        min_value=Decimal("0.01"),
        help_text=(
            "Blank = the register's stock concentration when all stock has the same one, "
            "else the site's default."
        ),
    )
    bag_volume_ml = forms.DecimalField(
        label="Bag volume (mL)",
        required=False,
        min_value=Decimal("1"),
        help_text="Blank = the site's default.",
    )


class ChecklistForm(ServiceForm):
    item = forms.CharField(widget=forms.HiddenInput)
    confirmed = forms.TypedChoiceField(
        choices=[("yes", "Confirm"), ("no", "Record a problem")],
        coerce=lambda value: value == "yes",
        widget=forms.HiddenInput,
    )
    hours_since_last_use = forms.IntegerField(
        label="Hours since last use", required=False, min_value=0, max_value=100000
    )
    note = forms.CharField(label="Note", required=False, max_length=300)
    at = LocalTimeField(label="Time")


class StartForm(ServiceForm):
    lot_number = forms.CharField(label="Lot or vial number", max_length=40)
    at = LocalTimeField(label="Start time")


class VitalsForm(ServiceForm):
    measured_at = LocalTimeField(label="Time")
    sbp = forms.IntegerField(label="Systolic (mmHg)", required=False)
    dbp = forms.IntegerField(label="Diastolic (mmHg)", required=False)
    hr = forms.IntegerField(label="Heart rate (/min)", required=False)
    spo2 = forms.IntegerField(label="SpO2 (%)", required=False)
    rr = forms.IntegerField(label="Resp. rate (/min)", required=False)
    moaas = forms.IntegerField(label="MOAA/S (0-5)", required=False)
    note = forms.CharField(label="Note", required=False, max_length=300)


class VitalsVoidForm(ServiceForm):
    vitals_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for voiding",
        max_length=300,
        help_text="For example 'typed 190 for 130'. The reading stays, struck through.",
    )


class AlertResponseForm(ServiceForm):
    alert_id = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.CharField(label="Response", max_length=1000)
    pause_infusion = forms.BooleanField(label="Pause the infusion now", required=False)
    at = LocalTimeField(label="Time")


class ReasonForm(ServiceForm):
    reason = forms.CharField(label="Reason", max_length=300)
    at = LocalTimeField(label="Time")


class RateForm(ReasonForm):
    new_rate_ml_per_h = forms.DecimalField(label="New rate (mL/h)", min_value=Decimal("0.1"))
    field_order = ["new_rate_ml_per_h", "reason", "at"]


class StopForm(ReasonForm):
    """The end of the infusion and, where the site keeps its register here, the register draw:
    the lot and location (offered by the flowsheet), and the witnessed waste of the rest."""

    administered_mg = forms.DecimalField(label="Dose given (mg)", min_value=Decimal("0"))
    lot = forms.CharField(label="Drawn from (lot, location)", required=False, widget=forms.Select)
    wasted_mg = forms.DecimalField(
        label="Wasted (mg)", required=False, min_value=Decimal("0"), help_text="Blank = none."
    )
    waste_method = forms.CharField(label="Waste method", required=False, max_length=120)
    witness = forms.CharField(label="Waste witness", required=False, widget=forms.Select)
    witness_password = forms.CharField(
        label="Witness's password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="The witness types their own password now.",
    )
    field_order = ["administered_mg", "lot", "wasted_mg", "waste_method", "witness"]

    def clean_lot(self) -> tuple[int, int] | None:
        value = self.cleaned_data.get("lot") or ""
        if not value:
            return None
        lot_id, _, location_id = value.partition(":")
        if not (lot_id.isdigit() and location_id.isdigit()):
            raise forms.ValidationError("Choose the lot and location from the list.")
        return int(lot_id), int(location_id)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        chosen = data.pop("lot")
        wasted = data.pop("wasted_mg") or Decimal(0)
        method, password = data.pop("waste_method"), data.pop("witness_password")
        username = data.pop("witness")
        witness = User.objects.filter(username=username).first() if username else None
        if chosen is not None:
            data["draw"] = RegisterDraw(
                lot_id=chosen[0],
                location_id=chosen[1],
                wasted_mg=wasted,
                waste_method=method,
                witness=witness,
                witness_password=password,
            )
        return data


class AdverseEventForm(ServiceForm):
    kind = forms.ChoiceField(label="Adverse event", choices=_blank_first(AdverseEventKind.choices))
    severity = forms.ChoiceField(label="Severity", choices=_blank_first(Severity.choices))
    onset_at = LocalTimeField(label="Onset")
    description = forms.CharField(label="Description", required=False, max_length=500)
    action_taken = forms.CharField(label="Action taken", max_length=500)
    outcome = forms.ChoiceField(label="Outcome", choices=_blank_first(AdverseEventOutcome.choices))
    infusion_effect = forms.ChoiceField(
        label="Infusion", choices=_blank_first(InfusionEffect.choices)
    )


class DissociationForm(ServiceForm):
    instrument = forms.ChoiceField(label="Instrument", choices=DissociationInstrument.choices)
    score = forms.DecimalField(label="Total score", min_value=Decimal("0"), max_digits=5)
    rated_at = LocalTimeField(label="Time")
    note = forms.CharField(label="Note", required=False, max_length=300)


class RecoveryForm(ServiceForm):
    activity = _aldrete("Activity", _ALDRETE_ACTIVITY)
    respiration = _aldrete("Respiration", _ALDRETE_RESPIRATION)
    circulation = _aldrete(
        "Circulation",
        _ALDRETE_CIRCULATION,
        help_text='In mmHg or in %: say which under "Circulation judged".',
    )
    circulation_variant = forms.ChoiceField(
        label="Circulation judged", choices=CirculationVariant.choices
    )
    consciousness = _aldrete("Consciousness", _ALDRETE_CONSCIOUSNESS)
    oxygen = _aldrete("SpO2", _ALDRETE_OXYGEN)
    scored_at = LocalTimeField(label="Time")


class DischargeForm(ServiceForm):
    escort_present = forms.BooleanField(label="Escort present", required=False)
    no_driving_advice_given = forms.BooleanField(label="No-driving advice given", required=False)
    sedation_resolved = forms.BooleanField(label="Sedation resolved", required=False)
    dissociation_resolved = forms.BooleanField(label="Dissociation resolved", required=False)
    minutes_until_ready = forms.IntegerField(
        label="Minutes until ready to leave", min_value=0, max_value=1440
    )
    early_reason = forms.CharField(
        label="Physician's reason for discharge before the minimum observation",
        required=False,
        max_length=500,
    )
    at = LocalTimeField(label="Discharge time")


class AlertRuleForm(ServiceForm):
    parameter = forms.ChoiceField(label="Parameter", choices=AlertParameter.choices)
    phase = forms.ChoiceField(label="Phase", choices=VitalsPhase.choices)
    comparator = forms.ChoiceField(label="Comparator", choices=Comparator.choices)
    value = forms.DecimalField(label="Threshold", max_digits=6, decimal_places=1)
    action = forms.ChoiceField(label="Action", choices=AlertAction.choices)
    owner = forms.CharField(label="Owner (medical director)", max_length=120)
    source = forms.CharField(label="Source", widget=forms.Textarea(attrs={"rows": 2}))
    site_id = forms.TypedChoiceField(label="Site", coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, sites: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site_id"].choices = [("", "All sites"), *sites]  # type: ignore[attr-defined]  # ChoiceField


class RetireForm(ServiceForm):
    reason = forms.CharField(label="Reason for retiring", max_length=300)

"""Page input for the staff recovery pages: the follow-back grid, rules and relapse notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms

from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import AddictionTarget, RecoveryUnit
from ketaclinic.recovery.models import TEST_SOURCES, RelapseRuleKind, Source, Trigger
from ketaclinic.recovery.services import FollowbackEntry, RuleDraft
from ketaclinic.recovery.services.followback import MAX_DAYS_PER_SAVE, STAFF_SOURCES

DEFAULT_RANGE_DAYS = 30


class ServiceForm(forms.Form):
    def add_service_error(self, error: ApplicationError) -> None:
        """A refusal on the fields it names, and always as a summary at the top."""
        for name, messages in error.field_errors.items():
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
        self.add_error(None, error.message)


class RangeForm(forms.Form):
    """Which target, source and days the follow-back grid shows (GET)."""

    target = forms.TypedChoiceField(coerce=int, label="Addiction target")
    source = forms.ChoiceField(
        choices=[(s.value, s.label) for s in STAFF_SOURCES], initial=Source.INTERVIEW
    )
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="To")

    def __init__(
        self, data: Any, *, targets: list[AddictionTarget], today: dt.date, **kwargs: Any
    ) -> None:
        initial = {
            "target": targets[0].pk if targets else None,
            "source": Source.INTERVIEW,
            "start": today - dt.timedelta(days=DEFAULT_RANGE_DAYS - 1),
            "end": today,
        }
        merged = {**initial, **{k: v for k, v in (data or {}).items() if v}}
        super().__init__(merged, **kwargs)
        self.today = today
        target_field = self.fields["target"]
        assert isinstance(target_field, forms.TypedChoiceField)
        target_field.choices = [(t.pk, t.display_name) for t in targets]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end > self.today:
                self.add_error("end", "The range cannot go past today.")
            elif start > end:
                self.add_error("start", "From is after To: swap the dates.")
            elif (end - start).days >= MAX_DAYS_PER_SAVE:
                self.add_error("start", f"Show at most {MAX_DAYS_PER_SAVE} days at a time.")
        return data


def day_field_name(day: dt.date) -> str:
    return f"day-{day.isoformat()}"


class FollowbackForm(ServiceForm):
    """One input per day: an amount (interview) or positive/negative (a test). A blank day
    is left as it is: unknown, or the record already saved."""

    def __init__(self, data: Any, *, source: str, days: list[dt.date], unit: str) -> None:
        super().__init__(data)
        self.source, self.days = source, days
        unit_label = RecoveryUnit(unit).label if unit in RecoveryUnit.values else unit
        for day in days:
            if source in TEST_SOURCES:
                field: forms.Field = forms.ChoiceField(
                    required=False,
                    choices=[("", "—"), ("negative", "Negative"), ("positive", "Positive")],
                    label=f"{day:%a %d %b}",
                )
            else:
                field = forms.DecimalField(
                    required=False,
                    min_value=Decimal(0),
                    max_digits=8,
                    decimal_places=2,
                    label=f"{day:%a %d %b}",
                    widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
                    help_text=unit_label,
                )
            self.fields[day_field_name(day)] = field

    def entries(self) -> list[FollowbackEntry]:
        out = []
        for day in self.days:
            value = self.cleaned_data.get(day_field_name(day))
            if value in (None, ""):
                continue
            if self.source in TEST_SOURCES:
                out.append(FollowbackEntry(day=day, used=value == "positive"))
            else:
                out.append(FollowbackEntry(day=day, used=value > 0, quantity=value))
        return out


class RuleForm(ServiceForm):
    """The next version of one target's rule at a site."""

    relapse_kind = forms.ChoiceField(choices=RelapseRuleKind.choices, label="Relapse is")
    relapse_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        label="N (days)",
        help_text="Heavy or consecutive days.",
    )
    relapse_window_days = forms.IntegerField(
        required=False, min_value=1, max_value=365, label="M (window, days)"
    )
    heavy_threshold_male = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        label="Heavy-use threshold, men",
    )
    heavy_threshold_female = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        label="Heavy-use threshold, women (also intersex and unknown)",
    )
    heavy_unit = forms.ChoiceField(
        required=False, choices=[("", "—"), *RecoveryUnit.choices], label="Threshold unit"
    )
    grace_days = forms.IntegerField(
        min_value=0, max_value=365, initial=0, label="Grace period (days after the start day)"
    )
    source_note = forms.CharField(
        max_length=300, required=False, label="Source (trial definition or clinic decision)"
    )

    def draft(self) -> RuleDraft:
        data = self.cleaned_data
        return RuleDraft(
            relapse_kind=data["relapse_kind"],
            relapse_days=data.get("relapse_days"),
            relapse_window_days=data.get("relapse_window_days"),
            heavy_threshold_male=data.get("heavy_threshold_male"),
            heavy_threshold_female=data.get("heavy_threshold_female"),
            heavy_unit=data.get("heavy_unit") or "",
            grace_days=data["grace_days"],
            source_note=data.get("source_note") or "",
        )


class RelapseNoteForm(ServiceForm):
    context = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was happening around the use: where, with whom, how it started.",
    )
    triggers = forms.MultipleChoiceField(
        choices=Trigger.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What the patient and team will do next.",
    )

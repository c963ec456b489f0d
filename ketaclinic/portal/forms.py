"""Input forms. The services check the rules and name what is wrong; forms check the shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms

from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import AddictionTarget
from ketaclinic.recovery.models import DailyRecord, Mood, Trigger
from ketaclinic.recovery.services import CheckinEntry


def add_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on the fields it names, else at the top of the form."""
    placed = False
    for field, messages in error.field_errors.items():
        if field in form.fields:
            for message in messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class InviteForm(forms.Form):
    prefix = "portal-invite"

    email = forms.EmailField(
        label="Patient's email address",
        max_length=150,
        help_text="The patient signs in with this address. The invitation link goes there.",
        error_messages={"required": "Enter the patient's email address: the link is sent there."},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class DisableForm(forms.Form):
    prefix = "portal-disable"

    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="For example 'patient asked' or 'email address no longer theirs'.",
        error_messages={"required": "Give the reason for disabling the portal login."},
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ActivateForm(forms.Form):
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 12 characters. Not a common password, and not your email address.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    password_confirm = forms.CharField(
        label="Type it again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password"), cleaned.get("password_confirm")
        if first and second and first != second:
            self.add_error("password_confirm", "The two passwords differ: type the same twice.")
        return cleaned


# --- The daily check-in -----------------------------------------------------------------------

YES, NO = "yes", "no"
# How the check-in asks about each target; anything else reads "Did you use ... today?".
_QUESTIONS = {
    "alcohol": "Did you drink alcohol today?",
    "gambling": "Did you gamble today?",
    "food": "Did you binge eat today?",
    "shopping": "Did you shop compulsively today?",
    "sex": "Did you act on a sexual compulsion today?",
}
CRAVING_CHOICES = [(str(value), str(value)) for value in range(11)]


def use_question(target: AddictionTarget) -> str:
    if target.target in _QUESTIONS:
        return _QUESTIONS[target.target]
    return f"Did you use {target.display_name.lower()} today?"


class TargetCheckinForm(forms.Form):
    """One addiction target's part of the day's check-in. Nothing is preselected: a blank
    answer is never taken for abstinence."""

    used = forms.ChoiceField(
        choices=[(NO, "No"), (YES, "Yes")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Yes or No."},
    )
    quantity = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        error_messages={
            "invalid": "Enter a number, for example 2 or 1.5.",
            "min_value": "Enter an amount above 0, or choose No.",
            "max_digits": "That amount is too large: check it.",
            "max_decimal_places": "Use at most 2 decimals.",
            "max_whole_digits": "That amount is too large: check it.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
    )
    craving = forms.TypedChoiceField(
        label="How strong was the craving today? (0 none, 10 the strongest)",
        choices=CRAVING_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    triggers = forms.MultipleChoiceField(
        label="What made it harder today?",
        choices=Trigger.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Pick from the list, or write it in the box."},
    )
    trigger_note = forms.CharField(
        label="Something else",
        max_length=200,
        required=False,
        error_messages={"max_length": "Keep it under 200 characters."},
    )
    note = forms.CharField(
        label="Anything you want your care team to know?",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Keep the note under 2,000 characters."},
    )

    def __init__(self, *args: Any, target: AddictionTarget, **kwargs: Any) -> None:
        kwargs["prefix"] = f"target-{target.pk}"
        super().__init__(*args, **kwargs)
        self.target = target
        self.fields["used"].label = use_question(target)
        self.fields["quantity"].label = f"How much? {target.get_unit_display()}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("used") == YES
            and cleaned.get("quantity") is None
            and ("quantity" not in self.errors)
        ):
            self.add_error("quantity", "Enter how much, or choose No if you did not use.")
        if cleaned.get("used") == NO:
            cleaned["quantity"] = None  # a hidden amount left from a changed answer is ignored
        return cleaned

    def entry(self, *, mood: int | None) -> CheckinEntry:
        data = self.cleaned_data
        return CheckinEntry(
            target_id=self.target.pk,
            used=data["used"] == YES,
            quantity=data["quantity"],
            craving=data["craving"],
            mood=mood,
            triggers=list(data["triggers"]),
            trigger_note=data["trigger_note"].strip(),
            note=data["note"].strip(),
        )

    @staticmethod
    def initial_from(record: DailyRecord | None) -> dict[str, Any]:
        if record is None:
            return {}
        return {
            "used": YES if record.used else NO,
            "quantity": record.quantity if record.used else None,
            "craving": None if record.craving is None else str(record.craving),
            "triggers": list(record.triggers),
            "trigger_note": record.trigger_note,
            "note": record.note,
        }


class DayForm(forms.Form):
    """What the check-in asks once for the whole day."""

    prefix = "day"

    day = forms.DateField(widget=forms.HiddenInput)
    mood = forms.TypedChoiceField(
        label="How is your mood today?",
        choices=Mood.choices,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )


class CheckinForm:
    """The whole day's check-in: the day's questions and one part per active target."""

    def __init__(
        self,
        data: Any = None,
        *,
        day: dt.date,
        targets: Sequence[AddictionTarget],
        records: Mapping[int, DailyRecord],
    ) -> None:
        mood = next((r.mood for r in records.values() if r.mood is not None), None)
        self.day_form = DayForm(data, initial={"day": day, "mood": mood})
        self.parts = [
            TargetCheckinForm(
                data, target=t, initial=TargetCheckinForm.initial_from(records.get(t.pk))
            )
            for t in targets
        ]
        self.day = day

    def is_valid(self) -> bool:
        valid = all([self.day_form.is_valid(), *(part.is_valid() for part in self.parts)])
        if valid and self.day_form.cleaned_data["day"] != self.day:
            shown = self.day_form.cleaned_data["day"]
            when = f"{shown:%A, %B} {shown.day}, {shown.year}"
            state = "which has ended" if shown < self.day else "which has not begun"
            self.day_form.add_error(
                None,
                f"This check-in was for {when}, {state}. Nothing was saved: fill in today's "
                "check-in.",
            )
            valid = False
        self._describe_errors()
        return valid

    def _describe_errors(self) -> None:
        """Point each typed-in field with an error at its message (the radio and checkbox
        groups carry it on their fieldset, in the template)."""
        for part in self.parts:
            for name in ("quantity", "trigger_note", "note"):
                if part.has_error(name):
                    bound = part[name]
                    part.fields[name].widget.attrs |= {
                        "aria-describedby": f"{bound.auto_id}_errors",
                        "aria-invalid": "true",
                    }

    @property
    def errors(self) -> bool:
        return bool(self.day_form.errors) or any(part.errors for part in self.parts)

    def entries(self) -> list[CheckinEntry]:
        mood = self.day_form.cleaned_data["mood"]
        return [part.entry(mood=mood) for part in self.parts]

    def add_service_errors(self, error: ApplicationError) -> None:
        """Place a refusal on the fields it names (`target_<id>_<field>`, or `day`), else at
        the top of the form."""
        placed = False
        for key, messages in error.field_errors.items():
            for form, field in self._field_for(key):
                for message in messages:
                    form.add_error(field, message)
                placed = True
        if not placed:
            self.day_form.add_error(None, error.message)
        self._describe_errors()

    def _field_for(self, key: str) -> list[tuple[forms.Form, str | None]]:
        if key == "day":
            return [(self.day_form, None)]
        for part in self.parts:
            prefix = f"target_{part.target.pk}"
            if key == prefix:
                return [(part, "used")]
            field = key.removeprefix(f"{prefix}_")
            if key.startswith(f"{prefix}_") and field in part.fields:
                return [(part, field)]
            if key == f"{prefix}_mood":
                return [(self.day_form, "mood")]
        return []


class MfaCodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        label="6-digit code from your authenticator app",
        error_messages={
            "required": "Enter the 6 digits your authenticator app shows now.",
            "invalid": "Enter the 6 digits your authenticator app shows now.",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class MonthForm(forms.Form):
    """Which month the progress page's calendars show (`?month=2026-03`)."""

    month = forms.DateField(
        required=False,
        input_formats=["%Y-%m"],
        error_messages={"invalid": "Choose a month as year and month, for example 2026-03."},
    )

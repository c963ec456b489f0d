"""Page forms for the therapy notes. Shape only; the services decide what may be saved."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.core.errors import ApplicationError
from ketaclinic.therapy.services import IntegrationContent, PreparationContent

_TEXT = {"rows": 4}
_HELD_AT = {
    "label": "Held at (clinic time)",
    "required": False,
    "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
}


class NoteForm(forms.Form):
    """A note form: wall-clock times are the clinic's; a refusal lands next to its field."""

    held_at = forms.DateTimeField(**_HELD_AT)  # type: ignore[arg-type]  # shared kwargs dict

    def __init__(self, *args: Any, zone: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        """A note not held yet (a new draft) shows "Held at" as now, in the site's time."""
        super().__init__(*args, **kwargs)
        self.zone = zone
        held = self.initial.get("held_at")
        if held is None and not self.is_bound:
            held = timezone.now()
        if isinstance(held, dt.datetime):
            self.initial["held_at"] = timezone.localtime(held, zone).replace(tzinfo=None)

    def clean_held_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data["held_at"]
        return None if value is None else timezone.make_naive(value).replace(tzinfo=self.zone)

    def add_service_error(self, error: ApplicationError) -> None:
        self.add_error(None, error.message)
        for key, messages in error.field_errors.items():
            for message in messages if key in self.fields else []:
                self.add_error(key, message)


class PreparationForm(NoteForm):
    intentions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
        help_text="In the patient's words. They carry forward to every integration session.",
    )
    expectations = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
        help_text="What the patient can expect during and after the infusion.",
    )
    set_and_setting = forms.CharField(
        label="Set and setting", required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    questions = forms.CharField(
        label="Questions and answers", required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    consent_reviewed = forms.BooleanField(
        required=False,
        label="I reviewed the treatment consent with the patient",
        help_text="Required to sign.",
    )

    def content(self) -> PreparationContent:
        data = self.cleaned_data
        return PreparationContent(
            intentions=data["intentions"],
            expectations=data["expectations"],
            set_and_setting=data["set_and_setting"],
            questions=data["questions"],
            consent_reviewed=data["consent_reviewed"],
        )


class IntegrationForm(NoteForm):
    what_emerged = forms.CharField(
        label="What emerged", required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    insights = forms.CharField(required=False, widget=forms.Textarea(attrs=_TEXT))
    commitments = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
        help_text="These carry forward to the next integration and preparation.",
    )
    relapse_prevention_plan = forms.CharField(
        label="Relapse-prevention plan", required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    craving_now = forms.IntegerField(
        label="Craving now (0 none - 10 worst)", required=False, min_value=0, max_value=10
    )

    def content(self) -> IntegrationContent:
        data = self.cleaned_data
        return IntegrationContent(
            what_emerged=data["what_emerged"],
            insights=data["insights"],
            commitments=data["commitments"],
            relapse_prevention_plan=data["relapse_prevention_plan"],
            craving_now=data["craving_now"],
        )

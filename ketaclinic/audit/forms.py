from __future__ import annotations

import datetime as dt

from django import forms

from ketaclinic.audit.models import Action


class AuditFilterForm(forms.Form):
    start = forms.DateTimeField(
        required=False,
        label="From (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    end = forms.DateTimeField(
        required=False,
        label="To (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    actor = forms.CharField(required=False, max_length=150, label="Staff username")
    patient = forms.CharField(required=False, max_length=32, label="Patient MRN")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *Action.choices])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and start > end:
            self.add_error("end", "“To” is before “From”: swap them or widen the range.")
        return cleaned

"""The cohort filter form (analytics page, CSV downloads and the research export)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from ketaclinic.accounts.models import Site, User
from ketaclinic.outcomes.queries import CohortFilters, GroupBy
from ketaclinic.patients.models import Target
from ketaclinic.protocols.models import ProtocolTemplate

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CohortFilterForm(forms.Form):
    sites = forms.MultipleChoiceField(
        required=False,
        label="Sites",
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: all your sites.",
    )
    protocol = forms.ChoiceField(required=False, label="Protocol")
    target = forms.ChoiceField(
        required=False, label="Addiction target", choices=[("", "Any target"), *Target.choices]
    )
    enrolled_from = forms.DateField(required=False, label="Enrolled from", widget=_DATE)
    enrolled_to = forms.DateField(required=False, label="Enrolled to", widget=_DATE)
    group_by = forms.ChoiceField(
        required=False, label="Compare by", choices=GroupBy.CHOICES, initial=GroupBy.NONE
    )
    dropout_as_relapse = forms.BooleanField(
        required=False,
        label="Count dropout as relapse (sensitivity analysis)",
        help_text="A patient with no record for 30 days who had not relapsed counts as relapsed "
        "on the last observed day (Dakwar 2019, 2020).",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = Site.objects.filter(pk__in=user.site_ids).order_by("name")
        self.fields["sites"].choices = [(str(s.pk), s.name) for s in sites]  # type: ignore[attr-defined]  # a ChoiceField
        protocols = ProtocolTemplate.objects.order_by("code").values_list("code", "name")
        self.fields["protocol"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "Any protocol"),
            *((code, f"{name} ({code})") for code, name in protocols),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("enrolled_from"), cleaned.get("enrolled_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            self.add_error(
                "enrolled_to", "“Enrolled to” is before “Enrolled from”: swap them or widen it."
            )
        return cleaned

    def filters(self) -> CohortFilters:
        """The cleaned filters; call after is_valid()."""
        data = self.cleaned_data
        return CohortFilters(
            site_ids=frozenset(int(s) for s in data["sites"]),
            protocol_code=data["protocol"],
            target=data["target"],
            enrolled_from=data["enrolled_from"],
            enrolled_to=data["enrolled_to"],
            group_by=data["group_by"] or GroupBy.NONE,
            dropout_as_relapse=data["dropout_as_relapse"],
        )

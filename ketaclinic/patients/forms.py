"""Input forms of the chart's clinical section. Field names match the services' arguments,
so a valid form's cleaned_data goes straight to its service, which does the clinical checks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.codes import ICD10CM_SUGGESTIONS, CodeSystem
from ketaclinic.patients.models import (
    AllergySeverity,
    ContactRole,
    HistoryCondition,
    HistoryStatus,
    Patient,
    RecoveryUnit,
    Route,
    Target,
    TargetKind,
)
from ketaclinic.patients.selectors import ClinicalRecord, care_team_candidates

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_CODE_HELP = "Optional. Suggestions: " + ", ".join(code for code, _ in ICD10CM_SUGGESTIONS)


class ChartForm(forms.Form):
    """Every chart form knows its patient (for choices and the site's time zone)."""

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient


class AddictionTargetForm(ChartForm):
    target = forms.ChoiceField(choices=Target.choices)
    label = forms.CharField(
        max_length=80, required=False, help_text="Required for 'Other'; e.g. 'online gaming'."
    )
    kind = forms.ChoiceField(
        choices=[("", "Follows from the target"), *TargetKind.choices],
        required=False,
        help_text="Only needed for 'Other'.",
    )
    unit = forms.ChoiceField(label="Unit for recovery tracking", choices=RecoveryUnit.choices)
    quit_date = forms.DateField(required=False, widget=_DATE)
    code = forms.CharField(
        label="ICD-10-CM code",
        max_length=8,
        required=False,
        help_text=_CODE_HELP + ". Food, sex and shopping have no code.",
        widget=forms.TextInput(attrs={"list": "icd10cm-suggestions", "autocomplete": "off"}),
    )

    def clean_kind(self) -> str | None:
        return self.cleaned_data["kind"] or None


class DiagnosisForm(ChartForm):
    code_system = forms.ChoiceField(choices=CodeSystem.choices)
    code = forms.CharField(
        max_length=20,
        help_text=_CODE_HELP,
        widget=forms.TextInput(attrs={"list": "icd10cm-suggestions", "autocomplete": "off"}),
    )
    display = forms.CharField(label="Description", max_length=200)
    onset_date = forms.DateField(required=False, widget=_DATE)


class HistoryItemForm(ChartForm):
    condition = forms.ChoiceField(choices=HistoryCondition.choices)
    label = forms.CharField(
        label="Name (for 'Other')", max_length=120, required=False, help_text="e.g. epilepsy"
    )
    status = forms.ChoiceField(choices=HistoryStatus.choices)
    note = forms.CharField(max_length=1000, required=False, widget=forms.Textarea({"rows": 2}))


class MedicationForm(ChartForm):
    name = forms.CharField(max_length=120)
    dose_text = forms.CharField(label="Dose", max_length=80, required=False, help_text="10 mg")
    route = forms.ChoiceField(choices=Route.choices)
    frequency = forms.CharField(max_length=80, required=False, help_text="e.g. twice daily")
    start_date = forms.DateField(required=False, widget=_DATE)
    is_sedative = forms.BooleanField(label="Sedative (incl. benzodiazepines)", required=False)
    is_opioid = forms.BooleanField(label="Opioid", required=False)
    is_stimulant = forms.BooleanField(label="Stimulant", required=False)
    is_maoi = forms.BooleanField(label="MAOI", required=False)


class AllergyForm(ChartForm):
    substance = forms.CharField(max_length=120)
    reaction = forms.CharField(max_length=200, required=False)
    severity = forms.ChoiceField(choices=AllergySeverity.choices, initial=AllergySeverity.UNKNOWN)


class NkdaForm(ChartForm):
    """No fields: the button itself states "no known drug allergies"."""


class MeasurementForm(ChartForm):
    measured_at = forms.DateTimeField(
        label="Measured at (clinic time)",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    weight_kg = forms.DecimalField(label="Weight (kg)", required=False)
    height_cm = forms.DecimalField(label="Height (cm)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_zone = zoneinfo.ZoneInfo(self.patient.site.time_zone)
        now = timezone.localtime(timezone=self.site_zone)
        self.initial.setdefault("measured_at", now.replace(tzinfo=None, second=0, microsecond=0))

    def clean_measured_at(self) -> dt.datetime:
        """The typed wall-clock time is the clinic's, whatever the server's time zone."""
        value: dt.datetime = self.cleaned_data["measured_at"]
        return timezone.make_naive(value).replace(tzinfo=self.site_zone)


class CareTeamForm(ChartForm):
    physician: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="— none —"
    )
    therapist: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="— none —"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, role in (("physician", Role.PHYSICIAN), ("therapist", Role.THERAPIST)):
            field: forms.ModelChoiceField[Any] = self.fields[name]  # type: ignore[assignment]  # declared above
            field.queryset = care_team_candidates(patient=self.patient, role=role)
            field.error_messages["invalid_choice"] = (
                f"Choose a {role.label.lower()} who works at {self.patient.site.name} "
                "from the list."
            )


class ContactForm(ChartForm):
    name = forms.CharField(max_length=120, required=False)
    organisation = forms.CharField(max_length=160, required=False)
    phone = forms.CharField(max_length=32, required=False)
    email = forms.EmailField(required=False)
    note = forms.CharField(max_length=1000, required=False, widget=forms.Textarea({"rows": 2}))


class CloseForm(forms.Form):
    """The reason (and for some records the date) when ending, stopping or retracting."""

    reason = forms.CharField(max_length=300)
    on_date = forms.DateField(required=False, widget=_DATE)


def blank_chart_forms(record: ClinicalRecord) -> dict[str, ChartForm]:
    """One empty form per add action, prefixed by its kind so ids never collide on the page."""
    patient = record.patient
    team = record.care_team
    team_initial = {"physician": team.physician_id, "therapist": team.therapist_id} if team else {}
    built: dict[str, ChartForm] = {
        kind: form_class(prefix=kind, patient=patient)
        for kind, form_class in [
            ("addiction_target", AddictionTargetForm),
            ("diagnosis", DiagnosisForm),
            ("history_item", HistoryItemForm),
            ("medication", MedicationForm),
            ("allergy", AllergyForm),
            ("nkda", NkdaForm),
            ("measurement", MeasurementForm),
        ]
    }
    built["care_team"] = CareTeamForm(prefix="care_team", patient=patient, initial=team_initial)
    for role in ContactRole:
        contact = record.contacts.get(role)
        initial = (
            {name: getattr(contact, name) for name in ContactForm.base_fields} if contact else {}
        )
        built[role] = ContactForm(prefix=role, patient=patient, initial=initial)
    return built

"""Page forms for courses. They validate input shape only; the services decide what is allowed."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.courses.models import GateCode, SiteTreatmentSettings
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.protocols.dosing import (
    BAG_VOLUME_ML_MAX,
    BAG_VOLUME_ML_MIN,
    CONCENTRATION_MG_PER_ML_MAX,
    CONCENTRATION_MG_PER_ML_MIN,
)
from ketaclinic.protocols.models import ProtocolVersion

_TEXT = {"rows": 3}
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceForm(forms.Form):
    """A service's refusal shows at the top of the form and next to each field it names."""

    def add_service_error(self, error: ApplicationError) -> None:
        self.add_error(None, error.message)
        for key, messages in error.field_errors.items():
            for message in messages if key in self.fields else []:
                self.add_error(key, message)


class VersionChoiceField(forms.ModelChoiceField[ProtocolVersion]):
    def label_from_instance(self, obj: ProtocolVersion) -> str:
        return (
            f"{obj.template.name} ({obj.template.code} v{obj.number}): {obj.schedule_description}"
        )


class EnrolForm(ServiceForm):
    protocol_version = VersionChoiceField(
        queryset=ProtocolVersion.objects.none(),
        label="Protocol",
        help_text="Only active versions that can be used for treatment are offered.",
    )
    addiction_target: forms.ModelChoiceField[AddictionTarget] = forms.ModelChoiceField(
        queryset=AddictionTarget.objects.none(), required=False, label="Addiction treated"
    )
    planned_start = forms.DateField(label="Planned first infusion", widget=_DATE)
    sessions_planned = forms.IntegerField(
        required=False,
        min_value=1,
        label="Sessions planned",
        help_text="Leave empty for the protocol's number of sessions.",
    )
    supervising_physician: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none()
    )
    therapist: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="— none yet —"
    )

    def __init__(
        self,
        *args: Any,
        patient: Patient,
        versions: Any,
        physicians: Any,
        therapists: Any,
        booster: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protocol_version"].queryset = versions  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["supervising_physician"].queryset = physicians  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["therapist"].queryset = therapists  # type: ignore[attr-defined]  # ModelChoiceField
        targets = AddictionTarget.objects.filter(patient=patient, is_active=True)
        self.fields["addiction_target"].queryset = targets  # type: ignore[attr-defined]  # ModelChoiceField
        if booster:
            del self.fields["addiction_target"]


class ReasonForm(ServiceForm):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class OverrideForm(ServiceForm):
    gate = forms.CharField(widget=forms.HiddenInput, initial=GateCode.INTEGRATION_NOT_OVERDUE)
    session_number = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why this infusion may start although the integration is overdue",
        max_length=500,
        widget=forms.Textarea(attrs=_TEXT),
    )


class InfusionBookForm(ServiceForm):
    """Book one session of the course: a wall-clock time at the patient's site."""

    session_number = forms.TypedChoiceField(coerce=int, label="Session")
    scheduled_at = forms.DateTimeField(
        label="Date and time (site time)",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    chair = forms.CharField(
        label="Chair",
        max_length=40,
        required=False,
        help_text="For example Chair 2.",
    )

    def __init__(
        self,
        *args: Any,
        choices: list[tuple[int, str]],
        zone: zoneinfo.ZoneInfo,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["session_number"].choices = choices  # type: ignore[attr-defined]  # TypedChoiceField
        when = self.initial.get("scheduled_at")
        if isinstance(when, dt.datetime):  # show the site's wall clock, not the server's
            self.initial["scheduled_at"] = timezone.localtime(when, zone).replace(tzinfo=None)

    def clean_scheduled_at(self) -> dt.datetime:
        """The typed wall-clock time read in the site's time zone, whatever the server's."""
        value: dt.datetime = self.cleaned_data["scheduled_at"]
        return timezone.make_aware(timezone.make_naive(value), self.zone)


class TreatmentSettingsForm(ServiceForm, forms.ModelForm[SiteTreatmentSettings]):
    class Meta:
        model = SiteTreatmentSettings
        fields = [
            "integration_window_hours",
            "weight_max_age_days",
            "bag_volume_ml",
            "concentration_mg_per_ml",
        ]
        labels = {
            "integration_window_hours": "Integration due within (hours after the infusion)",
            "weight_max_age_days": "Weight older than this is refused for dosing (days)",
            "bag_volume_ml": "Infusion bag volume (mL)",
            "concentration_mg_per_ml": "Ketamine vial concentration (mg/mL)",
        }
        help_texts = {
            "bag_volume_ml": (
                f"{BAG_VOLUME_ML_MIN.normalize():f}-{BAG_VOLUME_ML_MAX.normalize():f} mL, the "
                "range the dose planner accepts."
            ),
            "concentration_mg_per_ml": (
                f"{CONCENTRATION_MG_PER_ML_MIN.normalize():f}-"
                f"{CONCENTRATION_MG_PER_ML_MAX.normalize():f} mg/mL, the range the dose planner "
                "accepts."
            ),
        }

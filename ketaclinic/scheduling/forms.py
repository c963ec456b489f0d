"""Page forms for the calendar. They check the shape of the input; the services decide."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import ApplicationError
from ketaclinic.scheduling.models import AppointmentKind, Resource, ResourceKind, Weekday

_LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ServiceForm(forms.Form):
    """A service's refusal shows at the top of the form and next to each field it names."""

    def add_service_error(self, error: ApplicationError) -> None:
        self.add_error(None, error.message)
        for key, messages in error.field_errors.items():
            for message in messages if key in self.fields else []:
                self.add_error(key, message)


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time typed at the site, read in the site's zone (not the server's)."""

    def __init__(self, *, zone: zoneinfo.ZoneInfo | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", _LOCAL)
        kwargs.setdefault(
            "widget",
            forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
        super().__init__(**kwargs)
        self.zone = zone

    def to_python(self, value: Any) -> dt.datetime | None:
        moment = super().to_python(value)
        if moment is None or self.zone is None:
            return moment
        return timezone.make_aware(timezone.make_naive(moment), self.zone)


class BookingForm(ServiceForm):
    patient = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=AppointmentKind.choices, label="Appointment")
    starts_at = LocalDateTimeField(label="Date and time (site time)")
    resource: forms.ModelChoiceField[Resource] = forms.ModelChoiceField(
        queryset=Resource.objects.none(), label="Chair or room"
    )
    clinician = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Clinician",
        help_text="For an infusion: the supervising physician (any physician on site if empty).",
    )
    nurse = StaffChoiceField(
        queryset=User.objects.none(), required=False, label="Nurse (infusions)"
    )
    minutes = forms.IntegerField(
        required=False,
        min_value=5,
        max_value=600,
        label="Length (minutes)",
        help_text="Leave empty for the usual length.",
    )
    integration_for = forms.IntegerField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=300,
        label="Front-desk note",
        help_text="No clinical detail.",
    )

    def __init__(
        self,
        *args: Any,
        zone: zoneinfo.ZoneInfo,
        resources: QuerySet[Resource],
        clinicians: QuerySet[User],
        nurses: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].zone = zone  # type: ignore[attr-defined]  # LocalDateTimeField
        self.fields["resource"].queryset = resources  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["clinician"].queryset = clinicians  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["nurse"].queryset = nurses  # type: ignore[attr-defined]  # ModelChoiceField


class ReasonForm(ServiceForm):
    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 2}), label="Reason"
    )


class ResourceForm(ServiceForm):
    kind = forms.ChoiceField(choices=ResourceKind.choices)
    name = forms.CharField(max_length=40, help_text="As staff say it, e.g. 'Chair 5'.")
    sort_order = forms.IntegerField(min_value=0, max_value=999, initial=0, label="Order")


class ResourceUpdateForm(ServiceForm):
    name = forms.CharField(max_length=40)
    sort_order = forms.IntegerField(min_value=0, max_value=999, label="Order")
    is_active = forms.BooleanField(required=False, label="In use")


class HoursForm(ServiceForm):
    resource: forms.ModelChoiceField[Resource] = forms.ModelChoiceField(
        queryset=Resource.objects.none(), label="Chair or room"
    )
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)
    opens_at = forms.TimeField(widget=_TIME, label="Opens")
    closes_at = forms.TimeField(widget=_TIME, label="Closes")

    def __init__(self, *args: Any, resources: QuerySet[Resource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources  # type: ignore[attr-defined]  # ModelChoiceField


class AvailabilityForm(ServiceForm):
    user = StaffChoiceField(queryset=User.objects.none(), label="Clinician")
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)
    starts_at = forms.TimeField(widget=_TIME, label="From")
    ends_at = forms.TimeField(widget=_TIME, label="To")

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff  # type: ignore[attr-defined]  # ModelChoiceField


class TimeOffForm(ServiceForm):
    user = StaffChoiceField(queryset=User.objects.none(), label="Clinician")
    starts_at = LocalDateTimeField(label="Away from (site time)")
    ends_at = LocalDateTimeField(label="Back at (site time)")
    reason = forms.CharField(max_length=120, required=False, help_text="Leave, training...")

    def __init__(
        self, *args: Any, staff: QuerySet[User], zone: zoneinfo.ZoneInfo, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff  # type: ignore[attr-defined]  # ModelChoiceField
        self.fields["starts_at"].zone = zone  # type: ignore[attr-defined]  # LocalDateTimeField
        self.fields["ends_at"].zone = zone  # type: ignore[attr-defined]  # LocalDateTimeField

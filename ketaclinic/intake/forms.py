"""Input validation for the public inquiry form and the triage pages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import Site
from ketaclinic.core.errors import ApplicationError
from ketaclinic.intake.models import Addiction, Answer, ContactMethod, Inquiry, InquiryStatus
from ketaclinic.intake.selectors import STATUS_ALL, STATUS_OPEN
from ketaclinic.patients.models import Sex

HONEYPOT_FIELD = "website"
_DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]
_PHONE_CHARACTERS = re.compile(r"^[0-9+().\-\s]+$")
_YES_NO = [("yes", "Yes"), ("no", "No")]


def add_refusal(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on the form: per field where it names one, else at the top."""
    for field, messages in error.field_errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


def normalise_phone(value: str) -> str:
    """A US number with area code, written one way: (617) 555-0123."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not _PHONE_CHARACTERS.match(value) or len(digits) != 10:
        raise forms.ValidationError(
            "Enter a US phone number with its area code, for example 617-555-0123."
        )
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def _date_of_birth_field(*, required: bool, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        required=required,
        input_formats=_DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        help_text=help_text,
    )


def _check_date_of_birth(value: dt.date | None) -> dt.date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError("The date of birth is in the future: check the year.")
    return value


def _answer(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes, no or not sure."},
    )


class InquiryForm(forms.Form):
    first_name = forms.CharField(
        max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    date_of_birth = _date_of_birth_field(
        required=False,
        help_text="Optional. It helps us find your records if you have been with us before.",
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        help_text="With area code, for example 617-555-0123. Needed if we should call or text.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        required=False,
        help_text="Needed if we should email you.",
        error_messages={"invalid": "Enter an email address like name@example.org."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    preferred_contact = forms.ChoiceField(
        label="How should we contact you?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you would like us to contact you."},
    )
    addictions = forms.MultipleChoiceField(
        label="What would you like help with?",
        help_text="Choose all that apply.",
        choices=Addiction.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing you would like help with."},
    )
    addiction_other = forms.CharField(label="If other, what?", max_length=200, required=False)
    prior_treatment = forms.CharField(
        label="Have you had treatment for this before? What helped, and what did not?",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    high_blood_pressure = _answer("Do you have high blood pressure that is not under control?")
    psychosis_history = _answer(
        "Have you ever had psychosis (for example hearing voices others do not hear)?"
    )
    pregnancy = _answer("Are you pregnant, or could you be?")
    prior_ketamine_misuse = _answer(
        "Have you ever used ketamine other than as prescribed, or had trouble controlling it?"
    )
    crisis = forms.ChoiceField(
        label="Are you having thoughts of harming yourself or ending your life right now?",
        choices=_YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Please answer yes or no."},
    )
    website = forms.CharField(label="Leave this empty", required=False)

    def is_honeypot_filled(self) -> bool:
        """People never see the trap field; software that fills every field does."""
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def clean_date_of_birth(self) -> dt.date | None:
        return _check_date_of_birth(self.cleaned_data.get("date_of_birth"))

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(phone) if phone else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("preferred_contact")
        if method == ContactMethod.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter your email address: you asked us to email you.")
        calls = method in (ContactMethod.PHONE, ContactMethod.TEXT)
        if calls and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "Enter your phone number: you asked us to call or text.")
        if Addiction.OTHER in data.get("addictions", []) and not data.get("addiction_other"):
            self.add_error("addiction_other", "You ticked 'Other': say what it is.")
        return data

    def submission(self) -> dict[str, Any]:
        """The cleaned answers as `inquiry_submit` takes them."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "date_of_birth": data["date_of_birth"],
            "phone": data["phone"],
            "email": data["email"],
            "preferred_contact": ContactMethod(data["preferred_contact"]),
            "addictions": [Addiction(item) for item in data["addictions"]],
            "addiction_other": data["addiction_other"],
            "prior_treatment": data["prior_treatment"],
            "high_blood_pressure": Answer(data["high_blood_pressure"]),
            "psychosis_history": Answer(data["psychosis_history"]),
            "pregnancy": Answer(data["pregnancy"]),
            "prior_ketamine_misuse": Answer(data["prior_ketamine_misuse"]),
            "crisis_reported": data["crisis"] == "yes",
        }


class QueueFilterForm(forms.Form):
    site = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        required=False,
        choices=[
            (STATUS_OPEN, "Open (new, contacted, evaluation booked)"),
            *InquiryStatus.choices,
            (STATUS_ALL, "All"),
        ],
    )

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_list = list(sites)
        site_field: forms.TypedChoiceField = self.fields["site"]  # type: ignore[assignment]  # declared above
        site_field.choices = [("", "All my sites"), *((s.pk, s.name) for s in self.site_list)]

    def filters(self) -> dict[str, Any]:
        """Selector arguments; anything invalid falls back to the default view."""
        if not self.is_bound or not self.is_valid():
            return {"site_id": None, "status": STATUS_OPEN}
        return {
            "site_id": self.cleaned_data["site"],
            "status": self.cleaned_data["status"] or STATUS_OPEN,
        }


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=InquiryStatus.choices)
    note = forms.CharField(
        max_length=2000,
        help_text="What happened, for example 'left a voicemail' or 'evaluation on 3 June'.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a short note about this change."},
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status_field: forms.ChoiceField = self.fields["status"]  # type: ignore[assignment]  # declared above
        status_field.choices = [c for c in InquiryStatus.choices if c[0] != current]


class ConvertForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    date_of_birth = _date_of_birth_field(
        required=True, help_text="Required for a patient record: ask the person if it is missing."
    )
    phone = forms.CharField(max_length=32, required=False)
    email = forms.EmailField(required=False)
    sex = forms.ChoiceField(
        choices=Sex.choices,
        required=False,
        initial=Sex.UNKNOWN,
        help_text="Some cut-offs differ by sex (AUDIT-C, heavy drinking days): ask if unsure.",
    )
    create_anyway = forms.BooleanField(
        required=False,
        label="I checked the patients listed above: this is a different person.",
    )

    def __init__(self, *args: Any, inquiry: Inquiry, **kwargs: Any) -> None:
        initial = {
            "first_name": inquiry.first_name,
            "last_name": inquiry.last_name,
            "date_of_birth": inquiry.date_of_birth,
            "phone": inquiry.phone,
            "email": inquiry.email,
            "sex": Sex.UNKNOWN,
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def clean_date_of_birth(self) -> dt.date | None:
        return _check_date_of_birth(self.cleaned_data.get("date_of_birth"))

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(phone) if phone else ""

    def clean_sex(self) -> str:
        sex: str = self.cleaned_data.get("sex") or Sex.UNKNOWN
        return sex


class AttachForm(forms.Form):
    patient_id = forms.IntegerField(min_value=1)

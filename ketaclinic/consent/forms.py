"""Input forms. Required elements are checked by the services, which name what is missing."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.accounts.models import Site
from ketaclinic.consent.models import PART2_KINDS, ConsentKind, RevocationChannel
from ketaclinic.consent.services.signing import Part2Elements
from ketaclinic.core.errors import ApplicationError

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATE_ERRORS = {"invalid": "This is not a date: use the date picker or type YYYY-MM-DD."}
_PART2_FIELDS = (
    "discloser",
    "information_description",
    "recipients",
    "recipients_all_tpo",
    "purpose",
    "revocation_statement",
    "ending_event",
)


def add_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on the fields it names, else at the top of the form."""
    placed = False
    for field, messages in error.field_errors.items():
        if field in form.fields and not form.fields[field].widget.is_hidden:
            for message in messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class ConsentSignForm(forms.Form):
    # The version the patient read; signing refuses it if a newer one was activated meanwhile.
    template_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    discloser = forms.CharField(
        label="Who may disclose",
        required=False,
        help_text="The programme or person allowed to disclose, for example this clinic.",
    )
    information_description = forms.CharField(
        label="Information to be disclosed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Be specific, for example 'dates of attendance and a treatment summary'.",
    )
    recipients = forms.CharField(
        label="Recipients",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A named person or organisation, or a class of recipients.",
    )
    recipients_all_tpo = forms.BooleanField(
        label="All future treatment, payment and health care operations uses", required=False
    )
    purpose = forms.CharField(
        label="Purpose", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    revocation_statement = forms.CharField(
        label="Right to revoke and how",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Prefilled from the template; keep it unless counsel says otherwise.",
    )
    expires_on = forms.DateField(
        label="Expiry date",
        required=False,
        widget=_DATE,
        error_messages=_DATE_ERRORS,
    )
    ending_event = forms.CharField(
        label="Or ending event",
        required=False,
        help_text="For example 'when treatment at this clinic ends'. Give a date or an event.",
    )
    signature_name = forms.CharField(
        label="Signature: patient types their full name",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    witnessed = forms.BooleanField(label="I witnessed the patient sign", required=False)

    def __init__(self, *args: Any, kind: ConsentKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind not in PART2_KINDS:
            for name in _PART2_FIELDS:
                del self.fields[name]
            self.fields["expires_on"].label = "Expiry date (optional)"
            self.fields["expires_on"].help_text = "Leave empty if this consent does not expire."

    @property
    def is_part2(self) -> bool:
        return self.kind in PART2_KINDS

    def elements(self) -> Part2Elements | None:
        if not self.is_part2:
            return None
        data = self.cleaned_data
        return Part2Elements(**{name: data[name] for name in _PART2_FIELDS})


class ConsentRevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason and how the patient revoked",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example 'patient phoned to withdraw consent'.",
    )
    received_via = forms.ChoiceField(
        label="Revocation received",
        choices=RevocationChannel.choices,
        initial=RevocationChannel.IN_PERSON,
        error_messages={"required": "Choose how the patient told you they revoke."},
    )


class ConsentTemplateForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of consent", choices=ConsentKind.choices)
    site = forms.ModelChoiceField(
        label="Used at",
        queryset=Site.objects.none(),
        required=False,
        empty_label="All sites",
        error_messages={"invalid_choice": "Choose one of your sites, or All sites."},
    )
    title = forms.CharField(max_length=200, required=False)
    body = forms.CharField(
        label="Text the patient reads", required=False, widget=forms.Textarea(attrs={"rows": 14})
    )
    revocation_statement = forms.CharField(
        label="Revocation statement (Part 2 consents)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How the patient may revoke; prefilled on every Part 2 consent signed.",
    )

    def __init__(self, *args: Any, sites: Any = None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            # Kind and scope are fixed once a version exists: a new kind is a new template.
            del self.fields["kind"]
            del self.fields["site"]
        else:
            self.fields["site"].queryset = sites  # type: ignore[attr-defined]  # ModelChoiceField


class RedisclosureNoticeForm(forms.Form):
    text = forms.CharField(
        label="Full notice", required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    abbreviated_text = forms.CharField(
        label="Short notice", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    source = forms.CharField(label="Source of the wording", max_length=200, required=False)
    review_note = forms.CharField(
        label="Review note", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

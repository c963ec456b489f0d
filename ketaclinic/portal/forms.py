"""Input forms. The services check the rules and name what is wrong; forms check the shape."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.core.errors import ApplicationError


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

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role


class LoginForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        label="Username or email",
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean_username(self) -> str:
        """Patients sign in with their e-mail, stored lower-case; phones capitalise it."""
        username: str = self.cleaned_data["username"].strip()
        return username.lower() if "@" in username else username


class MfaVerifyForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        label="6-digit code",
        error_messages={"invalid": "Enter the 6 digits your authenticator app shows now."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        label="Token name",
        help_text="What the token is for, for example 'lab interface'.",
    )


class StaffForm(forms.ModelForm[User]):
    roles = forms.MultipleChoiceField(choices=Role.choices, widget=forms.CheckboxSelectMultiple)
    sites = forms.ModelMultipleChoiceField(
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        # Django's default ("2 is not one of the available choices") names an id, not the fix.
        error_messages={
            "invalid_choice": "You can only grant sites you manage: choose from the list."
        },
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
        help_text="At least 12 characters, not a common password. Leave empty to keep it.",
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "is_active"]

    def __init__(self, *args: Any, manageable_sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = manageable_sites  # type: ignore[attr-defined]  # ModelMultipleChoiceField
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = "At least 12 characters, not a common password."
        else:
            self.initial["roles"] = sorted(self.instance.role_names)
            self.initial["sites"] = list(self.instance.sites.filter(id__in=manageable_sites))

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's hook, absent from django-stubs
        # Checked after the instance holds the typed username and names: in clean_password a
        # new member's instance is still empty, so the similarity check would see nothing.
        password: str = self.cleaned_data.get("password") or ""
        if password:
            try:
                validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("password", error)

"""The password policy (AUTH_PASSWORD_VALIDATORS) directly and through the staff form."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from ketaclinic.accounts.forms import StaffForm
from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role

TOO_SHORT = "Kx7#mQ2!pLz"  # 11 characters, otherwise strong
COMMON = "password1234"  # 12 characters, in Django's common-passwords list (line 4538)
NUMERIC = "839201746528"  # 12 digits, not in the common list
STRONG = "Tidal-Lantern-Okra-57"

REFUSALS = [
    (TOO_SHORT, ["This password is too short. It must contain at least 12 characters."]),
    (COMMON, ["This password is too common."]),
    (NUMERIC, ["This password is entirely numeric."]),
]


@pytest.mark.parametrize(("password", "messages"), REFUSALS)
def test_validate_password_refuses_weak_passwords(password, messages):
    """Given the configured validators, when a weak password is checked,
    then it is refused with exactly the one reason that applies."""
    assert len(TOO_SHORT) == 11

    with pytest.raises(ValidationError) as caught:
        validate_password(password)

    assert caught.value.messages == messages


def test_validate_password_accepts_a_strong_passphrase():
    """Given the configured validators, when a 21-character passphrase is checked,
    then no validator objects (validate_password raises on any refusal)."""
    validate_password(STRONG)
    validate_password(STRONG, User(username="newnurse", first_name="Nina"))


def test_validate_password_refuses_a_password_like_the_username(db):
    """Given a user called marguerite.duval, when her password is her username,
    then it is refused as too similar."""
    user = User(username="marguerite.duval", first_name="Marguerite", last_name="Duval")

    with pytest.raises(ValidationError) as caught:
        validate_password("marguerite.duval", user)

    assert caught.value.messages == ["The password is too similar to the username."]


def _new_staff_form(site: Site, password: str, username: str = "newnurse") -> StaffForm:
    data = {
        "username": username,
        "first_name": "Nina",
        "last_name": "Newcomb",
        "email": f"{username}@example.org",
        "is_active": "on",
        "roles": [Role.NURSE.value],
        "sites": [site.pk],
        "password": password,
    }
    return StaffForm(data, instance=User(), manageable_sites=Site.objects.filter(pk=site.pk))


@pytest.mark.parametrize(("password", "messages"), REFUSALS)
def test_staff_form_refuses_weak_passwords(boston, password, messages):
    """Given a clinic admin adding a nurse, when the password is weak,
    then the form shows the reason on the password field and nothing is saved."""
    form = _new_staff_form(boston, password)

    assert form.is_valid() is False
    assert form.errors == {"password": messages}
    assert User.objects.filter(username="newnurse").exists() is False


def test_staff_form_refuses_a_password_like_the_new_username(boston):
    """Given a clinic admin adding marguerite.duval, when her password is her username,
    then the form refuses it as too similar (the typed username is taken into account)."""
    form = _new_staff_form(boston, "marguerite.duval", username="marguerite.duval")

    assert form.is_valid() is False
    assert form.errors == {"password": ["The password is too similar to the username."]}


def test_staff_form_requires_a_password_for_a_new_member(boston):
    """Given a clinic admin adding a nurse, when the password is left empty,
    then the form asks for one."""
    form = _new_staff_form(boston, "")

    assert form.is_valid() is False
    assert form.errors == {"password": ["This field is required."]}


def test_staff_form_accepts_a_strong_password(boston):
    """Given a clinic admin adding a nurse, when the password is a strong passphrase,
    then the form is valid and hands the password on unchanged."""
    form = _new_staff_form(boston, STRONG)

    assert form.is_valid() is True, form.errors
    assert form.cleaned_data["password"] == STRONG


def test_staff_form_keeps_the_password_when_left_empty_on_edit(boston, nurse):
    """Given a clinic admin editing an existing nurse, when the password field is left empty,
    then the form is valid and passes no new password on."""
    data = {
        "username": nurse.username,
        "first_name": nurse.first_name,
        "last_name": nurse.last_name,
        "email": nurse.email,
        "is_active": "on",
        "roles": [Role.NURSE.value],
        "sites": [boston.pk],
        "password": "",
    }
    form = StaffForm(data, instance=nurse, manageable_sites=Site.objects.filter(pk=boston.pk))

    assert form.is_valid() is True, form.errors
    assert form.cleaned_data["password"] == ""

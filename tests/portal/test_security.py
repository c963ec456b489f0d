"""The patient's password policy (the staff one) and optional two-factor sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError
from ketaclinic.portal import services
from ketaclinic.portal.models import PatientAccount
from tests.factories import TEST_PASSWORD

URL = "/portal/security/"


def _code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(value).zfill(device.digits)


def _mfa_events(user: User) -> list[str]:
    events = AuditEvent.objects.filter(
        actor=user, action=Action.UPDATE, target_type="portal_account"
    )
    return list(events.order_by("id").values_list("detail", flat=True))


# --- password policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short-pw-1", "password1234", "123456789012345", "ann.alderwood@example.org"],
)
def test_activation_refuses_exactly_what_the_staff_policy_refuses(frontdesk, patient, password):
    """Given an invited patient, when they choose a password the staff policy refuses
    (too short, too common, all digits, their own email), then activation refuses it with
    the same messages and the account stays without a password."""
    account = services.portal_invite(
        actor=frontdesk, patient=patient, email=patient.email, send_email=False
    )
    uidb64, token = services.invitation_credentials(account=account)
    staff = User(username="ann.alderwood@example.org", email="ann.alderwood@example.org")
    with pytest.raises(ValidationError) as staff_refusal:
        validate_password(password, staff)

    with pytest.raises(ApplicationError) as refusal:
        services.portal_activate(uidb64=uidb64, token=token, password=password)

    assert refusal.value.field_errors["password"] == staff_refusal.value.messages
    account.refresh_from_db()
    assert (account.activated_at, account.user.has_usable_password()) == (None, False)


# --- two-factor sign-in -----------------------------------------------------------------------


def test_the_security_page_offers_two_factor_sign_in_when_it_is_off(patient_client, active_account):
    response = patient_client.get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<span class="badge">Off</span>' in content
    assert "<svg" in content  # the QR code
    assert TOTPDevice.objects.filter(user=active_account.user, confirmed=False).count() == 1
    assert patient_client.get(URL).status_code == 200
    assert TOTPDevice.objects.filter(user=active_account.user).count() == 1  # the same one


def test_a_wrong_code_leaves_two_factor_sign_in_off(patient_client, active_account):
    patient_client.get(URL)

    response = patient_client.post(URL, {"code": "000000"})

    assert response.status_code == 400
    assert "That code is not right or has expired" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=active_account.user, confirmed=True).exists()
    assert _mfa_events(active_account.user) == []


def test_turning_it_on_then_requires_a_code_at_every_sign_in(patient_client, active_account):
    """Given the patient scanned the code, when they type the app's code, then two-factor
    sign-in is on and audited; the next sign-in asks for a code before any portal page,
    and the right code opens the portal."""
    patient_client.get(URL)
    device = TOTPDevice.objects.get(user=active_account.user)

    response = patient_client.post(URL, {"code": _code(device)})

    assert (response.status_code, response["Location"]) == (302, URL)
    assert patient_client.get("/portal/").status_code == 200  # this session is verified
    assert _mfa_events(active_account.user) == ["two-factor sign-in turned on"]
    device.refresh_from_db()
    assert device.confirmed is True

    fresh = Client()
    signed_in = fresh.post(
        "/accounts/login/", {"username": active_account.user.username, "password": TEST_PASSWORD}
    )
    home = fresh.get("/portal/")
    checkin = fresh.get("/portal/checkin/")
    assert signed_in.status_code == 302
    assert (home.status_code, home["Location"]) == (302, "/accounts/mfa/?next=%2Fportal%2F")
    assert checkin.status_code == 302
    assert fresh.get("/questionnaires/me/").status_code == 302

    device.refresh_from_db()
    device.last_t = -1  # the code was used a moment ago to turn it on; allow it again
    device.save()
    verified = fresh.post("/accounts/mfa/", {"code": _code(device), "next": "/portal/"})
    assert (verified.status_code, verified["Location"]) == (302, "/portal/")
    assert fresh.get("/portal/").status_code == 200


def test_turning_it_off_needs_a_current_code(patient_client, active_account):
    patient_client.get(URL)
    device = TOTPDevice.objects.get(user=active_account.user)
    patient_client.post(URL, {"code": _code(device)})

    wrong = patient_client.post(URL, {"code": "000000"})
    device.refresh_from_db()
    device.last_t = -1
    device.throttle_reset()  # django-otp makes the next try after a wrong code wait a second
    right = patient_client.post(URL, {"code": _code(device)})

    assert wrong.status_code == 400
    assert (right.status_code, right["Location"]) == (302, URL)
    assert not TOTPDevice.objects.filter(user=active_account.user).exists()
    assert _mfa_events(active_account.user) == [
        "two-factor sign-in turned on",
        "two-factor sign-in turned off",
    ]
    assert patient_client.get("/portal/").status_code == 200


def test_a_patient_without_two_factor_never_reaches_the_staff_code_page(
    patient_client, active_account
):
    """The staff code page would set up a device outside the portal: a patient with
    two-factor sign-in off is sent home and no device is made."""
    response = patient_client.get("/accounts/mfa/")

    assert (response.status_code, response["Location"]) == (302, "/portal/")
    assert not TOTPDevice.objects.exists()


def test_staff_cannot_use_the_patient_security_page(physician, client_for):
    response = client_for(physician).get(URL)

    assert response.status_code == 403
    assert not TOTPDevice.objects.exists()


def test_mfa_is_still_optional_for_patients_when_staff_must_use_it(
    patient_client, active_account, settings
):
    settings.KETACLINIC_REQUIRE_MFA = True

    assert patient_client.get("/portal/").status_code == 200
    assert PatientAccount.objects.get().user_id == active_account.user_id

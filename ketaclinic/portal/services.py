"""Portal logins: staff invite and disable; the patient activates with their own password."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode
from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import AccountStatus, PatientAccount
from ketaclinic.portal.selectors import (
    TARGET,
    InvitationInvalidError,
    account_patient,
    invitation_get,
)
from ketaclinic.portal.tokens import invite_token_generator, uid_encode

_USERNAME_MAX = User._meta.get_field("username").max_length or 150


def _require_manager(*, actor: User, patient: Patient) -> None:
    require_perm(
        user=actor,
        perm=Perm.PATIENT_CREATE,
        target_type=TARGET,
        target_id=patient.pk,
        patient=patient,
        message="Only front desk, a physician or a nurse can manage portal logins.",
    )
    require_patient_access(user=actor, patient=patient, target_type=TARGET)


def _login_name(email: str) -> str:
    """The patient signs in with their email address, lowercased."""
    address = email.strip().lower()
    try:
        validate_email(address)
        UnicodeUsernameValidator()(address)
        if len(address) > _USERNAME_MAX:
            raise ValidationError("too long")
    except ValidationError as error:
        message = "This is not an email address the patient can sign in with: check it."
        raise ApplicationError(message, field_errors={"email": [message]}) from error
    return address


def _check_address_free(*, address: str, account: PatientAccount | None) -> None:
    others = User.objects.filter(Q(username__iexact=address) | Q(email__iexact=address))
    if account is not None:
        others = others.exclude(pk=account.user_id)
    if others.exists():
        message = (
            "This email address already belongs to another login (staff or patient): "
            "use the patient's own address."
        )
        raise ApplicationError(message, field_errors={"email": [message]}, code=ErrorCode.CONFLICT)


@transaction.atomic
def portal_invite(
    *, actor: User, patient: Patient, email: str, base_url: str = "", send_email: bool = True
) -> PatientAccount:
    """Create (or re-open) the patient's login and email a one-time link to choose a password.

    A new invitation replaces the previous one: its link stops working. An active login is
    not re-invited (that would lock the patient out); disable it first, with the reason.
    The email is sent before the transaction ends, so a failed send changes nothing.
    """
    _require_manager(actor=actor, patient=patient)
    account = (
        PatientAccount.objects.select_for_update().select_related("user").filter(patient=patient)
    ).first()
    if account is not None and account.status == AccountStatus.ACTIVE:
        raise ApplicationError(
            "This patient's portal login is already active. If they lost their password, "
            "disable the login (reason: forgotten password), then invite them again.",
            code=ErrorCode.CONFLICT,
        )
    address = _login_name(email)
    _check_address_free(address=address, account=account)
    user = account.user if account is not None else User()
    user.username, user.email, user.is_active = address, address, True
    user.set_unusable_password()  # also invalidates any earlier link
    user.full_clean()
    user.save()
    created = account is None
    account = account or PatientAccount(user=user, patient=patient)
    account.invited_at, account.invited_by = timezone.now(), actor
    account.activated_at = account.disabled_at = account.disabled_by = None
    account.disabled_reason = ""
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        patient=patient,
        target_type=TARGET,
        target_id=account.pk,
        detail="invited" if created else "invited again",
    )
    if send_email:
        _invitation_send(account=account, base_url=base_url)
    return account


def invitation_credentials(*, account: PatientAccount) -> tuple[str, str]:
    """The (uidb64, token) pair of a fresh link for the account's current invitation."""
    return uid_encode(account.user), invite_token_generator.make_token(account.user)


def invitation_link(*, account: PatientAccount, base_url: str = "") -> str:
    return base_url + reverse("portal:activate", args=invitation_credentials(account=account))


def _invitation_send(*, account: PatientAccount, base_url: str) -> None:
    # No clinical detail and no name: an email can be read by someone else.
    site_name = account.patient.site.name
    context = {
        "site_name": site_name,
        "link": invitation_link(account=account, base_url=base_url),
        "hours": settings.KETACLINIC_PORTAL_INVITE_HOURS,
    }
    try:
        send_mail(
            subject=f"Your invitation to the patient portal of {site_name}",
            message=render_to_string("portal/invitation_email.txt", context),
            from_email=None,
            recipient_list=[account.user.email],
        )
    except (smtplib.SMTPException, OSError) as error:
        raise ApplicationError(
            "The invitation email could not be sent, so nothing was changed. Ask your clinic "
            "admin to check the email settings, then send the invitation again."
        ) from error


@transaction.atomic
def portal_activate(*, uidb64: str, token: str, password: str) -> PatientAccount:
    """The patient chooses their password through the invitation link; the link is then spent."""
    account = invitation_get(uidb64=uidb64, token=token)
    # Lock and re-check: two tabs submitting the same link must not both succeed.
    locked = PatientAccount.objects.select_for_update().get(pk=account.pk)
    if locked.activated_at is not None or locked.disabled_at is not None:
        raise InvitationInvalidError()
    user = account.user
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(
            "Choose a different password: " + " ".join(error.messages),
            field_errors={"password": list(error.messages)},
        ) from error
    user.set_password(password)
    user.save(update_fields=["password"])
    account.activated_at = timezone.now()
    account.full_clean()
    account.save(update_fields=["activated_at"])
    audit_record(
        actor=user,
        action=Action.UPDATE,
        patient=account.patient,
        target_type=TARGET,
        target_id=account.pk,
        detail="activated",
    )
    return account


@transaction.atomic
def portal_disable(*, actor: User, patient: Patient, reason: str) -> PatientAccount:
    """Switch the login off at once (open sessions end too); the reason is kept on the account."""
    _require_manager(actor=actor, patient=patient)
    reason = reason.strip()
    if not reason:
        message = "Give the reason, for example 'patient asked' or 'email no longer theirs'."
        raise ApplicationError(
            f"The reason is missing: {message}", field_errors={"reason": [message]}
        )
    account = (
        PatientAccount.objects.select_for_update().select_related("user").filter(patient=patient)
    ).first()
    if account is None:
        raise ApplicationError("This patient has no portal login to disable.")
    if account.disabled_at is not None:
        raise ApplicationError("This portal login is already disabled.", code=ErrorCode.CONFLICT)
    # An inactive user cannot sign in, and Django drops their open sessions on the next request.
    account.user.is_active = False
    account.user.save(update_fields=["is_active"])
    account.disabled_at, account.disabled_by = timezone.now(), actor
    account.disabled_reason = reason
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        patient=patient,
        target_type=TARGET,
        target_id=account.pk,
        detail="disabled",
    )
    return account


# --- Two-factor sign-in, optional for patients --------------------------------------------------

WRONG_CODE = "That code is not right or has expired: enter the 6 digits your app shows now."


def portal_mfa_device(*, user: User) -> TOTPDevice:
    """The authenticator the patient is setting up: the pending one, else a new one.

    Not audited: a pending device does nothing until `portal_mfa_enable` confirms it.
    """
    account_patient(user=user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def portal_mfa_enable(*, user: User, code: str) -> TOTPDevice:
    """Turn on two-factor sign-in once the patient typed a code from the new authenticator.

    The code is checked before the transaction opens, so a wrong code still counts towards
    django-otp's throttling (a rollback would forget it).
    """
    patient = account_patient(user=user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None or not device.verify_token(code):
        raise ApplicationError(WRONG_CODE, field_errors={"code": [WRONG_CODE]})
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit_record(
            actor=user,
            action=Action.UPDATE,
            patient=patient,
            target_type=TARGET,
            target_id=patient.portal_account.pk,
            detail="two-factor sign-in turned on",
        )
    return device


def portal_mfa_disable(*, user: User, code: str) -> None:
    """Turn two-factor sign-in off; a current code proves the patient still holds the app."""
    patient = account_patient(user=user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        raise ApplicationError("Two-factor sign-in is already off.", code=ErrorCode.CONFLICT)
    if not device.verify_token(code):
        raise ApplicationError(WRONG_CODE, field_errors={"code": [WRONG_CODE]})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(
            actor=user,
            action=Action.UPDATE,
            patient=patient,
            target_type=TARGET,
            target_id=patient.portal_account.pk,
            detail="two-factor sign-in turned off",
        )

"""The patient's own choices: which channels, a daily check-in time, or no reminders at all."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import PatientAccount

from ..models import ContactPreference

TARGET_TYPE = "contact_preference"


def contact_preference_save(
    *,
    actor: User,
    patient: Patient,
    email_enabled: bool,
    sms_enabled: bool,
    opted_out: bool,
    checkin_reminder_time: dt.time | None,
) -> ContactPreference:
    """Save how the patient wants reminders. Only the patient, through their portal login."""
    _require_own_login(actor=actor, patient=patient)
    _require_reachable(
        patient=patient, email_enabled=email_enabled, sms_enabled=sms_enabled, opted_out=opted_out
    )
    return _save(
        actor=actor,
        patient=patient,
        email_enabled=email_enabled,
        sms_enabled=sms_enabled,
        opted_out=opted_out,
        checkin_reminder_time=checkin_reminder_time,
    )


@transaction.atomic
def _save(
    *,
    actor: User,
    patient: Patient,
    email_enabled: bool,
    sms_enabled: bool,
    opted_out: bool,
    checkin_reminder_time: dt.time | None,
) -> ContactPreference:
    preference = ContactPreference.objects.select_for_update().filter(patient=patient).first()
    created = preference is None
    preference = preference or ContactPreference(patient=patient)
    if opted_out and not preference.opted_out:
        preference.opted_out_at = timezone.now()
    elif not opted_out:
        preference.opted_out_at = None
    preference.opted_out = opted_out
    preference.email_enabled = email_enabled
    preference.sms_enabled = sms_enabled
    preference.checkin_reminder_time = checkin_reminder_time
    preference.updated_by = actor
    preference.full_clean()
    preference.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        patient=patient,
        target_type=TARGET_TYPE,
        target_id=preference.pk,
        detail=_summary(preference),
    )
    return preference


def _require_own_login(*, actor: User, patient: Patient) -> None:
    own = PatientAccount.objects.filter(
        user=actor, patient=patient, activated_at__isnull=False, disabled_at__isnull=True
    ).exists()
    if not own:
        audit_record(
            actor=actor,
            action=Action.ACCESS_DENIED,
            patient=patient,
            target_type=TARGET_TYPE,
            outcome=Outcome.DENIED,
            detail="not the patient's own portal login",
        )
        raise PermissionDeniedError(
            "Only the patient chooses their reminders, signed in to their own portal."
        )


def _require_reachable(
    *, patient: Patient, email_enabled: bool, sms_enabled: bool, opted_out: bool
) -> None:
    errors: dict[str, list[str]] = {}
    if email_enabled and not patient.email:
        errors["email_enabled"] = [
            "The clinic has no email address for you: ask the front desk to add it, "
            "or turn off email reminders."
        ]
    if sms_enabled and not patient.phone:
        errors["sms_enabled"] = [
            "The clinic has no mobile number for you: ask the front desk to add it, "
            "or turn off text messages."
        ]
    if not opted_out and not email_enabled and not sms_enabled:
        errors["opted_out"] = ["Choose email or text messages, or choose to stop all reminders."]
    if errors:
        message = " ".join(text for texts in errors.values() for text in texts)
        raise ApplicationError(message, field_errors=errors)


def _summary(preference: ContactPreference) -> str:
    if preference.opted_out:
        return "reminders stopped"
    channels = [
        name
        for name, on in (("email", preference.email_enabled), ("text", preference.sms_enabled))
        if on
    ]
    time = preference.checkin_reminder_time
    checkin = f"check-in reminder at {time:%H:%M}" if time else "no check-in reminder"
    return f"reminders by {' and '.join(channels)}; {checkin}"

"""Who the signed-in patient is, what their portal shows, and staff's view of a portal login."""

from __future__ import annotations

import datetime as dt
import importlib
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.patients.selectors import patient_get
from ketaclinic.portal.charts import quantity_text, unit_short
from ketaclinic.portal.models import AccountStatus, PatientAccount
from ketaclinic.portal.tokens import invite_token_generator, uid_decode
from ketaclinic.recovery.models import DailyRecord
from ketaclinic.recovery.selectors import Streak, checkin_form_state, streaks
from ketaclinic.scheduling.models import ACTIVE_STATUSES, Appointment

TARGET = "portal_account"
UPCOMING_SHOWN = 5


class InvitationInvalidError(ApplicationError):
    """An invitation link that is expired, already used, replaced, or never was one."""

    def __init__(self) -> None:
        super().__init__("This link has expired: ask the clinic to send a new invitation.")


def is_patient_user(*, user: User) -> bool:
    return PatientAccount.objects.filter(user=user).exists()


def account_patient(*, user: User) -> Patient:
    """The patient behind a patient login; anyone else is refused."""
    account = (
        PatientAccount.objects.select_related("patient__site")
        .filter(user=user, activated_at__isnull=False, disabled_at__isnull=True)
        .first()
    )
    if account is None or not account.patient.is_active:
        raise PermissionDeniedError("This page is for patients signed in to their own portal.")
    return account.patient


# --- The patient's own pages -----------------------------------------------------------------


@dataclass(frozen=True)
class TargetToday:
    """One addiction target on the home page: today's check-in (if any) and the streak."""

    target: AddictionTarget
    record: DailyRecord | None
    streak: Streak | None

    @property
    def amount(self) -> str:
        """Today's amount as a phrase ("3 standard drinks"); empty when none was given."""
        if self.record is None or not self.record.used or self.record.quantity is None:
            return ""
        return f"{quantity_text(self.record.quantity)} {unit_short(self.target.unit)}"


@dataclass(frozen=True)
class PortalHome:
    patient: Patient
    # None when the questionnaire self-completion pages are not installed: no list is shown.
    due: Sequence[Any] | None
    today: dt.date
    targets: list[TargetToday]
    upcoming: list[Appointment]

    @property
    def greeting_name(self) -> str:
        return self.patient.preferred_name or self.patient.first_name

    @property
    def checked_in(self) -> bool:
        return bool(self.targets) and all(t.record is not None for t in self.targets)


def own_patient_read(*, user: User, page: str) -> Patient:
    """The patient behind the login, for one of their own portal pages: the read is audited
    with the patient as the actor; anyone else is refused (403) and the refusal audited."""
    try:
        patient = account_patient(user=user)
    except PermissionDeniedError:
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type=page,
            outcome=Outcome.DENIED,
            detail="not a patient login",
        )
        raise
    audit_record(
        actor=user, action=Action.READ, patient=patient, target_type=page, target_id=patient.pk
    )
    return patient


def portal_home_get(*, user: User) -> PortalHome:
    """The signed-in patient's home, audited as their read of their own record."""
    patient = own_patient_read(user=user, page="portal_home")
    due_questionnaires = _due_questionnaires_selector()
    due = None if due_questionnaires is None else list(due_questionnaires(patient=patient))
    today = patient_today(patient=patient)
    targets = active_targets(patient=patient)
    records = checkin_form_state(patient=patient, day=today) if targets else {}
    by_target = streaks(patient=patient, today=today) if targets else {}
    return PortalHome(
        patient=patient,
        due=due,
        today=today,
        targets=[TargetToday(t, records.get(t.pk), by_target.get(t.pk)) for t in targets],
        upcoming=upcoming_sessions(patient=patient),
    )


def patient_today(*, patient: Patient) -> dt.date:
    """Today in the patient's site time zone: the day a check-in belongs to."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(patient.site.time_zone))


def active_targets(*, patient: Patient) -> list[AddictionTarget]:
    """What the patient checks in on: the active addiction targets, in the chart's order."""
    return list(
        AddictionTarget.objects.filter(patient=patient, is_active=True).order_by(
            "recorded_at", "id"
        )
    )


def upcoming_sessions(*, patient: Patient, limit: int = UPCOMING_SHOWN) -> list[Appointment]:
    """Booked or arrived appointments that have not ended, soonest first."""
    return list(
        Appointment.objects.filter(
            patient=patient, status__in=ACTIVE_STATUSES, ends_at__gte=timezone.now()
        )
        .select_related("site")
        .order_by("starts_at", "id")[:limit]
    )


def _due_questionnaires_selector() -> Callable[..., Sequence[Any]] | None:
    """The questionnaires app's due list, looked up at call time.

    The portal must keep working while that app's self-completion pages are being built, so
    a missing selector means "no due list", never an error page.
    """
    try:
        module = importlib.import_module("ketaclinic.questionnaires.selectors")
    except ImportError:
        return None
    selector: Callable[..., Sequence[Any]] | None = getattr(module, "due_questionnaires", None)
    return selector


def invitation_get(*, uidb64: str, token: str) -> PatientAccount:
    """The account an invitation link opens; an unusable link is refused (and audited)."""
    user_id = uid_decode(uidb64)
    account = (
        PatientAccount.objects.select_related("user", "patient__site")
        .filter(user_id=user_id, activated_at__isnull=True, disabled_at__isnull=True)
        .first()
        if user_id is not None
        else None
    )
    if account is None or not invite_token_generator.check_token(account.user, token):
        audit_record(
            actor=None,
            action=Action.ACCESS_DENIED,
            patient=account.patient if account is not None else None,
            target_type="portal_invitation",
            target_id=account.pk if account is not None else "",
            outcome=Outcome.DENIED,
            detail="expired, used or unknown invitation link",
        )
        raise InvitationInvalidError()
    return account


# --- Staff's view of a patient's portal login --------------------------------------------------


@dataclass(frozen=True)
class PortalLogin:
    patient: Patient
    account: PatientAccount | None

    @property
    def status(self) -> AccountStatus | None:
        return None if self.account is None else self.account.status

    @property
    def email(self) -> str:
        return self.patient.email if self.account is None else self.account.user.email

    @property
    def invitation_expires_at(self) -> dt.datetime | None:
        if self.account is None or self.status != AccountStatus.INVITED:
            return None
        return self.account.invited_at + dt.timedelta(hours=settings.KETACLINIC_PORTAL_INVITE_HOURS)


def portal_login_get(*, user: User, patient_id: int, manage: bool = False) -> PortalLogin:
    """A patient's portal login for the chart: scoped and audited through `patient_get`.

    With `manage`, the user must also be allowed to invite and disable (front desk,
    physician, nurse); the refusal is audited.
    """
    patient = patient_get(user=user, patient_id=patient_id, target_type=TARGET)
    if manage:
        require_perm(
            user=user,
            perm=Perm.PATIENT_CREATE,
            target_type=TARGET,
            target_id=patient.pk,
            patient=patient,
            message="Only front desk, a physician or a nurse can manage portal logins.",
        )
    return portal_login_load(patient=patient)


def portal_login_load(*, patient: Patient) -> PortalLogin:
    """For a patient already loaded through `patient_get` (which audited the read)."""
    account = (
        PatientAccount.objects.select_related("user", "invited_by", "disabled_by")
        .filter(patient=patient)
        .first()
    )
    return PortalLogin(patient=patient, account=account)

"""What is due to be sent, and how each patient wants to hear about it.

These run inside background jobs, as the system and for every site: no user is acting, so
they are not scoped to a user's sites. They return plans; `services.reminders` turns each
plan into outbox rows (one per channel), and the outbox's unique keys make that idempotent.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.patients.models import Patient
from ketaclinic.portal.selectors import account_patient
from ketaclinic.questionnaires.models import DueQuestionnaire
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.therapy.models import IntegrationSession, NoteStatus

from . import messages
from .messages import Message
from .models import Channel, ContactPreference, NotificationKind

logger = logging.getLogger(__name__)

# Appointment reminders: a day before, then two hours before. Inside two hours only the
# second is sent (the first would arrive at the same time).
DAY_BEFORE = dt.timedelta(hours=24)
HOURS_BEFORE = dt.timedelta(hours=2)

# A portal login the patient can use: the check-in and questionnaire reminders send them there.
_PORTAL_USABLE = Q(
    patient__portal_account__activated_at__isnull=False,
    patient__portal_account__disabled_at__isnull=True,
)


@dataclass(frozen=True)
class Plan:
    """One message about one event to one person; `key` names the event, without channel."""

    key: str
    kind: NotificationKind
    site: Site
    message: Message
    patient: Patient | None = None
    staff_user: User | None = None


# --- Each patient's choices ----------------------------------------------------------------


def contact_preference_for(*, patient: Patient) -> ContactPreference:
    """The patient's saved choices, or the defaults (unsaved) when they never chose."""
    saved = ContactPreference.objects.filter(patient=patient).first()
    return saved if saved is not None else ContactPreference(patient=patient)


def reminder_choices_get(*, user: User) -> tuple[Patient, ContactPreference]:
    """The signed-in patient and their choices (the portal page), audited as their read."""
    patient = account_patient(user=user)
    preference = contact_preference_for(patient=patient)
    audit_record(
        actor=user,
        action=Action.READ,
        patient=patient,
        target_type="contact_preference",
        target_id=preference.pk or "",
    )
    return patient, preference


def preferences_by_patient(patient_ids: set[int]) -> dict[int, ContactPreference]:
    found = ContactPreference.objects.filter(patient_id__in=patient_ids)
    return {preference.patient_id: preference for preference in found}


def patient_channels(
    *, patient: Patient, preference: ContactPreference | None
) -> list[tuple[str, str]]:
    """(channel, address) pairs the patient accepts reminders on; none after opting out."""
    preference = preference or ContactPreference(patient=patient)
    if preference.opted_out:
        return []
    channels = []
    if preference.email_enabled and patient.email:
        channels.append((Channel.EMAIL.value, patient.email))
    if preference.sms_enabled and patient.phone:
        channels.append((Channel.SMS.value, patient.phone))
    return channels


# --- What is due -------------------------------------------------------------------------------


def _utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_reminders_due(*, now: dt.datetime) -> list[Plan]:
    """Booked appointments starting within a day: the 24-hour or the 2-hour reminder. The
    key carries the start time, so a moved appointment is reminded again."""
    appointments = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        starts_at__gt=now,
        starts_at__lte=now + DAY_BEFORE,
        patient__is_active=True,
    ).select_related("site", "patient")
    plans = []
    for appointment in appointments:
        soon = appointment.starts_at - now <= HOURS_BEFORE
        kind = NotificationKind.APPOINTMENT_2H if soon else NotificationKind.APPOINTMENT_24H
        message = messages.appointment_reminder(
            site_name=appointment.site.name,
            starts_at=appointment.starts_at,
            time_zone=appointment.site.time_zone,
            now=now,
        )
        window = "2h" if soon else "24h"
        key = f"appointment:{appointment.pk}:{window}:{_utc_stamp(appointment.starts_at)}"
        plans.append(Plan(key, kind, appointment.site, message, patient=appointment.patient))
    return plans


def checkin_reminders_due(*, now: dt.datetime) -> list[Plan]:
    """Patients whose chosen time has passed today (their site's clock) and who have not
    checked in today. Whether they were already reminded today is the key's business."""
    preferences = ContactPreference.objects.filter(
        _PORTAL_USABLE,
        opted_out=False,
        checkin_reminder_time__isnull=False,
        patient__is_active=True,
    ).select_related("patient__site")
    checked_in = checked_in_today_function()
    plans = []
    for preference in preferences:
        patient = preference.patient
        local = now.astimezone(zoneinfo.ZoneInfo(patient.site.time_zone))
        chosen = preference.checkin_reminder_time
        if chosen is None or local.time() < chosen or checked_in(patient, local.date()):
            continue
        key = f"checkin:{patient.pk}:{local.date().isoformat()}"
        plans.append(
            Plan(
                key,
                NotificationKind.CHECKIN_DAILY,
                patient.site,
                messages.checkin_reminder(),
                patient=patient,
            )
        )
    return plans


def checked_in_today_function() -> Callable[[Patient, dt.date], bool]:
    """The recovery app's own answer when it has one; else a self-report recorded today."""
    try:
        module = importlib.import_module("ketaclinic.recovery.selectors")
        found: Callable[[Patient, dt.date], bool] = module.checked_in_today
    except (ImportError, AttributeError):
        return _self_report_recorded_on
    return found


def _self_report_recorded_on(patient: Patient, day: dt.date) -> bool:
    zone = zoneinfo.ZoneInfo(patient.site.time_zone)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return DailyRecord.objects.filter(
        patient=patient,
        source=Source.SELF_REPORT,
        recorded_at__gte=start,
        recorded_at__lt=start + dt.timedelta(days=1),
    ).exists()


def questionnaire_reminders_due(*, now: dt.datetime) -> list[Plan]:
    """One reminder per patient and day on which open questionnaires fell due, while their
    window is open (due, not yet overdue), for patients with a usable portal login."""
    items = (
        DueQuestionnaire.objects.open()
        .filter(_PORTAL_USABLE, due_at__lte=now, overdue_at__gt=now, patient__is_active=True)
        .select_related("patient__site")
        .order_by("patient_id", "due_at", "id")
    )
    plans: dict[str, Plan] = {}
    for item in items:
        patient = item.patient
        due_day = item.due_at.astimezone(zoneinfo.ZoneInfo(patient.site.time_zone)).date()
        key = f"questionnaire:{patient.pk}:{due_day.isoformat()}"
        plans.setdefault(
            key,
            Plan(
                key,
                NotificationKind.QUESTIONNAIRE_DUE,
                patient.site,
                messages.questionnaire_reminder(),
                patient=patient,
            ),
        )
    return list(plans.values())


def integration_alerts_due(*, now: dt.datetime) -> list[Plan]:
    """Unsigned integration sessions past their due time: an alert to the session's
    therapist, or when there is none (or they left the site) to every therapist there."""
    sessions = (
        IntegrationSession.objects.filter(
            status=NoteStatus.DRAFT, due_at__lt=now, course__patient__is_active=True
        )
        .select_related("course__patient__site", "therapist")
        .prefetch_related("therapist__sites")
    )
    site_staff: dict[int, list[User]] = {}
    plans = []
    for session in sessions:
        site = session.course.patient.site
        therapist = session.therapist
        if therapist is not None and therapist.is_active and site in therapist.sites.all():
            recipients = [therapist]
        else:
            if site.pk not in site_staff:
                site_staff[site.pk] = list(staff_with_perm(site=site, perm=Perm.INTEGRATION_SIGN))
            recipients = site_staff[site.pk]
        message = messages.integration_overdue_alert(site_name=site.name)
        for user in recipients:
            key = f"integration:{session.pk}:{_utc_stamp(session.due_at)}:user:{user.pk}"
            plans.append(
                Plan(key, NotificationKind.INTEGRATION_OVERDUE, site, message, staff_user=user)
            )
    return plans

"""Patient reminders, run eagerly: what is sent, when, on which channel, and only once."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from ketaclinic.audit.models import AuditEvent
from ketaclinic.notifications import services
from ketaclinic.notifications.models import Notification, NotificationStatus
from ketaclinic.scheduling.models import AppointmentStatus
from tests.notifications.factories import (
    AppointmentFactory,
    ContactPreferenceFactory,
    SelfReportFactory,
)
from tests.questionnaires.factories import DueQuestionnaireFactory

NOW = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)  # Tuesday 10:00 AM in Boston
TOMORROW_9AM = dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC)
TODAY_1130AM = dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC)
EMAIL_FOOTER = (
    "\n\nTo change how we remind you, or to stop reminders, sign in to your patient portal "
    "and open Reminders.\n"
)


def _sent() -> list[tuple[str, list[str], str]]:
    return [(str(m.subject), list(m.to), str(m.body)) for m in mail.outbox]


# --- Appointments --------------------------------------------------------------------------


def test_the_day_before_an_appointment_the_patient_gets_one_email(run, patient):
    """Given a booked appointment tomorrow at 9:00, when the run happens 23 hours before,
    then one email goes to the patient, says where and when, and is marked sent."""
    appointment = AppointmentFactory(patient=patient, starts_at=TOMORROW_9AM)

    claimed = run(services.appointment_reminders_queue, now=NOW)

    notification = Notification.objects.get()
    assert claimed == 1
    assert _sent() == [
        (
            "Appointment reminder",
            ["ann.alderwood@example.org"],
            "Reminder: you have an appointment at the Boston, MA clinic tomorrow at 9:00 AM."
            + EMAIL_FOOTER,
        )
    ]
    assert (notification.kind, notification.channel, notification.status) == (
        "appointment_24h",
        "email",
        NotificationStatus.SENT,
    )
    assert notification.key == f"appointment:{appointment.pk}:24h:20260311T130000Z:email"
    assert (notification.attempts, notification.last_error) == (1, "")
    assert notification.sent_at is not None


def test_two_hours_before_the_second_reminder_goes_out(run, patient):
    """Given the day-before reminder was sent yesterday afternoon, when the run happens 90
    minutes before the appointment, then the two-hour reminder is sent too, saying 'today'."""
    AppointmentFactory(patient=patient, starts_at=TODAY_1130AM)
    run(services.appointment_reminders_queue, now=TODAY_1130AM - dt.timedelta(hours=20))

    run(services.appointment_reminders_queue, now=NOW)

    assert [n.kind for n in Notification.objects.order_by("id")] == [
        "appointment_24h",
        "appointment_2h",
    ]
    assert [str(m.body).split("\n")[0] for m in mail.outbox] == [
        "Reminder: you have an appointment at the Boston, MA clinic tomorrow at 11:30 AM.",
        "Reminder: you have an appointment at the Boston, MA clinic today at 11:30 AM.",
    ]


def test_no_reminder_before_the_day_or_for_a_cancelled_or_past_appointment(run, patient, frontdesk):
    AppointmentFactory(patient=patient, starts_at=NOW + dt.timedelta(hours=25))
    AppointmentFactory(patient=patient, starts_at=NOW - dt.timedelta(minutes=5))
    AppointmentFactory(
        patient=patient,
        starts_at=TOMORROW_9AM,
        status=AppointmentStatus.CANCELLED,
        status_changed_by=frontdesk,
        status_reason="Patient asked (synthetic)",
    )

    claimed = run(services.appointment_reminders_queue, now=NOW)

    assert claimed == 0
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_moved_appointment_is_reminded_again_for_its_new_time(run, patient):
    appointment = AppointmentFactory(patient=patient, starts_at=TOMORROW_9AM)
    run(services.appointment_reminders_queue, now=NOW)
    appointment.starts_at = TOMORROW_9AM + dt.timedelta(hours=1)
    appointment.ends_at = appointment.starts_at + dt.timedelta(hours=1)
    appointment.save()

    run(services.appointment_reminders_queue, now=NOW)

    assert Notification.objects.count() == 2
    assert str(mail.outbox[1].body).startswith(
        "Reminder: you have an appointment at the Boston, MA clinic tomorrow at 10:00 AM."
    )


# --- Channels and opting out -------------------------------------------------------------------


def test_a_patient_who_opted_out_gets_nothing(run, patient, sms_outbox):
    ContactPreferenceFactory(patient=patient, opted_out=True, sms_enabled=True)
    AppointmentFactory(patient=patient, starts_at=TOMORROW_9AM)

    claimed = run(services.appointment_reminders_queue, now=NOW)

    assert claimed == 0
    assert not Notification.objects.exists()
    assert (mail.outbox, sms_outbox) == ([], [])


def test_a_patient_who_chose_text_messages_only_gets_a_text(run, patient, sms_outbox):
    ContactPreferenceFactory(patient=patient, email_enabled=False, sms_enabled=True)
    AppointmentFactory(patient=patient, starts_at=TOMORROW_9AM)

    run(services.appointment_reminders_queue, now=NOW)

    assert mail.outbox == []
    assert [(m.to, m.body) for m in sms_outbox] == [
        (
            "(617) 555-0142",
            "Reminder: you have an appointment at the Boston, MA clinic tomorrow at 9:00 AM. "
            "Manage reminders in your patient portal.",
        )
    ]
    assert Notification.objects.get().channel == "sms"


def test_a_patient_with_both_channels_gets_one_of_each(run, patient, sms_outbox):
    ContactPreferenceFactory(patient=patient, email_enabled=True, sms_enabled=True)
    AppointmentFactory(patient=patient, starts_at=TOMORROW_9AM)

    claimed = run(services.appointment_reminders_queue, now=NOW)

    assert claimed == 2
    assert (len(mail.outbox), len(sms_outbox)) == (1, 1)


def test_a_channel_without_an_address_is_left_out(run, patient_factory, boston):
    no_email = patient_factory(site=boston, email="", phone="(617) 555-0143")
    AppointmentFactory(patient=no_email, starts_at=TOMORROW_9AM)

    claimed = run(services.appointment_reminders_queue, now=NOW)

    assert claimed == 0
    assert not Notification.objects.exists()


# --- Daily check-in ----------------------------------------------------------------------------


def test_the_check_in_reminder_goes_out_once_the_chosen_time_has_passed(run, patient, account):
    """Given a patient who chose 9:30, when the run happens at 9:25 nothing is sent; at
    10:00 the reminder goes out, and a later run the same day sends nothing more."""
    ContactPreferenceFactory(patient=patient, checkin_reminder_time=dt.time(9, 30))

    early = run(services.checkin_reminders_queue, now=NOW - dt.timedelta(minutes=35))
    on_time = run(services.checkin_reminders_queue, now=NOW)
    later = run(services.checkin_reminders_queue, now=NOW + dt.timedelta(hours=5))

    assert (early, on_time, later) == (0, 1, 0)
    assert _sent() == [
        (
            "Your daily check-in",
            ["ann.alderwood@example.org"],
            "Your daily check-in is open. Sign in to your patient portal to fill it in."
            + EMAIL_FOOTER,
        )
    ]
    assert Notification.objects.get().key == f"checkin:{patient.pk}:2026-03-10:email"


def test_the_check_in_reminder_comes_again_the_next_day(run, patient, account):
    ContactPreferenceFactory(patient=patient, checkin_reminder_time=dt.time(9, 30))
    run(services.checkin_reminders_queue, now=NOW)

    run(services.checkin_reminders_queue, now=NOW + dt.timedelta(days=1))

    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_no_check_in_reminder_after_checking_in_today(run, patient, account):
    ContactPreferenceFactory(patient=patient, checkin_reminder_time=dt.time(9, 30))
    SelfReportFactory(
        patient=patient,
        day=dt.date(2026, 3, 10),
        recorded_at=NOW - dt.timedelta(minutes=20),
        updated_at=NOW - dt.timedelta(minutes=20),
    )

    claimed = run(services.checkin_reminders_queue, now=NOW)

    assert claimed == 0
    assert mail.outbox == []


def test_no_check_in_reminder_without_a_chosen_time_or_a_portal_login(run, patient):
    ContactPreferenceFactory(patient=patient, checkin_reminder_time=dt.time(9, 30))

    claimed = run(services.checkin_reminders_queue, now=NOW)  # no portal login yet

    assert claimed == 0
    assert not Notification.objects.exists()


# --- Questionnaires ----------------------------------------------------------------------------


def test_questionnaires_due_today_bring_one_reminder(run, patient, account):
    """Given two questionnaires that fell due this morning, then the patient gets one
    reminder for both, and the next hourly run sends nothing more."""
    DueQuestionnaireFactory(patient=patient, instrument="phq9", due_at=NOW - dt.timedelta(hours=2))
    DueQuestionnaireFactory(patient=patient, instrument="gad7", due_at=NOW - dt.timedelta(hours=1))

    first = run(services.questionnaire_reminders_queue, now=NOW)
    second = run(services.questionnaire_reminders_queue, now=NOW + dt.timedelta(hours=1))

    assert (first, second) == (1, 0)
    assert _sent() == [
        (
            "A questionnaire is waiting",
            ["ann.alderwood@example.org"],
            "You have a questionnaire waiting in your patient portal." + EMAIL_FOOTER,
        )
    ]


def test_no_questionnaire_reminder_without_a_portal_login_or_once_overdue(run, patient, account):
    DueQuestionnaireFactory(
        patient=patient,
        due_at=NOW - dt.timedelta(days=8),
        overdue_at=NOW - dt.timedelta(days=1),
    )
    DueQuestionnaireFactory(patient=patient, due_at=NOW + dt.timedelta(hours=3))
    account.disabled_at = NOW
    account.disabled_by = account.invited_by
    account.disabled_reason = "Patient asked (synthetic)"
    account.save()
    DueQuestionnaireFactory(patient=patient, due_at=NOW - dt.timedelta(hours=1))

    claimed = run(services.questionnaire_reminders_queue, now=NOW)

    assert claimed == 0
    assert mail.outbox == []


# --- The audit trail ---------------------------------------------------------------------------


def test_queueing_and_sending_are_audited_as_the_background_jobs(run, patient):
    AppointmentFactory(patient=patient, starts_at=TOMORROW_9AM)

    run(services.appointment_reminders_queue, now=NOW)

    notification = Notification.objects.get()
    rows = AuditEvent.objects.filter(target_type="notification").order_by("id")
    assert [(e.action, e.actor_username, e.patient_id, e.detail) for e in rows] == [
        ("create", "ketaclinic-jobs", patient.pk, "appointment_24h by email queued"),
        ("update", "ketaclinic-jobs", patient.pk, "appointment_24h by email: sent"),
    ]
    assert {e.target_id for e in rows} == {str(notification.pk)}

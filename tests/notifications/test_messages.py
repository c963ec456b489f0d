"""The reminder texts: exact wording, and the check that keeps clinical detail out."""

from __future__ import annotations

import datetime as dt

import pytest

from ketaclinic.notifications import messages
from ketaclinic.notifications.messages import (
    ClinicalDetailError,
    Message,
    find_clinical_terms,
    require_no_clinical_detail,
)

NOW = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)  # Tuesday 10:00 AM in Boston
BOSTON = "America/New_York"


@pytest.mark.parametrize(
    ("starts_at", "expected"),
    [
        (dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC), "today at 11:30 AM"),
        (dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC), "tomorrow at 9:00 AM"),
        (dt.datetime(2026, 3, 12, 18, 15, tzinfo=dt.UTC), "on Thursday, March 12 at 2:15 PM"),
    ],
)
def test_appointment_reminder_names_the_clinic_the_day_and_the_time_only(starts_at, expected):
    """Given an appointment, when its reminder is written, then it says where and when in
    the site's local time, and nothing about what the appointment is for."""
    message = messages.appointment_reminder(
        site_name="Boston, MA", starts_at=starts_at, time_zone=BOSTON, now=NOW
    )

    assert message.subject == "Appointment reminder"
    assert message.text == f"Reminder: you have an appointment at the Boston, MA clinic {expected}."


def test_a_site_named_after_the_treatment_is_not_spelt_out():
    """Given a site whose name gives the treatment away, then the reminder says 'the clinic'."""
    message = messages.appointment_reminder(
        site_name="Boston Ketamine Center",
        starts_at=dt.datetime(2026, 3, 11, 13, 0, tzinfo=dt.UTC),
        time_zone=BOSTON,
        now=NOW,
    )
    alert = messages.integration_overdue_alert(site_name="Boston Ketamine Center")

    assert message.text == "Reminder: you have an appointment at the clinic tomorrow at 9:00 AM."
    assert (
        alert.text == "An integration session at your clinic is overdue; open Ketaclinic to see it."
    )


def test_patient_messages_carry_the_way_to_change_them_on_each_channel():
    message = messages.questionnaire_reminder()

    assert message.body_for("email") == (
        "You have a questionnaire waiting in your patient portal.\n\n"
        "To change how we remind you, or to stop reminders, sign in to your patient portal "
        "and open Reminders.\n"
    )
    assert message.body_for("sms") == (
        "You have a questionnaire waiting in your patient portal. "
        "Manage reminders in your patient portal."
    )


def test_staff_alert_names_the_site_and_no_patient():
    alert = messages.integration_overdue_alert(site_name="Boston, MA")

    assert (alert.subject, alert.body_for("email")) == (
        "Overdue integration session",
        "An integration session at Boston, MA is overdue; open Ketaclinic to see it.",
    )


def test_the_forbidden_terms_cover_every_addiction_target_and_the_treatment():
    assert {"alcohol", "opioids", "cocaine", "stimulants", "cannabis", "ketamine"} <= set(
        messages.FORBIDDEN_TERMS
    )
    assert {"infusion", "gambling", "medication", "diagnosis"} <= set(messages.FORBIDDEN_TERMS)


def test_terms_are_found_as_whole_words_in_any_case():
    assert find_clinical_terms("Your INFUSION is booked") == ["infusion"]
    assert find_clinical_terms("Take Naltrexone 50 mg", extra=["F10.20"]) == ["naltrexone"]
    assert find_clinical_terms("code F10.20 noted", extra=["F10.20"]) == ["F10.20"]
    assert find_clinical_terms("Confusion at the front desk") == []  # not "infusion"


def test_a_message_with_a_term_from_the_patients_chart_is_refused():
    """Given a text that names the patient's medication, then it is refused before queueing."""
    message = Message(subject="Reminder", text="Bring your Sertraline to the appointment.")

    with pytest.raises(ClinicalDetailError) as refused:
        require_no_clinical_detail(message, extra_terms={"Sertraline"})

    assert str(refused.value) == (
        "A reminder would have disclosed clinical detail (Sertraline): nothing was sent."
    )

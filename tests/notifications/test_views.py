"""The patient's reminder page in the portal: see the choices, change them, opt out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.notifications.models import ContactPreference

URL = "/portal/reminders/"


@pytest.fixture
def patient_client(account) -> Client:
    client = Client()
    client.force_login(account.user)
    return client


def test_the_page_shows_the_defaults_and_the_addresses_on_file(patient_client, patient):
    """Given a patient who never chose, then the page shows email on, text off, and the
    email address and mobile number the reminders would go to; the read is audited."""
    response = patient_client.get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Reminders</h1>" in content
    assert 'name="email_enabled" id="id_email_enabled" checked' in content
    assert 'name="sms_enabled" id="id_sms_enabled">' in content
    assert "ann.alderwood@example.org" in content
    assert "(617) 555-0142" in content
    assert 'aria-label="Main"' not in content  # the portal layout, no staff navigation
    read = AuditEvent.objects.get(target_type="contact_preference")
    assert (read.action, read.patient_id) == ("read", patient.pk)


def test_saving_choices_stores_them_and_audits_the_change(patient_client, patient, account):
    response = patient_client.post(
        URL, {"email_enabled": "on", "sms_enabled": "on", "checkin_reminder_time": "20:30"}
    )

    preference = ContactPreference.objects.get(patient=patient)
    assert (response.status_code, response["Location"]) == (302, URL)
    assert (preference.email_enabled, preference.sms_enabled, preference.opted_out) == (
        True,
        True,
        False,
    )
    assert preference.checkin_reminder_time == dt.time(20, 30)
    assert preference.updated_by == account.user
    event = AuditEvent.objects.filter(target_type="contact_preference", action="create").get()
    assert event.detail == "reminders by email and text; check-in reminder at 20:30"


def test_opting_out_is_dated_and_opting_back_in_clears_it(patient_client, patient):
    patient_client.post(URL, {"email_enabled": "on", "opted_out": "on"})
    stopped = ContactPreference.objects.get(patient=patient)

    patient_client.post(URL, {"email_enabled": "on"})
    resumed = ContactPreference.objects.get(patient=patient)

    assert (stopped.opted_out, stopped.opted_out_at is not None) == (True, True)
    assert (resumed.opted_out, resumed.opted_out_at) == (False, None)


def test_text_messages_without_a_mobile_number_are_refused_and_nothing_is_saved(
    patient_client, patient
):
    """Given no mobile number on file, when the patient turns on text messages, then the
    page answers 400 naming the fix, keeps what was typed, and saves nothing."""
    patient.phone = ""
    patient.save()

    response = patient_client.post(URL, {"sms_enabled": "on", "checkin_reminder_time": "07:15"})

    content = response.content.decode()
    assert response.status_code == 400
    assert (
        "The clinic has no mobile number for you: ask the front desk to add it, "
        "or turn off text messages."
    ) in content
    assert 'value="07:15"' in content
    assert not ContactPreference.objects.exists()
    assert not AuditEvent.objects.filter(
        target_type="contact_preference", action__in=["create", "update"]
    ).exists()


def test_turning_every_channel_off_without_opting_out_is_refused(patient_client):
    response = patient_client.post(URL, {})

    assert response.status_code == 400
    assert "Choose email or text messages, or choose to stop all reminders." in (
        response.content.decode()
    )
    assert not ContactPreference.objects.exists()


def test_a_bad_time_is_refused_with_the_fix(patient_client):
    response = patient_client.post(URL, {"email_enabled": "on", "checkin_reminder_time": "8pm-ish"})

    assert response.status_code == 400
    assert "Enter a time such as 20:00, or leave it empty." in response.content.decode()
    assert not ContactPreference.objects.exists()


def test_staff_cannot_use_the_patients_reminder_page(client_for, make_user, boston):
    staff = make_user(Role.FRONT_DESK, boston, username="desk")

    response = client_for(staff).post(URL, {"email_enabled": "on"})

    assert response.status_code == 403
    assert not ContactPreference.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in():
    response = Client().get(URL)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={URL}")

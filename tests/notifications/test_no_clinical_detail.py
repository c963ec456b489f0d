"""A reminder message contains no diagnosis, substance or medication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from ketaclinic.notifications import services
from ketaclinic.notifications.messages import clinical_terms_for
from ketaclinic.notifications.models import Notification
from ketaclinic.patients.models import Target
from tests.notifications.factories import AppointmentFactory, ContactPreferenceFactory
from tests.patients.factories import AddictionTargetFactory, DiagnosisFactory, MedicationFactory
from tests.questionnaires.factories import DueQuestionnaireFactory

NOW = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
CHART_WORDS = [
    "alcohol",
    "F10.20",
    "Alcohol dependence, uncomplicated",
    "dependence",
    "Naltrexone",
    "50 mg",
    "ketamine",
    "infusion",
]


@pytest.fixture
def charted(patient, account, physician):
    """A patient treated for alcohol: the target, its diagnosis and a medication."""
    AddictionTargetFactory(patient=patient, target=Target.ALCOHOL, code="F10.20")
    DiagnosisFactory(
        patient=patient, noted_by=physician, display="Alcohol dependence, uncomplicated"
    )
    MedicationFactory(patient=patient, name="Naltrexone", dose_text="50 mg")
    ContactPreferenceFactory(patient=patient, sms_enabled=True, checkin_reminder_time=dt.time(9))
    return patient


def test_a_reminder_message_contains_no_diagnosis_substance_or_medication(run, charted, sms_outbox):
    """Given a patient with an alcohol target (F10.20), that diagnosis and naltrexone, when
    every kind of patient reminder is sent to them by email and text, then no subject or
    body names the substance, the code, the diagnosis, the medication or the treatment."""
    AppointmentFactory(patient=charted, kind="infusion", starts_at=NOW + dt.timedelta(hours=20))
    AppointmentFactory(patient=charted, kind="integration", starts_at=NOW + dt.timedelta(hours=1))
    DueQuestionnaireFactory(patient=charted, instrument="auditc", due_at=NOW)

    for queue in (
        services.appointment_reminders_queue,
        services.checkin_reminders_queue,
        services.questionnaire_reminders_queue,
    ):
        run(queue, now=NOW + dt.timedelta(minutes=1))

    texts = [f"{m.subject}\n{m.body}" for m in mail.outbox] + [m.body for m in sms_outbox]
    assert Notification.objects.filter(status="sent").count() == 8  # 4 reminders x 2 channels
    assert len(texts) == 8
    leaks = [(word, text) for text in texts for word in CHART_WORDS if word.lower() in text.lower()]
    assert leaks == []


def test_the_chart_terms_checked_are_the_patients_own(charted):
    assert clinical_terms_for(charted) == frozenset(
        {"alcohol", "F10.20", "Alcohol dependence, uncomplicated", "Naltrexone"}
    )

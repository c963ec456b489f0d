"""Rows the reminder tests start from: appointments, reminder choices, a self-report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.roles import Role
from ketaclinic.notifications.models import ContactPreference
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from tests.factories import PatientFactory, UserFactory
from tests.patients.factories import AddictionTargetFactory


class AppointmentFactory(DjangoModelFactory[Appointment]):
    """A booked hour-long preparation session; pass patient= and starts_at=."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    site = factory.SelfAttribute("patient.site")
    kind = AppointmentKind.PREPARATION
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=20))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    status = AppointmentStatus.BOOKED
    created_by = factory.SubFactory(UserFactory, roles=[Role.FRONT_DESK])
    created_at = factory.LazyFunction(timezone.now)


class ContactPreferenceFactory(DjangoModelFactory[ContactPreference]):
    class Meta:
        model = ContactPreference

    patient = factory.SubFactory(PatientFactory)
    email_enabled = True
    sms_enabled = False
    opted_out = False
    opted_out_at = factory.LazyAttribute(lambda o: timezone.now() if o.opted_out else None)
    checkin_reminder_time = None


class SelfReportFactory(DjangoModelFactory[DailyRecord]):
    """Today's daily check-in: no use, craving 2."""

    class Meta:
        model = DailyRecord

    patient = factory.SubFactory(PatientFactory)
    target = factory.SubFactory(AddictionTargetFactory, patient=factory.SelfAttribute("..patient"))
    day = factory.LazyFunction(timezone.localdate)
    source = Source.SELF_REPORT
    used = False
    quantity = Decimal("0")
    unit = factory.SelfAttribute("target.unit")
    craving = 2
    recorded_by = factory.SubFactory(UserFactory, roles=[])
    recorded_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)

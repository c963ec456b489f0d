"""Portal logins in each state (invited, active by default, disabled) and appointments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.portal.models import PatientAccount
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from tests.factories import TEST_PASSWORD, PatientFactory, UserFactory


class PatientUserFactory(DjangoModelFactory[User]):
    """A patient's login: the email as username, no roles, no sites."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"portal{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username)
    password = factory.LazyFunction(lambda: make_password(TEST_PASSWORD))


class PatientAccountFactory(DjangoModelFactory[PatientAccount]):
    """An active login by default; `invited=True` or `disabled=True` for the other states."""

    class Meta:
        model = PatientAccount
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory)
    user = factory.SubFactory(
        PatientUserFactory,
        username=factory.LazyAttribute(lambda o: o.factory_parent.patient.email.lower()),
    )
    invited_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=2))
    invited_by = factory.SubFactory(UserFactory, roles=[Role.FRONT_DESK])
    activated_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))

    class Params:
        invited = factory.Trait(activated_at=None)
        disabled = factory.Trait(
            disabled_at=factory.LazyFunction(timezone.now),
            disabled_by=factory.SelfAttribute("invited_by"),
            disabled_reason="Patient asked",
        )

    @factory.post_generation
    def login_state(self, create: bool, extracted: object, **kwargs: object) -> None:
        """An invited login has no password yet; a disabled one is inactive."""
        if self.activated_at is None:
            self.user.set_unusable_password()
        self.user.is_active = self.disabled_at is None
        self.user.save()


class AppointmentFactory(DjangoModelFactory[Appointment]):
    """A booked session tomorrow at 10:00 for an hour; pass patient= and created_by=."""

    class Meta:
        model = Appointment

    site = factory.LazyAttribute(lambda o: o.patient.site)
    kind = AppointmentKind.INFUSION
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(days=1)).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    status = AppointmentStatus.BOOKED
    created_at = factory.LazyFunction(timezone.now)


class DailyRecordFactory(DjangoModelFactory[DailyRecord]):
    """A self-reported day without use; pass target=, day= and recorded_by=."""

    class Meta:
        model = DailyRecord

    patient = factory.SelfAttribute("target.patient")
    source = Source.SELF_REPORT
    used = False
    quantity = Decimal(0)
    unit = factory.SelfAttribute("target.unit")
    craving = 2
    mood = 3
    recorded_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)

"""Portal logins in each state: invited, active (the default) and disabled."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.portal.models import PatientAccount
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

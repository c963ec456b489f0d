"""factory_boy factories for the whole suite; conftest exposes them as fixtures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from ketaclinic.accounts.models import RoleAssignment, Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Patient, Sex

TEST_PASSWORD = "correct-horse-battery-staple-42"


class SiteFactory(DjangoModelFactory[Site]):
    class Meta:
        model = Site
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test Site {n}")
    slug = factory.Sequence(lambda n: f"test-site-{n}")
    address = "1 Test Street (synthetic)"
    time_zone = "America/New_York"


class UserFactory(DjangoModelFactory[User]):
    """A staff member. `roles=[Role.PHYSICIAN]`, `sites=[site]` set roles and sites."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: Any) -> None:
        for role in extracted or []:
            RoleAssignment.objects.create(user=self, role=role)

    @factory.post_generation
    def sites(self, create: bool, extracted: list[Site] | None, **kwargs: Any) -> None:
        if extracted:
            self.sites.set(extracted)
        self.save()


class PatientFactory(DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    site = factory.SubFactory(SiteFactory)
    mrn = factory.Sequence(lambda n: f"T{n:06d}")
    first_name = factory.Sequence(lambda n: f"Testfirst{n}")
    last_name = factory.Sequence(lambda n: f"Testlast{n}")
    date_of_birth = dt.date(1980, 5, 17)
    sex = Sex.FEMALE
    phone = "(617) 555-0100"
    email = factory.Sequence(lambda n: f"patient{n}@example.org")

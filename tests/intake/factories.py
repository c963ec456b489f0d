"""Factories for the intake tests."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from ketaclinic.intake.models import Addiction, Answer, ContactMethod, Inquiry, InquiryStatus
from tests.factories import SiteFactory


class InquiryFactory(DjangoModelFactory[Inquiry]):
    class Meta:
        model = Inquiry

    site = factory.SubFactory(SiteFactory)
    first_name = factory.Sequence(lambda n: f"Inqfirst{n}")
    last_name = factory.Sequence(lambda n: f"Inqlast{n}")
    date_of_birth = dt.date(1985, 4, 12)
    phone = factory.Sequence(lambda n: f"(857) 555-01{n % 100:02d}")
    email = factory.Sequence(lambda n: f"inquirer{n}@example.org")
    preferred_contact = ContactMethod.PHONE
    addictions = factory.LazyFunction(lambda: [Addiction.ALCOHOL.value])
    addiction_other = ""
    prior_treatment = ""
    high_blood_pressure = Answer.NO
    psychosis_history = Answer.NO
    pregnancy = Answer.NO
    prior_ketamine_misuse = Answer.NO
    crisis_reported = False
    is_urgent = factory.LazyAttribute(lambda o: o.crisis_reported)
    status = InquiryStatus.NEW

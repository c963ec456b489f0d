"""Daily records for the recovery tests; each row is valid as built."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ketaclinic.recovery.models import DailyRecord, Source


class DailyRecordFactory(DjangoModelFactory[DailyRecord]):
    """An abstinent self-report; pass target=, day= and recorded_by=."""

    class Meta:
        model = DailyRecord

    patient = factory.SelfAttribute("target.patient")
    source = Source.SELF_REPORT
    used = False
    quantity = factory.LazyAttribute(lambda o: Decimal(0) if not o.used else Decimal(1))
    unit = factory.SelfAttribute("target.unit")
    recorded_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)

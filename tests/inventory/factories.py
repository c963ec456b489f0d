"""Register fixtures' building blocks: stock, and infusions to administer from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion
from ketaclinic.inventory.dea import dea_check_digit
from ketaclinic.inventory.models import (
    LocationKind,
    Lot,
    Product,
    Registrant,
    StorageLocation,
)
from ketaclinic.patients.models import Patient
from ketaclinic.protocols.models import ProtocolTemplate, ProtocolVersion

NOW = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)


def product_create(*, ndc: str = "00000-0000-01") -> Product:
    product, _ = Product.objects.get_or_create(
        ndc=ndc,
        defaults={
            "name": "Ketamine HCl 50 mg/mL, 10 mL vial",
            "concentration_mg_per_ml": Decimal("50"),
            "container_volume_ml": Decimal("10"),
        },
    )
    return product


def synthetic_dea_number(number: int, prefix: str = "FX") -> str:
    """A fake but well-formed DEA number: `prefix`, six digits of `number`, the check digit."""
    six = f"{number:06d}"
    return f"{prefix}{six}{dea_check_digit(six)}"


def registrant_create(site: Site, *, dea_number: str = "") -> Registrant:
    return Registrant.objects.create(
        site=site,
        name=f"{site.name} clinic (synthetic)",
        dea_number=dea_number or synthetic_dea_number(site.pk),
        expires_on=dt.date(2099, 12, 31),
    )


def location_create(site: Site, name: str, kind: LocationKind) -> StorageLocation:
    return StorageLocation.objects.create(site=site, name=name, kind=kind)


def lot_create(
    product: Product, *, number: str = "LOT-A1", expires_on: dt.date = dt.date(2099, 1, 31)
) -> Lot:
    return Lot.objects.create(product=product, lot_number=number, expires_on=expires_on)


def infusion_create(*, patient: Patient, physician: User, session_number: int = 1) -> Infusion:
    template, _ = ProtocolTemplate.objects.get_or_create(
        code="test-protocol", defaults={"name": "Test protocol", "indication": "synthetic"}
    )
    version, _ = ProtocolVersion.objects.get_or_create(
        template=template,
        number=1,
        defaults={
            "route": "iv",
            "sessions_planned": 6,
            "vitals_interval_intra_minutes": 15,
            "vitals_interval_post_minutes": 15,
            "min_observation_minutes": 60,
            "source": "synthetic test protocol",
        },
    )
    now = timezone.now()
    course, _ = TreatmentCourse.objects.get_or_create(
        patient=patient,
        defaults={
            "protocol_version": version,
            "sessions_planned": 6,
            "planned_start": now.date(),
            "supervising_physician": physician,
            "enrolled_by": physician,
            "enrolled_at": now,
            "status_changed_at": now,
        },
    )
    return Infusion.objects.create(
        course=course,
        patient=patient,
        site=patient.site,
        session_number=session_number,
        scheduled_at=now,
        status="running",
        created_by=physician,
        created_at=now,
        started_at=now,
    )

"""Builders for the course and therapy tests.

The protocol library normally comes from the protocols app's data migration; `library_version`
reinstalls it after a flush, and builds a minimal KARE-like version itself when the library
is not installed at all, so these tests never depend on another app's timing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.courses import services as course_services
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.patients.models import Patient
from ketaclinic.protocols.models import ProtocolPhase, ProtocolTemplate, ProtocolVersion
from ketaclinic.therapy import services as therapy_services
from ketaclinic.therapy.models import IntegrationSession, PreparationSession
from tests.treatment import InfusionFactory, SignedPreparationFactory


def library_version(code: str = "kare-2022") -> ProtocolVersion:
    """The active version of a library protocol, installing the library if a flush lost it."""
    try:
        from ketaclinic.protocols.seed import seed_library

        seed_library()
    except ImportError:  # the library is not installed yet: build a stand-in
        return _stand_in(code)
    found = ProtocolVersion.objects.select_related("template").filter(
        template__code=code, status="active"
    )
    return found.first() or _stand_in(code)


def _stand_in(code: str) -> ProtocolVersion:
    template, _ = ProtocolTemplate.objects.get_or_create(
        code=code, defaults={"name": f"{code} (test)", "indication": "alcohol use disorder"}
    )
    version, created = ProtocolVersion.objects.get_or_create(
        template=template,
        number=1,
        defaults={
            "status": "active",
            "route": "iv",
            "sessions_planned": 3,
            "session_spacing_days": 7,
            "schedule_description": "3 infusions, weekly",
            "entry_condition": "Abstinent for at least 24 hours",
            "entry_min_hours_abstinent": 24,
            "max_mg_per_kg": Decimal("0.800"),
            "min_infusion_minutes": 40,
            "vitals_interval_intra_minutes": 10,
            "vitals_interval_post_minutes": 15,
            "min_observation_minutes": 120,
            "source": "Test stand-in (synthetic)",
        },
    )
    if created:
        ProtocolPhase.objects.create(
            version=version, kind="infusion", mg_per_kg=Decimal("0.800"), minutes=40
        )
    return version


def enrol(
    *,
    patient: Patient,
    physician: User,
    version: ProtocolVersion | None = None,
    therapist: User | None = None,
    planned_start: dt.date | None = None,
) -> TreatmentCourse:
    """A planned course through the real service (the patient must be ready)."""
    return course_services.course_enrol(
        actor=physician,
        patient=patient,
        protocol_version=version or library_version(),
        planned_start=planned_start or timezone.localdate(),
        supervising_physician=physician,
        therapist=therapist,
    )


def active_course(*, patient: Patient, physician: User, **kwargs: object) -> TreatmentCourse:
    course = enrol(patient=patient, physician=physician, **kwargs)  # type: ignore[arg-type]  # test helper
    return course_services.course_start(actor=physician, course=course)


def signed_preparation(*, course: TreatmentCourse, physician: User) -> PreparationSession:
    return SignedPreparationFactory(course=course, physician=physician)


def signed_infusion(
    *,
    course: TreatmentCourse,
    nurse: User,
    session_number: int = 1,
    signed_at: dt.datetime | None = None,
) -> Infusion:
    """An infusion given and signed at `signed_at` (default two hours ago)."""
    signed = signed_at or timezone.now() - dt.timedelta(hours=2)
    return InfusionFactory(
        course=course,
        created_by=nurse,
        session_number=session_number,
        scheduled_at=signed - dt.timedelta(hours=3),
        status=InfusionStatus.SIGNED,
        nurse=nurse,
        started_at=signed - dt.timedelta(hours=3),
        ended_at=signed - dt.timedelta(hours=2),
        discharged_at=signed - dt.timedelta(minutes=30),
        signed_by=nurse,
        signed_at=signed,
    )


def integration_for(infusion: Infusion) -> IntegrationSession:
    """The integration session signing the infusion is owed (through the real scheduler)."""
    return therapy_services.integration_schedule(infusion=infusion)


def set_status(course: TreatmentCourse, status: CourseStatus, reason: str = "") -> None:
    """Put a course straight into a status for gate tests about something else."""
    TreatmentCourse.objects.filter(pk=course.pk).update(status=status, status_reason=reason)
    course.refresh_from_db()


def revoke_treatment_consent(*, patient: Patient, actor: User) -> None:
    from ketaclinic.consent.models import ConsentKind, PatientConsent
    from ketaclinic.consent.services import consent_revoke

    consent = PatientConsent.objects.get(patient=patient, kind=ConsentKind.TREATMENT_KETAMINE)
    consent_revoke(actor=actor, consent=consent, reason="Patient withdrew (synthetic)")


def expire_treatment_consent(*, patient: Patient) -> None:
    """As if the consent's expiry date passed yesterday (time travel for the test)."""
    from ketaclinic.consent.models import ConsentKind, PatientConsent

    PatientConsent.objects.filter(patient=patient, kind=ConsentKind.TREATMENT_KETAMINE).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )

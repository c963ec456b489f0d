"""Demo courses and therapy notes, written through the services. Synthetic text only.

The lead's demo seed calls these after `ready_patient`-style intake (eligible, signed
risk-benefit, valid treatment consent, a weight): enrolment checks readiness like any other.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.courses import services
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.patients.models import Patient
from ketaclinic.protocols.selectors import active_version
from ketaclinic.therapy import services as therapy
from ketaclinic.therapy.models import IntegrationSession, PreparationSession

_NOTE = "(synthetic)"
_INTENTIONS = [
    "To stop drinking and be present for my children",
    "To understand what the craving is protecting me from",
    "To rebuild trust at home and at work",
    "To get through evenings without using",
]
_EMERGED = [
    "Memories of a difficult year; a sense of distance from the urge",
    "Calm, then grief about the time lost to using",
    "A feeling of connection; the craving seemed smaller",
]
_COMMITMENTS = [
    "Walk after work instead of stopping at the bar",
    "Call my sponsor when the craving is above 5",
    "Attend two relapse-prevention group sessions this week",
]
_PAUSE_REASONS = [
    f"Blood pressure under review before the next infusion {_NOTE}",
    f"Patient travelling for two weeks {_NOTE}",
]
_STOP_REASONS = [
    f"Patient chose to stop treatment {_NOTE}",
    f"Moved out of state; referred to a local programme {_NOTE}",
]


def seed_preparation(
    *, course: TreatmentCourse, physician: User, seed: int, held_at: dt.datetime | None = None
) -> PreparationSession:
    """A signed preparation note with synthetic text."""
    rng = random.Random(seed)  # noqa: S311  # demo variety, not security
    note = therapy.preparation_create(
        actor=physician,
        course=course,
        content=therapy.PreparationContent(
            intentions=f"{rng.choice(_INTENTIONS)} {_NOTE}.",
            expectations=(
                f"About 40 minutes of dissociation, then calm; nausea is possible {_NOTE}."
            ),
            set_and_setting=f"Quiet room, eyeshades, music chosen by the patient {_NOTE}.",
            questions=(
                f"Asked whether the effects can be stopped: yes, the pump stops at once {_NOTE}."
            ),
            consent_reviewed=True,
        ),
        held_at=held_at,
    )
    return therapy.preparation_sign(actor=physician, preparation=note)


def seed_integration_note(
    *, integration: IntegrationSession, therapist: User, seed: int, sign: bool = True
) -> IntegrationSession:
    """Fill (and by default sign) an integration session a signed infusion created."""
    rng = random.Random(seed)  # noqa: S311  # demo variety, not security
    began = integration.infusion.ended_at or integration.infusion.signed_at or timezone.now()
    held = min(timezone.now(), began + dt.timedelta(hours=rng.randint(20, 48)))
    session = therapy.integration_update(
        actor=therapist,
        integration=integration,
        content=therapy.IntegrationContent(
            what_emerged=f"{rng.choice(_EMERGED)} {_NOTE}.",
            insights=f"The urge passes if I wait twenty minutes {_NOTE}.",
            commitments=f"{rng.choice(_COMMITMENTS)} {_NOTE}.",
            relapse_prevention_plan=f"Avoid the usual route home; call sponsor {_NOTE}.",
            craving_now=rng.randint(1, 5),
        ),
        held_at=held,
    )
    return therapy.integration_sign(actor=therapist, integration=session) if sign else session


def seed_course(
    *,
    patient: Patient,
    physician: User,
    therapist: User | None,
    protocol_code: str,
    status: CourseStatus | str,
    seed: int,
    planned_start: dt.date | None = None,
) -> TreatmentCourse:
    """Enrol, and (unless planned or discontinued before starting) sign a preparation and start;
    then pause or discontinue with a synthetic reason, or complete, as asked.

    A completed course is completed straight away: call it after its infusions are signed, or
    seed the infusions against an active course and call `services.course_complete` later.
    """
    rng = random.Random(seed)  # noqa: S311  # demo variety, not security
    wanted = CourseStatus(status)
    course = services.course_enrol(
        actor=physician,
        patient=patient,
        protocol_version=active_version(code=protocol_code),
        planned_start=planned_start or timezone.localdate(),
        supervising_physician=physician,
        therapist=therapist,
    )
    if wanted == CourseStatus.PLANNED:
        return course
    if wanted == CourseStatus.DISCONTINUED:
        return services.course_discontinue(
            actor=physician, course=course, reason=rng.choice(_STOP_REASONS)
        )
    seed_preparation(course=course, physician=physician, seed=seed)
    course = services.course_start(actor=physician, course=course)
    if wanted == CourseStatus.PAUSED:
        return services.course_pause(
            actor=physician, course=course, reason=rng.choice(_PAUSE_REASONS)
        )
    if wanted == CourseStatus.COMPLETED:
        return services.course_complete(actor=physician, course=course)
    return course

"""Site-scoped reads of preparation and integration notes.

A note is read through its course's patient (`patient_get`: scoped to the user's sites and
audited); a note at another site is the same 404 as a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError, PermissionDeniedError
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.patients.selectors import patient_get
from ketaclinic.therapy.models import IntegrationSession, NoteStatus, PreparationSession

# The dashboard shows integrations due within this many hours as "due soon"; the rest of the
# open ones are listed as upcoming. A display choice, not a clinical threshold.
DUE_SOON_HOURS = 24


def is_overdue(session: IntegrationSession, now: dt.datetime | None = None) -> bool:
    """Not signed, and its due time has passed."""
    return session.status == NoteStatus.DRAFT and session.due_at < (now or timezone.now())


def _scoped_note(
    user: User,
    model_name: str,
    found: PreparationSession | IntegrationSession | None,
    note_id: int,
    target_type: str,
) -> None:
    message = f"No {model_name} with that id at your sites."
    if found is None:
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type=target_type,
            target_id=note_id,
            outcome=Outcome.DENIED,
            detail=f"no such {target_type}",
        )
        raise NotFoundError(message)
    try:
        found.course.patient = patient_get(
            user=user, patient_id=found.course.patient_id, target_type=target_type
        )
    except NotFoundError:
        raise NotFoundError(message) from None


def preparation_get(*, user: User, preparation_id: int) -> PreparationSession:
    note = (
        PreparationSession.objects.select_related(
            "course__protocol_version__template", "physician", "signed_by"
        )
        .filter(pk=preparation_id)
        .first()
    )
    _scoped_note(user, "preparation note", note, preparation_id, "preparation_session")
    assert note is not None  # _scoped_note raised otherwise
    return note


def integration_get(*, user: User, integration_id: int) -> IntegrationSession:
    session = (
        IntegrationSession.objects.select_related(
            "course__protocol_version__template", "infusion", "therapist", "signed_by"
        )
        .filter(pk=integration_id)
        .first()
    )
    _scoped_note(user, "integration session", session, integration_id, "integration_session")
    assert session is not None  # _scoped_note raised otherwise
    return session


def course_preparations(*, course: TreatmentCourse) -> QuerySet[PreparationSession]:
    return (
        PreparationSession.objects.filter(course=course)
        .select_related("physician", "signed_by")
        .order_by("held_at", "id")
    )


def course_integrations(*, course: TreatmentCourse) -> QuerySet[IntegrationSession]:
    return (
        IntegrationSession.objects.filter(course=course)
        .select_related("infusion", "therapist", "signed_by")
        .order_by("due_at", "id")
    )


# --- What carries forward -----------------------------------------------------------------------


@dataclass(frozen=True)
class CarryForward:
    """The latest signed intentions and the previous integration's commitments."""

    preparation: PreparationSession | None
    integration: IntegrationSession | None

    @property
    def intentions(self) -> str:
        return self.preparation.intentions if self.preparation else ""

    @property
    def commitments(self) -> str:
        return self.integration.commitments if self.integration else ""


def _lineage(course: TreatmentCourse) -> list[int]:
    """This course and the course it boosts: intentions carry into a booster."""
    return [course.pk] + ([course.booster_of_id] if course.booster_of_id else [])


def carry_forward(
    *, course: TreatmentCourse, before: IntegrationSession | None = None
) -> CarryForward:
    """What the next note shows: the latest signed preparation's intentions and the latest
    signed integration's commitments (before `before`, when an integration is being written)."""
    preparation = (
        PreparationSession.objects.filter(course_id__in=_lineage(course), status=NoteStatus.SIGNED)
        .order_by("-signed_at", "-id")
        .first()
    )
    integrations = IntegrationSession.objects.filter(
        course_id__in=_lineage(course), status=NoteStatus.SIGNED
    ).select_related("infusion")
    if before is not None:
        integrations = integrations.exclude(pk=before.pk).filter(due_at__lte=before.due_at)
    return CarryForward(
        preparation=preparation, integration=integrations.order_by("-due_at", "-id").first()
    )


# --- The dashboard ------------------------------------------------------------------------------


def integrations_open(
    *, user: User, now: dt.datetime | None = None
) -> QuerySet[IntegrationSession]:
    """Unsigned integrations at the user's sites, overdue first then by due time.

    Therapists and physicians only (both are responsible for overdue integrations).
    """
    if not (user.has_role_perm(Perm.INTEGRATION_SIGN) or user.has_role_perm(Perm.COURSE_MANAGE)):
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type="integrations_due",
            outcome=Outcome.DENIED,
            detail="missing permission integration.sign or course.manage",
        )
        raise PermissionDeniedError("The integration dashboard is for therapists and physicians.")
    moment = now or timezone.now()
    return (
        IntegrationSession.objects.filter(
            status=NoteStatus.DRAFT,
            course__patient__site_id__in=user.site_ids,
            course__patient__is_active=True,
        )
        .select_related("course__patient__site", "infusion", "therapist")
        .annotate(
            overdue=Case(
                When(Q(due_at__lt=moment), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("due_at", "id")
    )


@dataclass(frozen=True)
class DueIntegrations:
    overdue: list[IntegrationSession]
    due_soon: list[IntegrationSession]
    later: list[IntegrationSession]
    now: dt.datetime


def integrations_due(*, user: User, limit: int = 200) -> DueIntegrations:
    """Overdue, due within a day, and later; each patient's read audited in one insert."""
    now = timezone.now()
    sessions = list(integrations_open(user=user, now=now)[:limit])
    audit_record_patient_reads(
        actor=user,
        patients=list({s.course.patient_id: s.course.patient for s in sessions}.values()),
        target_type="integrations_due",
    )
    soon = now + dt.timedelta(hours=DUE_SOON_HOURS)
    return DueIntegrations(
        overdue=[s for s in sessions if s.due_at < now],
        due_soon=[s for s in sessions if now <= s.due_at <= soon],
        later=[s for s in sessions if s.due_at > soon],
        now=now,
    )


@dataclass(frozen=True)
class DuePage:
    """One page of the overdue and due-within-a-day integrations (the API's dashboard)."""

    count: int
    overdue_count: int
    items: list[IntegrationSession]
    now: dt.datetime


def integrations_due_page(
    *, user: User, site_id: int | None, offset: int, limit: int, now: dt.datetime | None = None
) -> DuePage:
    """Overdue first, then due within a day, at the user's sites (or the one site asked for:
    another site is a 404, audited); the patients on the page audited as the dashboard does."""
    moment = now or timezone.now()
    sessions = integrations_open(user=user, now=moment).filter(
        due_at__lte=moment + dt.timedelta(hours=DUE_SOON_HOURS)
    )
    if site_id is not None:
        if site_id not in user.site_ids:
            audit_record(
                actor=user,
                action=Action.ACCESS_DENIED,
                target_type="integrations_due",
                target_id=site_id,
                outcome=Outcome.DENIED,
                detail="site outside user's sites",
            )
            raise NotFoundError("No site with that id among your sites.")
        sessions = sessions.filter(course__patient__site_id=site_id)
    counts = sessions.aggregate(count=Count("id"), overdue=Count("id", filter=Q(due_at__lt=moment)))
    items = list(sessions[offset : offset + limit])
    audit_record_patient_reads(
        actor=user,
        patients=list({s.course.patient_id: s.course.patient for s in items}.values()),
        target_type="integrations_due",
    )
    return DuePage(count=counts["count"], overdue_count=counts["overdue"], items=items, now=moment)


def integrations_due_counts(*, user: User) -> tuple[int, int]:
    """(overdue, due within a day) for the home-page card; no patient is shown, no audit."""
    now = timezone.now()
    sessions = IntegrationSession.objects.filter(
        status=NoteStatus.DRAFT,
        course__patient__site_id__in=user.site_ids,
        course__patient__is_active=True,
    )
    overdue = sessions.filter(due_at__lt=now).count()
    soon = sessions.filter(due_at__gte=now, due_at__lte=now + dt.timedelta(hours=DUE_SOON_HOURS))
    return overdue, soon.count()

"""Writing the audit trail. Call these inside the same transaction as the change they record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.context import request_context_get

if TYPE_CHECKING:
    from ketaclinic.accounts.models import Site, User
    from ketaclinic.core.errors import ApplicationError
    from ketaclinic.patients.models import Patient

    E = TypeVar("E", bound=ApplicationError)


def _event(
    *,
    actor: User | None,
    action: Action,
    actor_username: str = "",
    site: Site | None = None,
    patient: Patient | None = None,
    target_type: str = "",
    target_id: str | int = "",
    outcome: Outcome = Outcome.SUCCESS,
    detail: str = "",
) -> AuditEvent:
    context = request_context_get()
    site_id = site.pk if site is not None else (patient.site_id if patient is not None else None)
    return AuditEvent(
        occurred_at=timezone.now(),
        actor=actor,
        actor_username=actor.username if actor is not None else actor_username[:150],
        roles=actor.roles_label if actor is not None else "",
        site_id=site_id,
        patient=patient,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],  # a probing id may be any length
        outcome=outcome,
        client_ip=context.client_ip,
        request_id=context.request_id,
        detail=detail[:300],
    )


def audit_record(
    *,
    actor: User | None,
    action: Action,
    actor_username: str = "",
    site: Site | None = None,
    patient: Patient | None = None,
    target_type: str = "",
    target_id: str | int = "",
    outcome: Outcome = Outcome.SUCCESS,
    detail: str = "",
) -> AuditEvent:
    event = _event(
        actor=actor,
        action=action,
        actor_username=actor_username,
        site=site,
        patient=patient,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        detail=detail,
    )
    event.save()
    return event


def audit_record_refusal(
    error: E,
    *,
    actor: User | None,
    action: Action = Action.ACCESS_DENIED,
    outcome: Outcome = Outcome.DENIED,
    site: Site | None = None,
    patient: Patient | None = None,
    target_type: str = "",
    target_id: str | int = "",
    detail: str = "",
) -> E:
    """Audit a refusal now and arm `error` to write the row again if a rollback removes it
    (the request boundary calls `error.record_refusal()` after the transaction ends)."""

    def record() -> AuditEvent:
        return audit_record(
            actor=actor,
            action=action,
            site=site,
            patient=patient,
            target_type=target_type,
            target_id=target_id,
            outcome=outcome,
            detail=detail,
        )

    event = record()

    def ensure_audited() -> None:
        if not AuditEvent.objects.filter(pk=event.pk).exists():
            record()

    error.ensure_audited = ensure_audited
    return error


def audit_record_patient_reads(
    *, actor: User, patients: Iterable[Patient], target_type: str, detail: str = ""
) -> None:
    """One read row per patient shown, written in a single INSERT (a list page stays O(1))."""
    AuditEvent.objects.bulk_create(
        _event(
            actor=actor,
            action=Action.READ,
            patient=patient,
            target_type=target_type,
            target_id=patient.pk,
            detail=detail,
        )
        for patient in patients
    )

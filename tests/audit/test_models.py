from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from ketaclinic.audit.models import Action, AuditEvent, AuditImmutableError
from ketaclinic.audit.services import audit_record


@pytest.fixture
def event(physician):
    return audit_record(actor=physician, action=Action.LOGIN, target_type="session")


def test_saving_an_existing_event_raises_and_keeps_the_row(event):
    event.detail = "rewritten"

    with pytest.raises(AuditImmutableError):
        event.save()

    assert AuditEvent.objects.get(pk=event.pk).detail == ""


@pytest.mark.parametrize(
    "attempt",
    [
        lambda e: e.delete(),
        lambda e: AuditEvent.objects.filter(pk=e.pk).delete(),
        lambda e: AuditEvent.objects.filter(pk=e.pk).update(detail="x"),
        lambda e: AuditEvent.objects.bulk_update([e], ["detail"]),
    ],
    ids=["instance-delete", "queryset-delete", "queryset-update", "bulk-update"],
)
def test_orm_refuses_every_change_or_removal(event, attempt):
    with pytest.raises(AuditImmutableError):
        attempt(event)

    assert list(AuditEvent.objects.values_list("pk", "detail")) == [(event.pk, "")]


def test_database_refuses_a_raw_update(event):
    """Even SQL that bypasses the ORM cannot rewrite an audit row (trigger in migration 0002)."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET detail = 'forged' WHERE id = %s", [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_event_records_actor_roles_and_request_context(physician):
    from ketaclinic.core.context import RequestContext, request_context_reset, request_context_set

    token = request_context_set(RequestContext(request_id="req-12345678", client_ip="127.0.0.9"))
    try:
        event = audit_record(actor=physician, action=Action.LOGIN, target_type="session")
    finally:
        request_context_reset(token)

    event.refresh_from_db()
    assert (event.actor_username, event.roles, event.client_ip, event.request_id) == (
        "physician",
        "physician",
        "127.0.0.9",
        "req-12345678",
    )
    assert event.occurred_at.utcoffset() == dt.timedelta(0)

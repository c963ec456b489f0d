from __future__ import annotations

import pytest
from django.db import transaction
from django.http import HttpResponse

from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm, Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import NotFoundError, PermissionDeniedError


def test_a_refusal_inside_a_rolled_back_transaction_is_audited_again_at_the_boundary(
    make_user, boston
):
    """Given a refusal raised inside a service's transaction, when the transaction rolls back,
    then the denial row is gone, and record_refusal() (called by the boundary) writes it."""
    researcher = make_user(Role.RESEARCHER, boston, username="researcher")

    with pytest.raises(PermissionDeniedError) as caught, transaction.atomic():
        require_perm(user=researcher, perm=Perm.CHART_EDIT, target_type="medication")
    assert AuditEvent.objects.count() == 0

    caught.value.record_refusal()
    caught.value.record_refusal()  # idempotent

    row = AuditEvent.objects.get()
    assert (row.actor_id, row.action, row.detail) == (
        researcher.pk,
        Action.ACCESS_DENIED,
        "missing permission chart.edit",
    )


def test_a_refusal_outside_a_transaction_is_not_written_twice(
    wh_therapist, boston, patient_factory
):
    patient = patient_factory(site=boston)

    with pytest.raises(NotFoundError) as caught:
        require_patient_access(user=wh_therapist, patient=patient, target_type="medication")
    caught.value.record_refusal()

    assert list(AuditEvent.objects.values_list("patient_id", "detail")) == [
        (patient.pk, "outside user's sites")
    ]


def test_the_page_boundary_restores_a_rolled_back_denial(make_user, boston, client_for, rf):
    from ketaclinic.core.middleware import ApplicationErrorMiddleware

    researcher = make_user(Role.RESEARCHER, boston, username="researcher")
    try:
        with transaction.atomic():
            require_perm(user=researcher, perm=Perm.CHART_EDIT, target_type="medication")
    except PermissionDeniedError as error:
        request = rf.get("/")
        request.user = researcher
        response = ApplicationErrorMiddleware(HttpResponse).process_exception(request, error)

    assert response is not None
    assert response.status_code == 403
    assert AuditEvent.objects.filter(actor=researcher, action=Action.ACCESS_DENIED).count() == 1

from __future__ import annotations

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients import selectors


def test_patient_get_at_another_site_is_not_found_and_audited_as_denied(
    physician, wh_therapist, patient_factory, boston
):
    """Given a Boston patient, when a West Hartford therapist asks for it, then 404 + denial."""
    patient = patient_factory(site=boston)

    with pytest.raises(NotFoundError):
        selectors.patient_get(user=wh_therapist, patient_id=patient.pk)

    denial = AuditEvent.objects.get(actor=wh_therapist)
    assert (denial.action, denial.outcome, denial.patient_id, denial.site_id) == (
        Action.ACCESS_DENIED,
        Outcome.DENIED,
        patient.pk,
        boston.pk,
    )
    assert denial.detail == "outside user's sites"

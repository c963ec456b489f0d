"""Reads of safety alerts: the dashboard, one alert, a patient's open alerts."""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patients_visible
from ketaclinic.questionnaires.models import SafetyAlert, SafetyAlertQuerySet

# --- Safety alerts --------------------------------------------------------------------------


def _alerts_at_sites(user: User) -> SafetyAlertQuerySet:
    return SafetyAlert.objects.filter(patient__in=patients_visible(user=user)).select_related(
        "patient", "patient__site", "response__instrument", "acknowledged_by"
    )


def safety_alert_scoped(*, user: User, alert_id: int) -> SafetyAlert:
    """An alert of a patient at the user's sites; a missing or foreign one is the same 404,
    and the attempt is audited."""
    alert = _alerts_at_sites(user).filter(pk=alert_id).first()
    if alert is None:
        existing = SafetyAlert.objects.select_related("patient").filter(pk=alert_id).first()
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            patient=existing.patient if existing else None,
            target_type="safety_alert",
            target_id=alert_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if existing else "no such alert",
        )
        raise NotFoundError("No safety alert with that id at your sites.")
    return alert


def safety_alert_get(*, user: User, alert_id: int) -> SafetyAlert:
    """One alert to open and act on: patient data, so PATIENT_VIEW and an audited read."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type="safety_alert", target_id=alert_id)
    alert = safety_alert_scoped(user=user, alert_id=alert_id)
    audit_record(
        actor=user,
        action=Action.READ,
        patient=alert.patient,
        target_type="safety_alert",
        target_id=alert.pk,
    )
    return alert


def safety_alerts_open(*, user: User) -> SafetyAlertQuerySet:
    """Open alerts at the user's sites, most urgent then oldest first; unevaluated, so callers
    paginate and then call `safety_alerts_audit` for the alerts shown."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type="safety_alert_list")
    return _alerts_at_sites(user).open().most_urgent_first()


def safety_alerts_audit(*, user: User, alerts: Sequence[SafetyAlert]) -> None:
    """One read row per patient whose alert was shown."""
    patients = {alert.patient_id: alert.patient for alert in alerts}
    audit_record_patient_reads(
        actor=user, patients=patients.values(), target_type="safety_alert_list"
    )


def patient_safety_alerts_open(*, patient: Patient) -> list[SafetyAlert]:
    return list(
        SafetyAlert.objects.filter(patient=patient)
        .open()
        .most_urgent_first()
        .select_related("response__instrument")
    )

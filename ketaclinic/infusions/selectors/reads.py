"""Site-scoped reads: one infusion (audited via its patient), a patient's or a course's
infusions, and the alert rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import not_in_chart, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import AlertEvent, AlertRule, Infusion
from ketaclinic.patients.selectors import patient_get

TARGET = "infusion"
_MISSING = "No infusion with that id at your sites."
RELATED = (
    "patient__site",
    "site",
    "course__protocol_version__template",
    "nurse",
    "supervising_physician",
    "dose_planned_by",
    "dose_verified_by",
    "signed_by",
)


def infusions_scoped(*, user: User) -> QuerySet[Infusion]:
    return Infusion.objects.filter(site_id__in=user.site_ids, patient__is_active=True)


def infusion_get(*, user: User, infusion_id: int, target_type: str = TARGET) -> Infusion:
    """One infusion at the user's sites, its read audited against the patient. A missing or
    foreign infusion is the same 404 (the foreign attempt is audited against its patient)."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type=target_type, target_id=infusion_id)
    infusion = infusions_scoped(user=user).select_related(*RELATED).filter(pk=infusion_id).first()
    if infusion is None:
        owner = Infusion.objects.filter(pk=infusion_id).select_related("patient").first()
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            patient=owner.patient if owner else None,
            target_type=target_type,
            target_id=infusion_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if owner else "no such infusion",
        )
        raise NotFoundError(_MISSING)
    audit_record(
        actor=user,
        action=Action.READ,
        patient=infusion.patient,
        target_type=target_type,
        target_id=infusion.pk,
    )
    return infusion


def infusion_alert_get(*, user: User, infusion: Infusion, alert_id: int) -> AlertEvent:
    """An alert of this infusion; another chart's alert id is a 404 audited against its owner."""
    alert = AlertEvent.objects.filter(pk=alert_id, infusion=infusion).select_related("rule").first()
    if alert is not None:
        alert.infusion = infusion
        return alert
    message = "No such alert on this infusion: reload the flowsheet."
    other = AlertEvent.objects.filter(pk=alert_id).values_list("infusion_id", flat=True).first()
    if other is None:
        raise NotFoundError(message)
    raise not_in_chart(
        user=user,
        patient=infusion.patient,
        model=Infusion,
        record_id=other,
        target_type="infusion_alert",
        message=message,
    )


def patient_infusions(*, user: User, patient_id: int) -> QuerySet[Infusion]:
    """A patient's infusions, newest first (the patient read is audited by patient_get)."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="infusion_list")
    return (
        Infusion.objects.filter(patient=patient)
        .select_related(*RELATED)
        .order_by("-scheduled_at", "-id")
    )


def course_infusions(*, user: User, course_id: int) -> QuerySet[Infusion]:
    """A course's infusions in session order; a course elsewhere is a 404, audited."""
    course = TreatmentCourse.objects.filter(pk=course_id).only("patient_id").first()
    if course is None:
        raise NotFoundError("No course with that id at your sites.")
    patient = patient_get(user=user, patient_id=course.patient_id, target_type="infusion_list")
    return (
        Infusion.objects.filter(course_id=course_id, patient=patient)
        .select_related(*RELATED)
        .order_by("session_number", "id")
    )


def audit_infusion_reads(*, user: User, infusions: list[Infusion]) -> None:
    audit_record_patient_reads(
        actor=user, patients=[i.patient for i in infusions], target_type="infusion_list"
    )


def alert_rules_for(*, user: User) -> QuerySet[AlertRule]:
    """Every rule that applies to the user's sites, in force or retired (newest first)."""
    require_perm(user=user, perm=Perm.ALERT_RULE_MANAGE, target_type="alert_rule")
    return (
        AlertRule.objects.filter(Q(site__isnull=True) | Q(site_id__in=user.site_ids))
        .select_related("site", "created_by", "retired_by")
        .order_by("effective_to", "phase", "parameter", "value", "id")
    )


def alert_rule_get(*, user: User, rule_id: int) -> AlertRule:
    rule = alert_rules_for(user=user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFoundError("No alert rule with that id for your sites.")
    return rule

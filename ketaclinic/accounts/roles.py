"""Roles from PRODUCT.md and what each may do: least privilege, written down in one place.

A permission is granted to a role here and nowhere else; views, the API and services ask
`user_has_perm` and never look at role names themselves.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    PHYSICIAN = "physician", "Physician"
    NURSE = "nurse", "Nurse"
    THERAPIST = "therapist", "Therapist"
    COMPLIANCE = "compliance", "Compliance officer"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    RESEARCHER = "researcher", "Researcher"


class Perm(StrEnum):
    PATIENT_VIEW = "patient.view"
    PATIENT_CREATE = "patient.create"
    CHART_EDIT = "chart.edit"
    INQUIRY_MANAGE = "inquiry.manage"
    CONTRAINDICATION_RECORD = "contraindication.record"
    ELIGIBILITY_DECIDE = "eligibility.decide"
    RISK_BENEFIT_SIGN = "risk_benefit.sign"
    LEVEL_OF_CARE_ASSESS = "level_of_care.assess"
    CONSENT_RECORD = "consent.record"
    CONSENT_TEMPLATE_MANAGE = "consent_template.manage"
    QUESTIONNAIRE_ENTER = "questionnaire.enter"
    SAFETY_ALERT_ACKNOWLEDGE = "safety_alert.acknowledge"
    INSTRUMENT_MANAGE = "instrument.manage"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    STAFF_MANAGE = "staff.manage"
    RESEARCH_EXPORT = "research.export"
    # Treatment courses and infusions (issue 5).
    PROTOCOL_MANAGE = "protocol.manage"
    ALERT_RULE_MANAGE = "alert_rule.manage"
    COURSE_MANAGE = "course.manage"
    PREPARATION_SIGN = "preparation.sign"
    INTEGRATION_SIGN = "integration.sign"
    INFUSION_CHART = "infusion.chart"
    DOSE_VERIFY = "dose.verify"
    GATE_OVERRIDE = "gate.override"
    # Controlled-substance register (issue 6).
    INVENTORY_VIEW = "inventory.view"
    INVENTORY_RECEIVE = "inventory.receive"
    INVENTORY_ADMINISTER = "inventory.administer"
    INVENTORY_WITNESS = "inventory.witness"
    INVENTORY_COUNT = "inventory.count"
    INVENTORY_MANAGE = "inventory.manage"
    APPOINTMENT_BOOK = "appointment.book"
    SCHEDULE_MANAGE = "schedule.manage"
    CALENDAR_FEED = "calendar.feed"
    RECOVERY_RECORD = "recovery.record"
    RECOVERY_RULE_MANAGE = "recovery_rule.manage"
    OUTCOMES_VIEW = "outcomes.view"


_CLINICAL = frozenset({Perm.PATIENT_VIEW, Perm.CONSENT_RECORD, Perm.QUESTIONNAIRE_ENTER})

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    # Front desk works the inquiry queue and registers patients; no clinical judgements.
    Role.FRONT_DESK: _CLINICAL | {Perm.INQUIRY_MANAGE, Perm.PATIENT_CREATE, Perm.APPOINTMENT_BOOK},
    # Only a physician decides eligibility, signs the risk-benefit note and overrides.
    Role.PHYSICIAN: _CLINICAL
    | {
        Perm.INQUIRY_MANAGE,
        Perm.PATIENT_CREATE,
        Perm.CHART_EDIT,
        Perm.CONTRAINDICATION_RECORD,
        Perm.ELIGIBILITY_DECIDE,
        Perm.RISK_BENEFIT_SIGN,
        Perm.LEVEL_OF_CARE_ASSESS,
        Perm.SAFETY_ALERT_ACKNOWLEDGE,
        # Orders and supervises infusions; only a physician overrides a gate.
        Perm.COURSE_MANAGE,
        Perm.PREPARATION_SIGN,
        Perm.INFUSION_CHART,
        Perm.DOSE_VERIFY,
        Perm.GATE_OVERRIDE,
        Perm.INVENTORY_VIEW,
        Perm.INVENTORY_ADMINISTER,
        Perm.INVENTORY_WITNESS,
        Perm.INVENTORY_COUNT,
        Perm.APPOINTMENT_BOOK,
        Perm.CALENDAR_FEED,
        Perm.RECOVERY_RECORD,
        Perm.OUTCOMES_VIEW,
    },
    Role.NURSE: _CLINICAL
    | {
        Perm.PATIENT_CREATE,
        Perm.CHART_EDIT,
        Perm.CONTRAINDICATION_RECORD,
        Perm.SAFETY_ALERT_ACKNOWLEDGE,
        # Charts the flowsheet; a second nurse may verify a dose she did not plan.
        Perm.INFUSION_CHART,
        Perm.DOSE_VERIFY,
        Perm.INVENTORY_VIEW,
        Perm.INVENTORY_ADMINISTER,
        Perm.INVENTORY_WITNESS,
        Perm.INVENTORY_COUNT,
        Perm.APPOINTMENT_BOOK,
        Perm.CALENDAR_FEED,
        Perm.RECOVERY_RECORD,
    },
    Role.THERAPIST: _CLINICAL
    | {
        Perm.LEVEL_OF_CARE_ASSESS,
        Perm.SAFETY_ALERT_ACKNOWLEDGE,
        Perm.INTEGRATION_SIGN,
        Perm.APPOINTMENT_BOOK,
        Perm.CALENDAR_FEED,
        Perm.RECOVERY_RECORD,
    },
    # Compliance reviews charts when investigating an access or a disclosure, and keeps
    # the controlled-substance register (receipts, counts, reports, discrepancies).
    Role.COMPLIANCE: frozenset(
        {
            Perm.PATIENT_VIEW,
            Perm.AUDIT_VIEW,
            Perm.AUDIT_EXPORT,
            Perm.INVENTORY_VIEW,
            Perm.INVENTORY_RECEIVE,
            Perm.INVENTORY_COUNT,
            Perm.INVENTORY_MANAGE,
            Perm.OUTCOMES_VIEW,
            Perm.RESEARCH_EXPORT,
        }
    ),
    # The clinic admin runs accounts and configuration, not care: no patient records.
    Role.CLINIC_ADMIN: frozenset(
        {
            Perm.STAFF_MANAGE,
            Perm.CONSENT_TEMPLATE_MANAGE,
            Perm.INSTRUMENT_MANAGE,
            Perm.PROTOCOL_MANAGE,
            Perm.ALERT_RULE_MANAGE,
            Perm.SCHEDULE_MANAGE,
            Perm.RECOVERY_RULE_MANAGE,
        }
    ),
    # Researchers see cohort analytics and de-identified exports only, never a chart.
    Role.RESEARCHER: frozenset({Perm.RESEARCH_EXPORT, Perm.OUTCOMES_VIEW}),
}


def perms_for_roles(roles: set[str]) -> frozenset[Perm]:
    granted: set[Perm] = set()
    for role in roles:
        granted |= ROLE_PERMS.get(Role(role), frozenset())
    return frozenset(granted)

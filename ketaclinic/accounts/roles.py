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
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    STAFF_MANAGE = "staff.manage"
    RESEARCH_EXPORT = "research.export"


_CLINICAL = frozenset({Perm.PATIENT_VIEW})

ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.FRONT_DESK: _CLINICAL,
    Role.PHYSICIAN: _CLINICAL,
    Role.NURSE: _CLINICAL,
    Role.THERAPIST: _CLINICAL,
    # Compliance reviews charts when investigating an access or a disclosure.
    Role.COMPLIANCE: _CLINICAL | {Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT},
    # The clinic admin runs accounts and configuration, not care: no patient records.
    Role.CLINIC_ADMIN: frozenset({Perm.STAFF_MANAGE}),
    # Researchers see de-identified exports only, never a chart.
    Role.RESEARCHER: frozenset({Perm.RESEARCH_EXPORT}),
}


def perms_for_roles(roles: set[str]) -> frozenset[Perm]:
    granted: set[Perm] = set()
    for role in roles:
        granted |= ROLE_PERMS.get(Role(role), frozenset())
    return frozenset(granted)

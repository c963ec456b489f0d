"""Least privilege: what each role may do, written down once in accounts/roles.py."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import ROLE_PERMS, Perm, Role, perms_for_roles

CLINICAL_ROLES = [Role.FRONT_DESK, Role.PHYSICIAN, Role.NURSE, Role.THERAPIST]
# Permissions over records and people rather than care: audit, staff, research exports.
OVERSIGHT = frozenset({Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT, Perm.STAFF_MANAGE, Perm.RESEARCH_EXPORT})
# Everything that reads or writes one patient's chart or care.
PATIENT_PERMS = frozenset(
    {
        Perm.PATIENT_VIEW,
        Perm.PATIENT_CREATE,
        Perm.CHART_EDIT,
        Perm.INQUIRY_MANAGE,
        Perm.CONTRAINDICATION_RECORD,
        Perm.ELIGIBILITY_DECIDE,
        Perm.RISK_BENEFIT_SIGN,
        Perm.LEVEL_OF_CARE_ASSESS,
        Perm.CONSENT_RECORD,
        Perm.QUESTIONNAIRE_ENTER,
        Perm.SAFETY_ALERT_ACKNOWLEDGE,
        Perm.COURSE_MANAGE,
        Perm.PREPARATION_SIGN,
        Perm.INTEGRATION_SIGN,
        Perm.INFUSION_CHART,
        Perm.DOSE_VERIFY,
        Perm.GATE_OVERRIDE,
        Perm.INVENTORY_ADMINISTER,
        Perm.INVENTORY_WITNESS,
    }
)


def test_every_role_has_an_entry_in_the_permission_table():
    """Given the Role choices, when the permission table is read,
    then every role appears in it and nothing else does."""
    assert set(ROLE_PERMS) == set(Role)


@pytest.mark.parametrize("role", CLINICAL_ROLES)
def test_clinical_roles_view_patients_but_hold_no_oversight_permission(role):
    """Given front desk, physician, nurse or therapist, then they may view patients, and of
    patient.view, audit.view, audit.export, staff.manage and research.export that is all."""
    perms = perms_for_roles({role.value})

    assert perms & (OVERSIGHT | {Perm.PATIENT_VIEW}) == frozenset({Perm.PATIENT_VIEW})


def test_compliance_holds_exactly_patient_view_the_audit_log_and_the_register():
    """Given a compliance officer, then they may read charts (to investigate), view and
    export the audit log and keep the controlled-substance register, and nothing else:
    no clinical writes, no administering or witnessing."""
    assert perms_for_roles({"compliance"}) == frozenset(
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
    )


def test_clinic_admin_holds_exactly_staff_and_configuration_permissions():
    """Given a clinic admin, then they manage staff, consent templates, instruments,
    protocol versions and alert rules only."""
    assert perms_for_roles({"clinic_admin"}) == frozenset(
        {
            Perm.STAFF_MANAGE,
            Perm.CONSENT_TEMPLATE_MANAGE,
            Perm.INSTRUMENT_MANAGE,
            Perm.PROTOCOL_MANAGE,
            Perm.ALERT_RULE_MANAGE,
            Perm.SCHEDULE_MANAGE,
            Perm.RECOVERY_RULE_MANAGE,
        }
    )


def test_researcher_holds_exactly_the_research_export():
    """Given a researcher, then cohort analytics and de-identified research exports are all
    they may do."""
    assert perms_for_roles({"researcher"}) == frozenset({Perm.RESEARCH_EXPORT, Perm.OUTCOMES_VIEW})


@pytest.mark.parametrize("role", [Role.CLINIC_ADMIN, Role.RESEARCHER])
def test_clinic_admin_and_researcher_cannot_touch_patient_records(role):
    """Given a clinic admin or a researcher, then neither may view nor write any patient record."""
    perms = perms_for_roles({role.value})

    assert Perm.PATIENT_VIEW not in perms
    assert perms & PATIENT_PERMS == frozenset()


def test_only_compliance_may_view_and_export_the_audit_log():
    """Given every role, then audit.view and audit.export belong to compliance alone."""
    holders = {
        role for role in Role if {Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT} & perms_for_roles({role})
    }
    assert holders == {Role.COMPLIANCE}


def test_only_the_clinic_admin_may_manage_staff():
    """Given every role, then staff.manage belongs to the clinic admin alone."""
    assert {role for role in Role if Perm.STAFF_MANAGE in perms_for_roles({role})} == {
        Role.CLINIC_ADMIN
    }


def test_only_a_physician_decides_eligibility_and_signs_the_risk_benefit_note():
    """Given every role, then eligibility.decide and risk_benefit.sign belong to physicians only."""
    for perm in (Perm.ELIGIBILITY_DECIDE, Perm.RISK_BENEFIT_SIGN):
        assert {role for role in Role if perm in perms_for_roles({role})} == {Role.PHYSICIAN}


def test_only_a_physician_overrides_a_gate_and_signs_a_preparation():
    """Given every role, then gate.override, preparation.sign and course.manage belong to
    physicians only, and integration.sign to therapists only."""
    for perm in (Perm.GATE_OVERRIDE, Perm.PREPARATION_SIGN, Perm.COURSE_MANAGE):
        assert {role for role in Role if perm in perms_for_roles({role})} == {Role.PHYSICIAN}
    holders = {role for role in Role if Perm.INTEGRATION_SIGN in perms_for_roles({role})}
    assert holders == {Role.THERAPIST}


def test_only_physicians_and_nurses_chart_infusions_and_administer_ketamine():
    """Given every role, then infusion.chart, dose.verify, inventory.administer and
    inventory.witness belong to physicians and nurses only."""
    for perm in (
        Perm.INFUSION_CHART,
        Perm.DOSE_VERIFY,
        Perm.INVENTORY_ADMINISTER,
        Perm.INVENTORY_WITNESS,
    ):
        holders = {role for role in Role if perm in perms_for_roles({role})}
        assert holders == {Role.PHYSICIAN, Role.NURSE}


def test_several_roles_add_up():
    """Given a physician who is also a clinic admin, then they hold both roles' permissions."""
    assert perms_for_roles({"physician", "clinic_admin"}) == (
        ROLE_PERMS[Role.PHYSICIAN] | ROLE_PERMS[Role.CLINIC_ADMIN]
    )


def test_no_roles_means_no_permissions():
    """Given no role at all, then no permission is granted."""
    assert perms_for_roles(set()) == frozenset()


def test_an_unknown_role_name_is_an_error_not_a_silent_grant():
    """Given a role name that is not a Role, when permissions are computed, then it raises."""
    with pytest.raises(ValueError, match="'superuser' is not a valid Role"):
        perms_for_roles({"superuser"})


def test_user_has_role_perm_follows_the_assigned_roles(make_user, boston):
    """Given a researcher, then the user object grants research.export and not patient.view."""
    researcher: User = make_user(Role.RESEARCHER, boston)

    assert researcher.perms == frozenset({Perm.RESEARCH_EXPORT, Perm.OUTCOMES_VIEW})
    assert researcher.has_role_perm(Perm.RESEARCH_EXPORT) is True
    assert researcher.has_role_perm(Perm.PATIENT_VIEW) is False


def test_a_deactivated_user_holds_no_permission(physician):
    """Given a deactivated physician, then has_role_perm refuses even patient.view."""
    physician.is_active = False

    assert physician.has_role_perm(Perm.PATIENT_VIEW) is False


def test_a_superuser_flag_grants_no_role_permission(make_user, boston):
    """Given a Django superuser with no role, then Ketaclinic grants them nothing:
    permissions come from roles only."""
    user: User = make_user(Role.RESEARCHER, boston)
    user.role_assignments.all().delete()
    user.is_superuser = True
    user.save()
    fresh = User.objects.get(pk=user.pk)

    assert fresh.perms == frozenset()
    assert fresh.has_role_perm(Perm.PATIENT_VIEW) is False

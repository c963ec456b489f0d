"""Clinic admins manage the staff of their own sites, and nobody else manages staff."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.accounts.models import RoleAssignment, Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.accounts.selectors import staff_list
from ketaclinic.accounts.services import staff_save
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from tests.factories import UserFactory

STRONG = "Tidal-Lantern-Okra-57"


def _staff_snapshot() -> list[tuple[str, bool, list[str], list[str]]]:
    """Every account with its active flag, roles and site slugs: compared before and after."""
    return [
        (
            user.username,
            user.is_active,
            sorted(a.role for a in user.role_assignments.all()),
            sorted(s.slug for s in user.sites.all()),
        )
        for user in User.objects.prefetch_related("role_assignments", "sites").order_by("pk")
    ]


def _form_data(site_ids: list[int], **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "newnurse",
        "first_name": "Nina",
        "last_name": "Newcomb",
        "email": "newnurse@example.org",
        "is_active": "on",
        "roles": [Role.NURSE.value, Role.THERAPIST.value],
        "sites": site_ids,
        "password": STRONG,
    }
    data.update(overrides)
    return data


# --- list --------------------------------------------------------------------------------


def test_staff_list_shows_only_staff_at_the_admins_sites(
    clinic_admin, physician, wh_therapist, make_user, boston, west_hartford, client_for
):
    """Given staff at Boston, at West Hartford and at both, when the Boston clinic admin opens
    the staff list, then it lists the Boston and both-site staff once each, by username."""
    both = make_user(Role.NURSE, boston, west_hartford, username="float-nurse")

    response = client_for(clinic_admin).get("/accounts/staff/")

    assert response.status_code == 200
    assert [member.username for member in response.context["staff"]] == [
        "clinicadmin",
        "float-nurse",
        "physician",
    ]
    page = response.content.decode()
    assert "wh-therapist" not in page
    assert both.get_full_name() in page


def test_staff_list_runs_the_same_queries_for_1_and_10_staff(
    clinic_admin, make_user, boston, client_for
):
    """Given a clinic admin, when the staff list is shown with 1 and then 10 other staff,
    then both pages take the same number of queries (roles and sites are prefetched)."""
    client = client_for(clinic_admin)
    make_user(Role.NURSE, boston, username="staff-a")
    client.get("/accounts/staff/")  # warm-up: session and content-type caches

    with CaptureQueriesContext(connection) as one:
        first = client.get("/accounts/staff/")
    for n in range(9):
        make_user(Role.PHYSICIAN, boston, username=f"staff-b{n}")
    with CaptureQueriesContext(connection) as ten:
        second = client.get("/accounts/staff/")

    assert (len(first.context["staff"]), len(second.context["staff"])) == (2, 11)
    assert len(ten.captured_queries) == len(one.captured_queries)


def test_physician_gets_403_on_the_staff_list_and_nothing_is_written(physician, client_for):
    """Given a physician, when they open /accounts/staff/, then they get the 'Not allowed' page
    (403) naming who may manage staff, and the refusal is audited as a denial."""
    response = client_for(physician).get("/accounts/staff/")

    assert response.status_code == 403
    assert "Only a clinic admin can manage staff accounts." in response.content.decode()
    denial = AuditEvent.objects.get()
    assert (denial.actor_id, denial.action, denial.outcome, denial.detail) == (
        physician.pk,
        Action.ACCESS_DENIED,
        Outcome.DENIED,
        "missing permission staff.manage",
    )


def test_physician_cannot_create_staff(physician, boston, client_for):
    """Given a physician, when they post the new-staff form,
    then they get 403, no account or role is written, and the refusal is audited."""
    before = _staff_snapshot()

    response = client_for(physician).post("/accounts/staff/new/", _form_data([boston.pk]))

    assert response.status_code == 403
    assert _staff_snapshot() == before
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [Action.ACCESS_DENIED]


# --- create and edit ---------------------------------------------------------------------


def test_clinic_admin_creates_staff_with_roles_and_sites_and_it_is_audited(
    clinic_admin, boston, client_for
):
    """Given the Boston clinic admin, when they add a nurse-therapist at Boston,
    then the account exists with those roles, that site and the password, and it is audited."""
    response = client_for(clinic_admin).post("/accounts/staff/new/", _form_data([boston.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/staff/"
    member = User.objects.get(username="newnurse")
    assert (member.first_name, member.last_name, member.email, member.is_active) == (
        "Nina",
        "Newcomb",
        "newnurse@example.org",
        True,
    )
    assert member.role_names == frozenset({Role.NURSE, Role.THERAPIST})
    assert list(member.sites.all()) == [boston]
    assert member.check_password(STRONG) is True
    event = AuditEvent.objects.get()
    assert (
        event.action,
        event.actor_id,
        event.target_type,
        event.target_id,
        event.outcome,
        event.detail,
    ) == (
        Action.CREATE,
        clinic_admin.pk,
        "staff",
        str(member.pk),
        Outcome.SUCCESS,
        "roles=nurse,therapist; active=True",
    )


def test_granting_a_site_the_admin_does_not_manage_is_refused_in_the_form(
    clinic_admin, west_hartford, client_for
):
    """Given the Boston clinic admin, when they post a new member at West Hartford,
    then the form refuses it (400) saying to choose their own sites, and nothing changes."""
    before = _staff_snapshot()

    response = client_for(clinic_admin).post("/accounts/staff/new/", _form_data([west_hartford.pk]))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "sites": ["You can only grant sites you manage: choose from the list."]
    }
    assert _staff_snapshot() == before
    assert AuditEvent.objects.count() == 0


def test_granting_a_site_the_admin_does_not_manage_is_refused_by_the_service(
    clinic_admin, physician, west_hartford
):
    """Given the Boston clinic admin, when staff_save is asked to give the physician
    West Hartford, then it refuses, naming the site, and nothing changes."""
    before = _staff_snapshot()

    with pytest.raises(PermissionDeniedError) as caught:
        staff_save(
            actor=clinic_admin, user=physician, roles=[Role.PHYSICIAN], sites=[west_hartford]
        )

    assert caught.value.message == (
        "You do not manage West Hartford, CT: choose only your own sites."
    )
    assert _staff_snapshot() == before
    assert AuditEvent.objects.count() == 0


def test_staff_save_without_a_role_is_refused_and_writes_nothing(clinic_admin, boston):
    """Given the Boston clinic admin, when staff_save gets no roles for a new member,
    then it asks for a role and creates no account."""
    member = User(username="noroles")

    with pytest.raises(ApplicationError) as caught:
        staff_save(actor=clinic_admin, user=member, roles=[], sites=[boston], password=STRONG)

    assert caught.value.field_errors == {"roles": ["Choose at least one role."]}
    assert User.objects.filter(username="noroles").exists() is False
    assert AuditEvent.objects.count() == 0


def test_form_without_sites_or_roles_is_refused_and_writes_nothing(clinic_admin, client_for):
    """Given the Boston clinic admin, when they post a new member with no site and no role,
    then the form asks for both (400) and nothing is written."""
    before = _staff_snapshot()

    response = client_for(clinic_admin).post("/accounts/staff/new/", _form_data([], roles=[]))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "roles": ["This field is required."],
        "sites": ["This field is required."],
    }
    assert _staff_snapshot() == before


def test_editing_keeps_sites_the_admin_does_not_manage(
    clinic_admin, make_user, boston, west_hartford, client_for
):
    """Given a nurse at Boston and West Hartford, when the Boston clinic admin makes her a
    physician, then her roles change, her West Hartford membership stays, and it is audited."""
    member = make_user(Role.NURSE, boston, west_hartford, username="float-nurse")

    response = client_for(clinic_admin).post(
        f"/accounts/staff/{member.pk}/",
        _form_data(
            [boston.pk],
            username="float-nurse",
            email=member.email,
            roles=[Role.PHYSICIAN.value],
            password="",
        ),
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert sorted(RoleAssignment.objects.filter(user=member).values_list("role", flat=True)) == [
        "physician"
    ]
    assert sorted(member.sites.values_list("slug", flat=True)) == ["boston", "west-hartford"]
    assert member.check_password("correct-horse-battery-staple-42") is True
    event = AuditEvent.objects.get()
    assert (event.action, event.target_id, event.detail) == (
        Action.UPDATE,
        str(member.pk),
        "roles=physician; active=True",
    )


def test_admin_cannot_open_staff_at_another_site(clinic_admin, wh_therapist, client_for):
    """Given a West Hartford therapist, when the Boston clinic admin opens or posts her edit
    page, then both are 404 (as if she did not exist) and she is unchanged."""
    before = _staff_snapshot()
    client = client_for(clinic_admin)

    opened = client.get(f"/accounts/staff/{wh_therapist.pk}/")
    posted = client.post(
        f"/accounts/staff/{wh_therapist.pk}/",
        _form_data([], username="wh-therapist", is_active="", password=""),
    )

    assert (opened.status_code, posted.status_code) == (404, 404)
    assert "No such staff member at your sites." in opened.content.decode()
    assert _staff_snapshot() == before
    assert AuditEvent.objects.count() == 0


def test_admin_of_an_inactive_site_manages_nobody_there(clinic_admin, boston, physician):
    """Given Boston closed (inactive), when its clinic admin lists staff, then nobody is listed:
    an inactive site grants no management."""
    Site.objects.filter(pk=boston.pk).update(is_active=False)
    admin = User.objects.get(pk=clinic_admin.pk)  # fresh: site_ids is cached per instance

    assert list(staff_list(actor=admin)) == []


def test_username_already_taken_is_refused_and_writes_nothing(clinic_admin, boston, client_for):
    """Given an existing account 'newnurse', when the admin adds another 'newnurse',
    then the form says the username is taken and nothing changes."""
    UserFactory(username="newnurse")
    before = _staff_snapshot()

    response = client_for(clinic_admin).post("/accounts/staff/new/", _form_data([boston.pk]))

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["A user with that username already exists."]
    }
    assert _staff_snapshot() == before
    assert AuditEvent.objects.count() == 0

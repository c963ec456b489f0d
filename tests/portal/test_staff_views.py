"""The portal section of the chart: status, invite and disable, scoped and audited."""

from __future__ import annotations

import pytest
from django.core import mail

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.portal.models import AccountStatus, PatientAccount

HTMX = {"HX-Request": "true"}


def _section(patient) -> str:
    return f"/portal/patients/{patient.pk}/"


def test_section_offers_an_invitation_prefilled_with_the_patients_email(
    frontdesk, patient, client_for
):
    """Given a patient without a login, when front desk opens the section, then it says so,
    offers the invitation with the chart's email, and the read is audited."""
    response = client_for(frontdesk).get(_section(patient), headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert "This patient has no portal login yet." in content
    assert "Invite to the patient portal" in content
    assert 'value="Ann.Alderwood@example.org"' in content
    assert "<html" not in content
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.patient, event.target_type) == (
        Action.READ,
        frontdesk,
        patient,
        "portal_account",
    )


@pytest.mark.parametrize(
    ("state", "shown", "buttons"),
    [
        ({"invited": True}, "Invited", ["Send a new invitation", "Disable now"]),
        ({}, "Active", ["Disable now"]),
        ({"disabled": True}, "Disabled", ["Send a new invitation"]),
    ],
)
def test_section_shows_the_login_state_and_what_can_be_done(
    frontdesk, patient, account_factory, client_for, state, shown, buttons
):
    account_factory(patient=patient, invited_by=frontdesk, **state)

    content = client_for(frontdesk).get(_section(patient), headers=HTMX).content.decode()

    assert f">{shown}</span>" in content
    for label in ["Send a new invitation", "Disable now", "Invite to the patient portal"]:
        assert (label in content) == (label in buttons), label


def test_disabled_section_names_who_disabled_and_why(
    frontdesk, patient, account_factory, client_for
):
    account_factory(patient=patient, invited_by=frontdesk, disabled=True)

    content = client_for(frontdesk).get(_section(patient)).content.decode()

    assert f"by {frontdesk}: Patient asked." in content
    assert "The patient cannot sign in." in content


def test_a_therapist_sees_the_state_but_cannot_invite(therapist, patient, client_for):
    """Given a therapist, when they open the section, then it shows the state without forms;
    posting an invitation anyway is refused (403, audited) and sends nothing."""
    client = client_for(therapist)

    page = client.get(_section(patient), headers=HTMX)
    posted = client.post(f"{_section(patient)}invite/", {"portal-invite-email": "a@example.org"})

    assert "Invite to the patient portal" not in page.content.decode()
    assert posted.status_code == 403
    assert (PatientAccount.objects.count(), len(mail.outbox)) == (0, 0)
    assert AuditEvent.objects.filter(
        actor=therapist, action=Action.ACCESS_DENIED, detail="missing permission patient.create"
    ).exists()


def test_htmx_invite_sends_the_email_and_returns_the_updated_section(
    frontdesk, patient, client_for
):
    response = client_for(frontdesk).post(
        f"{_section(patient)}invite/",
        {"portal-invite-email": "ann.alderwood@example.org"},
        headers=HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Invitation sent to ann.alderwood@example.org." in content
    assert ">Invited</span>" in content
    assert [m.to for m in mail.outbox] == [["ann.alderwood@example.org"]]
    assert PatientAccount.objects.get().status == AccountStatus.INVITED


def test_plain_invite_returns_to_the_chart_with_a_message(frontdesk, patient, client_for):
    response = client_for(frontdesk).post(
        f"{_section(patient)}invite/", {"portal-invite-email": "ann@example.org"}, follow=True
    )

    assert response.redirect_chain == [(f"/patients/{patient.pk}/", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Invitation sent to ann@example.org."]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the patient&#x27;s email address: the link is sent there."),
        ("ann@", "Enter a valid email address."),
        ("physician@example.org", "This email address already belongs to another login"),
    ],
)
def test_refused_invitation_keeps_the_typed_address_and_changes_nothing(
    frontdesk, physician, patient, client_for, typed, message
):
    response = client_for(frontdesk).post(
        f"{_section(patient)}invite/", {"portal-invite-email": typed}, headers=HTMX
    )

    content = response.content.decode()
    assert response.status_code == 400
    assert message in content
    assert f'value="{typed}"' in content if typed else 'name="portal-invite-email"' in content
    assert (PatientAccount.objects.count(), len(mail.outbox)) == (0, 0)


def test_refused_plain_invitation_renders_a_page_of_its_own(frontdesk, patient, client_for):
    response = client_for(frontdesk).post(
        f"{_section(patient)}invite/", {"portal-invite-email": ""}
    )

    assert response.status_code == 400
    assert "<html" in response.content.decode()
    assert "Back to Alderwood, Annabel" in response.content.decode()


def test_disable_needs_a_reason_then_ends_the_login(frontdesk, active_account, client_for):
    patient = active_account.patient
    client = client_for(frontdesk)

    refused = client.post(
        f"{_section(patient)}disable/", {"portal-disable-reason": ""}, headers=HTMX
    )
    done = client.post(
        f"{_section(patient)}disable/", {"portal-disable-reason": "Patient asked"}, headers=HTMX
    )

    assert refused.status_code == 400
    assert "Give the reason for disabling the portal login." in refused.content.decode()
    assert "<details open>" in refused.content.decode()
    assert done.status_code == 200
    assert "Portal login disabled: the patient cannot sign in." in done.content.decode()
    active_account.user.refresh_from_db()
    assert active_account.user.is_active is False


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", {}),
        ("post", "invite/", {"portal-invite-email": "ann@example.org"}),
        ("post", "disable/", {"portal-disable-reason": "Patient asked"}),
    ],
)
def test_west_hartford_staff_get_404_for_a_boston_patient_and_it_is_audited(
    wh_frontdesk, active_account, client_for, method, suffix, data
):
    patient = active_account.patient
    before = (User.objects.count(), PatientAccount.objects.get().disabled_at, len(mail.outbox))

    response = getattr(client_for(wh_frontdesk), method)(f"{_section(patient)}{suffix}", data)

    assert response.status_code == 404
    assert (
        User.objects.count(),
        PatientAccount.objects.get().disabled_at,
        len(mail.outbox),
    ) == before
    denial = AuditEvent.objects.get()
    assert (denial.action, denial.actor, denial.patient, denial.outcome, denial.detail) == (
        Action.ACCESS_DENIED,
        wh_frontdesk,
        patient,
        Outcome.DENIED,
        "outside user's sites",
    )

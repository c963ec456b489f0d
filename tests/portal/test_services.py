from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core import mail
from django.utils.http import base36_to_int

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.portal import services
from ketaclinic.portal.models import AccountStatus, PatientAccount
from ketaclinic.portal.selectors import InvitationInvalidError, invitation_get
from ketaclinic.portal.tokens import invite_token_generator
from tests.factories import TEST_PASSWORD

STRONG = "a-long-river-of-lanterns-9"


def authenticate(username: str, password: str) -> User | None:
    """Django's password check, without the lockout layer (which needs a request)."""
    user = ModelBackend().authenticate(None, username=username, password=password)
    return user if isinstance(user, User) else None


def _parts(link: str) -> tuple[str, str]:
    _empty, _portal, _activate, uidb64, token, _end = link.split("/")
    return uidb64, token


def _counts() -> tuple[int, int, int]:
    return User.objects.count(), PatientAccount.objects.count(), len(mail.outbox)


# --- invite -----------------------------------------------------------------------------------


def test_invite_creates_a_login_without_roles_or_sites_and_emails_a_link(
    frontdesk, patient, sent_link
):
    """Given a Boston patient, when front desk invites them, then a login named by the
    lowercased email exists (no password yet, no roles, no sites), the invitation is audited
    and one email with the link, and no clinical detail, goes to that address."""
    account = services.portal_invite(
        actor=frontdesk,
        patient=patient,
        email=" Ann.Alderwood@Example.org ",
        base_url="http://testserver",
    )

    user = account.user
    assert (user.username, user.email, user.is_active) == (
        "ann.alderwood@example.org",
        "ann.alderwood@example.org",
        True,
    )
    assert not user.has_usable_password()
    assert (set(user.role_names), set(user.site_ids)) == (set(), set())
    assert (account.patient, account.invited_by, account.status) == (
        patient,
        frontdesk,
        AccountStatus.INVITED,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann.alderwood@example.org"]
    assert message.subject == "Your invitation to the patient portal of Boston, MA"
    assert "You have been invited to the patient portal of Boston, MA." in message.body
    assert "It works once, for 72 hours" in message.body
    for private in ("Alderwood", "Annabel", "BOS000001", "ketamine"):
        assert private not in message.body
    assert f"http://testserver{sent_link()}" in message.body
    event = AuditEvent.objects.get(target_type="portal_account")
    assert (event.action, event.actor, event.patient, event.target_id, event.detail) == (
        Action.CREATE,
        frontdesk,
        patient,
        str(account.pk),
        "invited",
    )


def test_west_hartford_staff_cannot_invite_a_boston_patient(wh_frontdesk, patient):
    """Given front desk at West Hartford, when they invite a Boston patient, then it is the
    same 404 as a missing patient, nothing is created or sent, and the denial is audited."""
    before = _counts()

    with pytest.raises(NotFoundError) as caught:
        services.portal_invite(actor=wh_frontdesk, patient=patient, email="ann@example.org")
    caught.value.record_refusal()  # what the request boundary does after the rollback

    assert _counts() == before
    denial = AuditEvent.objects.get()
    assert (denial.action, denial.actor, denial.patient, denial.outcome) == (
        Action.ACCESS_DENIED,
        wh_frontdesk,
        patient,
        Outcome.DENIED,
    )


def test_a_therapist_cannot_invite(therapist, patient):
    """Given a therapist (no patient registration), when they invite, then it is refused."""
    before = _counts()

    with pytest.raises(PermissionDeniedError, match="Only front desk, a physician or a nurse") as e:
        services.portal_invite(actor=therapist, patient=patient, email="ann@example.org")
    e.value.record_refusal()

    assert _counts() == before
    assert AuditEvent.objects.get().detail == "missing permission patient.create"


@pytest.mark.parametrize("email", ["", "not-an-email", "ann o'neil@example.org"])
def test_invite_refuses_an_address_that_cannot_be_a_login(frontdesk, patient, email):
    before = _counts()

    with pytest.raises(ApplicationError) as caught:
        services.portal_invite(actor=frontdesk, patient=patient, email=email)

    assert caught.value.field_errors == {
        "email": ["This is not an email address the patient can sign in with: check it."]
    }
    assert _counts() == before
    assert not AuditEvent.objects.exists()


def test_invite_refuses_an_address_that_belongs_to_staff(frontdesk, physician, patient):
    """Given the physician's own email, when it is used to invite a patient, then it is
    refused: one address, one login."""
    before = _counts()

    with pytest.raises(ApplicationError, match="already belongs to another login"):
        services.portal_invite(actor=frontdesk, patient=patient, email="PHYSICIAN@example.org")

    assert _counts() == before


def test_reinvite_replaces_the_link_and_the_old_one_stops_working(frontdesk, patient, sent_link):
    """Given a pending invitation, when front desk sends a new one (to a corrected address),
    then the first link no longer opens, the new one does, and there is still one login."""
    services.portal_invite(actor=frontdesk, patient=patient, email="ann@example.org")
    first = sent_link()

    account = services.portal_invite(actor=frontdesk, patient=patient, email="ann.a@example.org")

    assert (PatientAccount.objects.count(), User.objects.filter(email__contains="ann").count()) == (
        1,
        1,
    )
    assert account.user.username == "ann.a@example.org"
    with pytest.raises(InvitationInvalidError):
        invitation_get(uidb64=_parts(first)[0], token=_parts(first)[1])
    assert invitation_get(uidb64=_parts(sent_link())[0], token=_parts(sent_link())[1]) == account
    updates = AuditEvent.objects.filter(target_type="portal_account").order_by("id")
    assert [(e.action, e.detail) for e in updates] == [
        (Action.CREATE, "invited"),
        (Action.UPDATE, "invited again"),
    ]


def test_an_active_login_is_not_reinvited(frontdesk, active_account):
    """Given an active login, when front desk invites again, then it is refused and the
    patient's password keeps working."""
    before = _counts()

    with pytest.raises(ApplicationError, match="already active"):
        services.portal_invite(
            actor=frontdesk, patient=active_account.patient, email="ann.alderwood@example.org"
        )

    assert _counts() == before
    active_account.user.refresh_from_db()
    assert active_account.user.has_usable_password()


def test_a_failed_email_changes_nothing(frontdesk, patient, settings):
    """Given a mail server that refuses, when front desk invites, then nothing is saved and
    the message says what to do."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard port: nothing listens
    before = _counts()

    with pytest.raises(ApplicationError, match="could not be sent, so nothing was changed"):
        services.portal_invite(actor=frontdesk, patient=patient, email="ann@example.org")

    assert _counts() == before


# --- activate ---------------------------------------------------------------------------------


def test_activation_sets_the_password_once(frontdesk, patient, sent_link):
    """Given an invitation, when the patient chooses a strong password, then they can sign in
    with it, the activation is audited, and the same link is refused afterwards."""
    services.portal_invite(actor=frontdesk, patient=patient, email="ann@example.org")
    uidb64, token = _parts(sent_link())

    account = services.portal_activate(uidb64=uidb64, token=token, password=STRONG)

    assert account.status == AccountStatus.ACTIVE
    assert authenticate(username="ann@example.org", password=STRONG) == account.user
    event = AuditEvent.objects.get(detail="activated")
    assert (event.action, event.actor, event.patient) == (Action.UPDATE, account.user, patient)
    with pytest.raises(InvitationInvalidError):
        services.portal_activate(uidb64=uidb64, token=token, password=STRONG + "x")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw-1", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("ann@example.org1", "The password is too similar to the username."),
    ],
)
def test_activation_refuses_a_weak_password_and_changes_nothing(
    frontdesk, patient, sent_link, password, message
):
    services.portal_invite(actor=frontdesk, patient=patient, email="ann@example.org")
    uidb64, token = _parts(sent_link())

    with pytest.raises(ApplicationError) as caught:
        services.portal_activate(uidb64=uidb64, token=token, password=password)

    assert message in caught.value.field_errors["password"]
    account = PatientAccount.objects.select_related("user").get()
    assert (account.activated_at, account.user.has_usable_password()) == (None, False)
    assert invitation_get(uidb64=uidb64, token=token) == account  # the link still works


def _token_age(monkeypatch, token: str, seconds: int) -> None:
    """Freeze the generator's clock `seconds` after the token was made."""
    made = base36_to_int(token.split("-")[0])
    moment = dt.datetime(2001, 1, 1) + dt.timedelta(seconds=made + seconds)
    monkeypatch.setattr(invite_token_generator, "_now", lambda: moment)


def test_the_link_works_until_72_hours_and_not_one_second_longer(
    frontdesk, patient, sent_link, monkeypatch
):
    services.portal_invite(actor=frontdesk, patient=patient, email="ann@example.org")
    uidb64, token = _parts(sent_link())

    _token_age(monkeypatch, token, 72 * 3600)
    assert invitation_get(uidb64=uidb64, token=token).patient == patient

    _token_age(monkeypatch, token, 72 * 3600 + 1)
    with pytest.raises(InvitationInvalidError, match="This link has expired"):
        services.portal_activate(uidb64=uidb64, token=token, password=STRONG)
    assert PatientAccount.objects.get().activated_at is None


def test_the_lifetime_follows_the_setting(frontdesk, patient, sent_link, monkeypatch, settings):
    settings.KETACLINIC_PORTAL_INVITE_HOURS = 24
    services.portal_invite(actor=frontdesk, patient=patient, email="ann@example.org")
    uidb64, token = _parts(sent_link())

    _token_age(monkeypatch, token, 24 * 3600 + 1)

    with pytest.raises(InvitationInvalidError):
        invitation_get(uidb64=uidb64, token=token)


@pytest.mark.parametrize(
    ("uidb64", "token"), [("MQ", "abc-def"), ("!!", "x"), ("MTIzNDU2", "cd-1234")]
)
def test_forged_links_are_refused_and_audited(uidb64, token, db):
    with pytest.raises(InvitationInvalidError):
        invitation_get(uidb64=uidb64, token=token)

    event = AuditEvent.objects.get()
    assert (event.action, event.target_type, event.outcome, event.actor) == (
        Action.ACCESS_DENIED,
        "portal_invitation",
        Outcome.DENIED,
        None,
    )


def test_a_staff_user_cannot_be_activated_through_a_portal_link(physician):
    """A token made for a staff account (not a portal login) opens nothing."""
    from ketaclinic.portal.tokens import uid_encode

    with pytest.raises(InvitationInvalidError):
        invitation_get(
            uidb64=uid_encode(physician), token=invite_token_generator.make_token(physician)
        )


# --- disable ----------------------------------------------------------------------------------


def test_disable_needs_a_reason_and_changes_nothing_without_one(frontdesk, active_account):
    with pytest.raises(ApplicationError, match="The reason is missing") as caught:
        services.portal_disable(actor=frontdesk, patient=active_account.patient, reason="  ")

    assert set(caught.value.field_errors) == {"reason"}
    active_account.refresh_from_db()
    active_account.user.refresh_from_db()
    assert (active_account.disabled_at, active_account.user.is_active) == (None, True)
    assert not AuditEvent.objects.exists()


def test_disabled_login_cannot_sign_in_and_is_audited(frontdesk, active_account):
    account = services.portal_disable(
        actor=frontdesk, patient=active_account.patient, reason="Email no longer theirs"
    )

    assert (account.status, account.disabled_by, account.disabled_reason) == (
        AccountStatus.DISABLED,
        frontdesk,
        "Email no longer theirs",
    )
    assert authenticate(username=account.user.username, password=TEST_PASSWORD) is None
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.patient, event.detail) == (
        Action.UPDATE,
        frontdesk,
        active_account.patient,
        "disabled",
    )


def test_disabling_twice_or_without_a_login_is_refused(frontdesk, patient, account_factory):
    with pytest.raises(ApplicationError, match="has no portal login"):
        services.portal_disable(actor=frontdesk, patient=patient, reason="Patient asked")
    account_factory(patient=patient, disabled=True)

    with pytest.raises(ApplicationError, match="already disabled"):
        services.portal_disable(actor=frontdesk, patient=patient, reason="Patient asked")

    assert not AuditEvent.objects.exists()


def test_disabling_a_pending_invitation_kills_its_link(frontdesk, patient, sent_link):
    services.portal_invite(actor=frontdesk, patient=patient, email="ann@example.org")
    uidb64, token = _parts(sent_link())

    services.portal_disable(actor=frontdesk, patient=patient, reason="Wrong address")

    with pytest.raises(InvitationInvalidError):
        invitation_get(uidb64=uidb64, token=token)


def test_a_disabled_login_can_be_invited_again(frontdesk, patient, account_factory, sent_link):
    """Given a disabled login, when front desk invites again, then the login re-opens as
    invited (reason cleared, the audit trail keeps the history) and the new link works."""
    account_factory(patient=patient, disabled=True, user__username="ann.alderwood@example.org")

    account = services.portal_invite(actor=frontdesk, patient=patient, email=patient.email)

    assert (account.status, account.user.is_active, account.disabled_reason) == (
        AccountStatus.INVITED,
        True,
        "",
    )
    uidb64, token = _parts(sent_link())
    services.portal_activate(uidb64=uidb64, token=token, password=STRONG)
    assert authenticate(username="ann.alderwood@example.org", password=STRONG) == account.user

"""Personal access tokens: the services, and the profile page that creates and revokes them."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from ketaclinic.accounts.models import ApiToken
from ketaclinic.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError


def _audit_rows() -> list[tuple[str, int | None, str, str, str, str]]:
    return [
        (e.action, e.actor_id, e.target_type, e.target_id, e.outcome, e.detail)
        for e in AuditEvent.objects.order_by("id")
    ]


def _secret_stored_anywhere(secret: str) -> bool:
    """Whether the secret appears in any column of the token table, read back raw."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608  # fixed name
        return any(secret in str(value) for row in cursor.fetchall() for value in row)


# --- api_token_create --------------------------------------------------------------------


def test_api_token_create_returns_a_kc_secret_and_stores_only_its_digest(physician):
    """Given a physician, when they create a token for themselves, then they get a `kc_` secret
    once, the table holds its SHA-256 digest and 10-character prefix only, and it is audited."""
    token, secret = api_token_create(actor=physician, user=physician, name="  lab interface  ")

    assert secret.startswith("kc_")
    assert len(secret) == 46  # "kc_" + 43 URL-safe characters from 32 random bytes
    token.refresh_from_db()
    assert (token.user_id, token.name, token.prefix, token.digest, token.revoked_at) == (
        physician.pk,
        "lab interface",
        secret[:10],
        hashlib.sha256(secret.encode()).hexdigest(),
        None,
    )
    assert _secret_stored_anywhere(secret) is False
    assert _audit_rows() == [
        (Action.CREATE, physician.pk, "api_token", str(token.pk), Outcome.SUCCESS, "")
    ]


def test_api_token_create_gives_a_different_secret_each_time(physician):
    """Given a physician, when they create two tokens with the same name,
    then the secrets and digests differ."""
    first, first_secret = api_token_create(actor=physician, user=physician, name="script")
    second, second_secret = api_token_create(actor=physician, user=physician, name="script")

    assert first_secret != second_secret
    assert first.digest != second.digest


def test_api_token_create_for_someone_else_is_refused_and_writes_nothing(physician, nurse):
    """Given a physician, when they try to create a token for a nurse,
    then it is refused and no token or audit row is written."""
    with pytest.raises(PermissionDeniedError) as caught:
        api_token_create(actor=physician, user=nurse, name="borrowed")

    assert caught.value.message == "You can only create tokens for your own account."
    assert caught.value.status_code == 403
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("name", ["", "   "])
def test_api_token_create_without_a_name_is_refused_and_writes_nothing(physician, name):
    """Given a physician, when they create a token with an empty or blank name,
    then it is refused with a field error and nothing is written."""
    with pytest.raises(ApplicationError) as caught:
        api_token_create(actor=physician, user=physician, name=name)

    assert caught.value.message == "Give the token a name, such as the integration it is for."
    assert caught.value.field_errors == {"name": ["Enter a name for this token."]}
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


# --- api_token_authenticate --------------------------------------------------------------


def test_api_token_authenticate_returns_the_user_and_marks_the_token_used(physician):
    """Given an active token, when its secret is presented,
    then the physician is returned and the token's last use is recorded."""
    token, secret = api_token_create(actor=physician, user=physician, name="script")

    user = api_token_authenticate(secret=secret)

    assert user == physician
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_api_token_authenticate_refuses_a_revoked_token(physician):
    """Given a revoked token, when its secret is presented, then nobody is authenticated."""
    token, secret = api_token_create(actor=physician, user=physician, name="script")
    api_token_revoke(actor=physician, token_id=token.pk)

    assert api_token_authenticate(secret=secret) is None
    token.refresh_from_db()
    assert token.last_used_at is None


@pytest.mark.parametrize(
    "secret",
    ["kc_" + "A" * 43, "not-a-kc-token", ""],
    ids=["unknown kc_ secret", "no kc_ prefix", "empty"],
)
def test_api_token_authenticate_refuses_unknown_secrets(physician, secret):
    """Given a physician with one token, when an unknown secret is presented,
    then nobody is authenticated."""
    api_token_create(actor=physician, user=physician, name="script")

    assert api_token_authenticate(secret=secret) is None


def test_api_token_authenticate_refuses_the_token_of_a_deactivated_user(physician):
    """Given a token whose owner has since been deactivated, when its secret is presented,
    then nobody is authenticated and the token is not marked used."""
    token, secret = api_token_create(actor=physician, user=physician, name="script")
    physician.is_active = False
    physician.save()

    assert api_token_authenticate(secret=secret) is None
    token.refresh_from_db()
    assert token.last_used_at is None


# --- api_token_revoke --------------------------------------------------------------------


def test_api_token_revoke_sets_revoked_at_and_audits(physician):
    """Given an active token, when its owner revokes it,
    then it carries a revocation time and the revocation is audited."""
    token, _secret = api_token_create(actor=physician, user=physician, name="script")

    revoked = api_token_revoke(actor=physician, token_id=token.pk)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert revoked.revoked_at == token.revoked_at
    assert token.is_active is False
    assert _audit_rows() == [
        (Action.CREATE, physician.pk, "api_token", str(token.pk), Outcome.SUCCESS, ""),
        (Action.UPDATE, physician.pk, "api_token", str(token.pk), Outcome.SUCCESS, "revoked"),
    ]


def test_api_token_revoke_twice_keeps_the_first_time_and_audits_once(physician):
    """Given a revoked token, when its owner revokes it again,
    then the first revocation time stays and no second row is written."""
    token, _secret = api_token_create(actor=physician, user=physician, name="script")
    first = api_token_revoke(actor=physician, token_id=token.pk).revoked_at

    again = api_token_revoke(actor=physician, token_id=token.pk)

    assert again.revoked_at == first
    assert AuditEvent.objects.filter(detail="revoked").count() == 1


def test_api_token_revoke_of_someone_elses_token_is_not_found_and_changes_nothing(physician, nurse):
    """Given the nurse's token, when the physician tries to revoke it,
    then it is 'not found' (like a missing id), the token still works and nothing is audited."""
    token, secret = api_token_create(actor=nurse, user=nurse, name="nurse script")
    audit_before = AuditEvent.objects.count()

    with pytest.raises(NotFoundError) as caught:
        api_token_revoke(actor=physician, token_id=token.pk)

    assert caught.value.message == "No such token on your account."
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_token_authenticate(secret=secret) == nurse
    assert AuditEvent.objects.count() == audit_before


# --- profile page ------------------------------------------------------------------------


def test_profile_post_creates_a_token_and_shows_the_secret_only_once(physician, client_for):
    """Given a signed-in physician, when they create a token on their profile page,
    then the page shows the secret once; opening the page again shows only its prefix."""
    client = client_for(physician)

    response = client.post("/accounts/profile/", {"name": "lab interface"})

    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert f'<p class="secret" id="new-token">{secret}</p>' in response.content.decode()
    token = ApiToken.objects.get()
    assert (token.user_id, token.name, token.digest) == (
        physician.pk,
        "lab interface",
        hashlib.sha256(secret.encode()).hexdigest(),
    )
    again = client.get("/accounts/profile/")
    assert again.status_code == 200
    assert again.context["new_secret"] is None
    page = again.content.decode()
    assert secret not in page
    assert f"<code>{secret[:10]}…</code>" in page
    assert _audit_rows() == [
        (Action.CREATE, physician.pk, "api_token", str(token.pk), Outcome.SUCCESS, "")
    ]


def test_profile_post_without_a_name_creates_nothing(physician, client_for):
    """Given a signed-in physician, when they submit the token form with a blank name,
    then the form asks for a name and no token or audit row is written."""
    response = client_for(physician).post("/accounts/profile/", {"name": "   "})

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert response.context["new_secret"] is None
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_revoke_view_revokes_and_returns_to_the_profile(physician, client_for):
    """Given a physician with an active token, when they press Revoke,
    then they are back on their profile with a confirmation and the token no longer works."""
    token, secret = api_token_create(actor=physician, user=physician, name="lab interface")
    client = client_for(physician)

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)

    assert response.redirect_chain == [("/accounts/profile/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Token “lab interface” is revoked and no longer works."
    ]
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(secret=secret) is None
    assert AuditEvent.objects.filter(action=Action.UPDATE, detail="revoked").count() == 1


def test_revoke_view_for_someone_elses_token_is_404_and_changes_nothing(
    physician, nurse, client_for
):
    """Given the nurse's token, when the physician posts to its revoke URL,
    then they get a 404 page and the token stays active."""
    token, _secret = api_token_create(actor=nurse, user=nurse, name="nurse script")
    audit_before = AuditEvent.objects.count()

    response = client_for(physician).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert "No such token on your account." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.count() == audit_before


def test_revoke_view_refuses_get_and_changes_nothing(physician, client_for):
    """Given a physician's token, when its revoke URL is opened with GET (a link, a prefetch),
    then it is refused with 405 and the token stays active."""
    token, _secret = api_token_create(actor=physician, user=physician, name="script")

    response = client_for(physician).get(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None

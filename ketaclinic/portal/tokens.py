"""One-time invitation links: Django's password-reset tokens with their own salt and lifetime.

A token signs the user's password hash and last sign-in with the secret key, so it stops
working the moment it is used (a password is chosen) or a new invitation is sent (the
unusable password is regenerated). Nothing about the token is stored.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from ketaclinic.accounts.models import User


class PortalInviteTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "ketaclinic.portal.tokens.PortalInviteTokenGenerator"

    def check_token(self, user: User | None, token: str | None) -> bool:
        """Django's signature check, with KETACLINIC_PORTAL_INVITE_HOURS as the lifetime.

        The parent compares against PASSWORD_RESET_TIMEOUT, which is not ours to set.
        """
        if user is None or not token:
            return False
        try:
            timestamp_b36, _signature = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        signed = any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )
        age_seconds = self._num_seconds(self._now()) - timestamp
        return signed and 0 <= age_seconds <= settings.KETACLINIC_PORTAL_INVITE_HOURS * 3600

    def _now(self) -> dt.datetime:
        # UTC rather than the parent's local time: a daylight-saving change must not move
        # the expiry by an hour.
        return timezone.now().astimezone(dt.UTC).replace(tzinfo=None)


invite_token_generator = PortalInviteTokenGenerator()


def uid_encode(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def uid_decode(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None

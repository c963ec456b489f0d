"""Tests: fast hashing, MFA off unless a test turns it on, same database choice as everyone."""

from __future__ import annotations

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-any-deployment"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KETACLINIC_REQUIRE_MFA = False
KETACLINIC_DEMO = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
# Static files come from the source tree through WhiteNoise finders: no collectstatic here.
STATIC_ROOT = None  # type: ignore[assignment]  # base sets a Path for production
# Tasks run eagerly, in the caller's thread, with no broker; the Redis integration test
# switches this off for its own workers (tests/notifications/test_redis_workers.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
KETACLINIC_SMS_BACKEND = "ketaclinic.notifications.sms.LocmemSmsBackend"

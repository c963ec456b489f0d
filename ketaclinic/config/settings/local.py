"""The laptop demo: SQLite under var/, console email, MFA off (the login page says so)."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool, stored_secret_key

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or stored_secret_key(VAR_DIR / "secret_key")
DEBUG = env_bool("DJANGO_DEBUG", False)
KETACLINIC_DEMO = True
KETACLINIC_REQUIRE_MFA = env_bool("KETACLINIC_REQUIRE_MFA", False)
# Static files come from the source tree through WhiteNoise finders: no collectstatic here.
STATIC_ROOT = None  # type: ignore[assignment]  # base sets a Path for production
# The demo runs tasks eagerly, without a broker. For a production-like run against Redis set
# KETACLINIC_CELERY_EAGER=0 and start a worker and beat (see the README).
CELERY_TASK_ALWAYS_EAGER = env_bool("KETACLINIC_CELERY_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER

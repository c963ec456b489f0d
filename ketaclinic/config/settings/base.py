"""Settings shared by every environment. Everything that differs comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab

# Lets runtime code write generic types such as forms.ModelForm[User] (django-stubs).
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(os.environ.get("KETACLINIC_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def stored_secret_key(path: Path) -> str:
    """Generate the demo's secret key once and keep it under var/ so sessions survive restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "ketaclinic.core",
    "ketaclinic.accounts",
    "ketaclinic.patients",
    "ketaclinic.audit",
    "ketaclinic.intake",
    "ketaclinic.eligibility",
    "ketaclinic.consent",
    "ketaclinic.questionnaires",
    "ketaclinic.portal",
    "ketaclinic.protocols",
    "ketaclinic.courses",
    "ketaclinic.therapy",
    "ketaclinic.infusions",
    "ketaclinic.inventory",
    "ketaclinic.scheduling",
    "ketaclinic.recovery",
    "ketaclinic.outcomes",
    "ketaclinic.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ketaclinic.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ketaclinic.accounts.middleware.IdleLogoutMiddleware",
    "ketaclinic.accounts.middleware.MfaRequiredMiddleware",
    "ketaclinic.portal.middleware.PatientPortalOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ketaclinic.core.middleware.NoStoreMiddleware",
    "ketaclinic.core.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketaclinic.config.urls"
WSGI_APPLICATION = "ketaclinic.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketaclinic.core.context_processors.ketaclinic",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ketaclinic.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo's reader and writer work at once; the timeout waits out a busy writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    # Django's list of 20,000 passwords seen in breaches refuses the breached-style ones.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ketaclinic@localhost")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)

# Sessions: staff are logged off after 15 idle minutes (HIPAA 164.312(a)(2)(iii) automatic logoff).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
KETACLINIC_IDLE_LOGOUT_SECONDS = int(os.environ.get("KETACLINIC_IDLE_LOGOUT_SECONDS", "900"))
KETACLINIC_REQUIRE_MFA = env_bool("KETACLINIC_REQUIRE_MFA", True)
KETACLINIC_PORTAL_INVITE_HOURS = int(os.environ.get("KETACLINIC_PORTAL_INVITE_HOURS", "72"))

# Lockout (django-axes): five wrong passwords for one username lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("KETACLINIC_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# Lock the account, not the address: a clinic's staff share one NAT address, and locking it
# would lock out the whole clinic after one person's typos (axes.W006 is about that choice).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# A retry during the lockout does not restart it: the page promises "wait 15 minutes".
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# Behind a TLS proxy REMOTE_ADDR is the proxy. Name the header your proxy sets to the real
# client address (for example HTTP_X_REAL_IP) so audit rows and lockout see the client;
# never set this without a proxy that overwrites the header, or clients could forge it.
KETACLINIC_CLIENT_IP_HEADER = os.environ.get("KETACLINIC_CLIENT_IP_HEADER", "")
AXES_IPWARE_META_PRECEDENCE_ORDER = [
    *([KETACLINIC_CLIENT_IP_HEADER] if KETACLINIC_CLIENT_IP_HEADER else []),
    "REMOTE_ADDR",
]

# Security headers. X-Frame-Options DENY is Django's default and stays so.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

OTP_TOTP_ISSUER = "Ketaclinic"
# Flash messages can name a patient's e-mail or MRN: keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

KETACLINIC_DEMO = False
KETACLINIC_PAGE_SIZE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Query strings can carry search terms (names, dates of birth): do not log request lines.
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# Background jobs: Celery with Redis as the broker (ketaclinic/config/celery.py reads every
# CELERY_* setting here). The demo and the tests run tasks eagerly, without a broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get(
    "KETACLINIC_REDIS_URL", "redis://127.0.0.1:6379/0"
)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it finished, so a worker killed mid-task leaves it for another;
# every task is idempotent (the outbox's unique keys), so running one twice sends nothing twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# `expires`: a run that waited longer than its period is dropped; the next run covers it.
CELERY_BEAT_SCHEDULE = {
    "appointment-reminders": {
        "task": "ketaclinic.notifications.tasks.send_appointment_reminders",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "checkin-reminders": {
        "task": "ketaclinic.notifications.tasks.send_checkin_reminders",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "questionnaire-reminders": {
        "task": "ketaclinic.notifications.tasks.send_questionnaire_reminders",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    "integration-overdue-alerts": {
        "task": "ketaclinic.notifications.tasks.send_integration_overdue_alerts",
        "schedule": 900.0,
        "options": {"expires": 890},
    },
    "outbox-requeue-pending": {
        "task": "ketaclinic.notifications.tasks.requeue_pending_notifications",
        "schedule": 600.0,
        "options": {"expires": 590},
    },
    "nightly-outcomes-recompute": {
        "task": "ketaclinic.notifications.tasks.nightly_recompute_outcomes",
        "schedule": crontab(hour=2, minute=30),
    },
}
# Text messages: ketaclinic.notifications.sms.ConsoleSmsBackend prints them (the demo); a
# clinic plugs in its provider by subclassing ketaclinic.notifications.sms.SmsBackend.
KETACLINIC_SMS_BACKEND = os.environ.get(
    "KETACLINIC_SMS_BACKEND", "ketaclinic.notifications.sms.ConsoleSmsBackend"
)

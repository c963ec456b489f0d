"""The Celery app: background jobs and their beat schedule, configured from Django's settings.

Start a worker and the scheduler against Redis with

    uv run celery -A ketaclinic.config.celery worker -l info
    uv run celery -A ketaclinic.config.celery beat -l info

Every CELERY_* setting (ketaclinic/config/settings/base.py) configures it; the broker comes
from CELERY_BROKER_URL or KETACLINIC_REDIS_URL. The notifications app imports this module
when Django starts, so web processes enqueue through the same app.
"""

from __future__ import annotations

import os

from celery import Celery

# As wsgi.py: the worker is a deployed process. The demo sets DJANGO_SETTINGS_MODULE itself.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.settings.production")

app = Celery("ketaclinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

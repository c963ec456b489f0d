from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ketaclinic.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Make the project's Celery app the current one in every process that loads Django
        # (web, CLI, worker), so `task.delay()` uses the broker and settings from CELERY_*.
        from ketaclinic.config import celery  # noqa: F401

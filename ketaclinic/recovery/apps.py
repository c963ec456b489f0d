from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "ketaclinic.recovery"
    label = "recovery"

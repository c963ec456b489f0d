from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "ketaclinic.eligibility"
    label = "eligibility"

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketaclinic.portal"
    label = "portal"

"""Writes for preparation and integration sessions, one module per workflow."""

from ketaclinic.therapy.services.integration import (
    IntegrationContent,
    integration_schedule,
    integration_sign,
    integration_update,
)
from ketaclinic.therapy.services.preparation import (
    PreparationContent,
    preparation_create,
    preparation_sign,
    preparation_update,
)

__all__ = [
    "IntegrationContent",
    "PreparationContent",
    "integration_schedule",
    "integration_sign",
    "integration_update",
    "preparation_create",
    "preparation_sign",
    "preparation_update",
]

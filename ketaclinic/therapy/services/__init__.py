"""Writes for preparation and integration sessions, one module per workflow."""

from ketaclinic.therapy.services.integration import integration_schedule

__all__ = ["integration_schedule"]

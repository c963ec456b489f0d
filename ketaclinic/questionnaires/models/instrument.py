"""Instrument definitions stored as data, one row per published version, and per-site switches."""

from __future__ import annotations

import json
from functools import cached_property, lru_cache

from django.conf import settings
from django.db import models

from ketaclinic.questionnaires import scoring


class Instrument(models.Model):
    """A snapshot of one version of a definition (the JSON of `definitions/<code>.json`).

    The active row of a code is the one staff administer; older versions stay so that
    earlier responses keep pointing at the wording and scoring they were given with.
    """

    code = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    definition = models.JSONField()
    is_active = models.BooleanField(default=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-is_active", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(is_active=True),
                name="instrument_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @cached_property
    def parsed(self) -> scoring.InstrumentDefinition:
        """The definition the scoring engine works with (validated when imported)."""
        return _parse(json.dumps(self.definition, sort_keys=True))


@lru_cache(maxsize=64)
def _parse(text: str) -> scoring.InstrumentDefinition:
    """Parsing validates the whole definition: do it once per distinct definition."""
    return scoring.parse_definition(json.loads(text))


class InstrumentSiteSetting(models.Model):
    """A clinic admin's switch: `enabled=False` stops staff at the site administering it.

    No row means enabled. The stateless scoring API ignores this (it stores nothing).
    """

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="site_settings"
    )
    enabled = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "instrument"], name="instrument_setting_once_per_site"
            ),
        ]

    def __str__(self) -> str:
        state = "enabled" if self.enabled else "disabled"
        return f"{self.instrument.code} {state} at site {self.site_id}"

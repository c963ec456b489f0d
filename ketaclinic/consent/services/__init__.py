"""Every write of consents and consent templates, split by workflow."""

from ketaclinic.consent.services.signing import (
    consent_ending_event_record,
    consent_revoke,
    consent_sign,
)
from ketaclinic.consent.services.templates import (
    consent_template_activate,
    consent_template_create,
    consent_template_new_version,
    consent_template_retire,
    consent_template_update,
    redisclosure_notice_publish,
)

__all__ = [
    "consent_ending_event_record",
    "consent_revoke",
    "consent_sign",
    "consent_template_activate",
    "consent_template_create",
    "consent_template_new_version",
    "consent_template_retire",
    "consent_template_update",
    "redisclosure_notice_publish",
]

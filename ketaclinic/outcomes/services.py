"""The research export: permission, the archive and its audit row (who, when, which filters,
how many rows per table)."""

from __future__ import annotations

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.outcomes.export import ExportArchive, build_archive
from ketaclinic.outcomes.queries import CohortFilters

EXPORT_TARGET_TYPE = "research_export"


def research_export_create(*, user: User, filters: CohortFilters) -> ExportArchive:
    """A de-identified ZIP of the subjects at the user's sites matching `filters`; researchers
    and compliance officers only. The archive is built before the audit row is written, so
    the row carries the row counts; both happen in one transaction."""
    require_perm(
        user=user,
        perm=Perm.RESEARCH_EXPORT,
        target_type=EXPORT_TARGET_TYPE,
        message="Only researchers and compliance officers may run the research export. "
        "Ask one of them for the data you need.",
    )
    with transaction.atomic():
        archive = build_archive(site_ids=user.site_ids, filters=filters)
        audit_record(
            actor=user,
            action=Action.EXPORT,
            target_type=EXPORT_TARGET_TYPE,
            detail=f"de-identified zip; {filters.describe()}; rows {archive.describe()}",
        )
    return archive

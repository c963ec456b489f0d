"""Clinic admins write consent templates and the redisclosure notice here.

A version that a patient has signed is never changed: the signed consent points at it, so
its text must stay exactly what the patient read. Changes go into a new version.

Permission and scope checks run before the transaction opens: a refusal writes an audited
denial, and that row must survive the refusal instead of rolling back with it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.consent.models import (
    PART2_KINDS,
    ConsentKind,
    ConsentTemplate,
    RedisclosureNotice,
    TemplateStatus,
)
from ketaclinic.consent.selectors import (
    consent_template_get,
    template_edit_refusal,
    template_is_used,
)
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError

_TARGET = "consent_template"


def _audit(*, actor: User, action: Action, template: ConsentTemplate, detail: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        site=template.site,
        target_type=_TARGET,
        target_id=template.pk,
        detail=f"{template.kind} v{template.version}: {detail}",
    )


def _locked(template: ConsentTemplate) -> ConsentTemplate:
    """Re-read under a row lock: a concurrent activation or edit waits for this one."""
    return (
        ConsentTemplate.objects.select_for_update(of=("self",))
        .select_related("site")
        .get(pk=template.pk)
    )


def _next_version(*, kind: str, site: Site | None) -> int:
    # Lock the scope's versions so two admins cannot both take the same number.
    scope = ConsentTemplate.objects.select_for_update().filter(kind=kind, site=site)
    return max(scope.values_list("version", flat=True), default=0) + 1


def _check_text(*, kind: str, title: str, body: str, revocation_statement: str) -> None:
    problems: dict[str, list[str]] = {}
    if not title.strip():
        problems["title"] = ["Title is missing: give the form a title patients will recognise."]
    if not body.strip():
        problems["body"] = ["Text is missing: paste the consent text the patient will read."]
    if kind in PART2_KINDS and not revocation_statement.strip():
        problems["revocation_statement"] = [
            "Revocation statement is missing: Part 2 consents must tell the patient they may "
            "revoke and how; it is prefilled on every consent signed on this template."
        ]
    if problems:
        messages = " ".join(m for field in problems.values() for m in field)
        raise ApplicationError(f"Cannot save this template: {messages}", field_errors=problems)


def consent_template_create(
    *,
    actor: User,
    kind: ConsentKind,
    title: str,
    body: str,
    revocation_statement: str = "",
    site: Site | None = None,
) -> ConsentTemplate:
    """A new draft; version numbers count per kind within its scope (one site or all sites)."""
    require_perm(user=actor, perm=Perm.CONSENT_TEMPLATE_MANAGE, target_type=_TARGET)
    if site is not None and site.pk not in actor.site_ids:
        raise PermissionDeniedError(
            "You can only write templates for a site you work at, or for all sites."
        )
    _check_text(kind=kind, title=title, body=body, revocation_statement=revocation_statement)
    with transaction.atomic():
        template = ConsentTemplate(
            kind=kind,
            version=_next_version(kind=kind, site=site),
            title=title.strip(),
            body=body.strip(),
            revocation_statement=revocation_statement.strip(),
            site=site,
            status=TemplateStatus.DRAFT,
            created_by=actor,
        )
        template.full_clean()
        template.save()
        _audit(actor=actor, action=Action.CREATE, template=template, detail="draft created")
    return template


def consent_template_new_version(*, actor: User, template_id: int) -> ConsentTemplate:
    """A draft copy of an existing version, ready to edit; the source stays untouched."""
    source = consent_template_get(user=actor, template_id=template_id)
    with transaction.atomic():
        template = ConsentTemplate(
            kind=source.kind,
            version=_next_version(kind=source.kind, site=source.site),
            title=source.title,
            body=source.body,
            revocation_statement=source.revocation_statement,
            site=source.site,
            status=TemplateStatus.DRAFT,
            supersedes=source,
            created_by=actor,
        )
        template.full_clean()
        template.save()
        detail = f"copied from v{source.version}"
        _audit(actor=actor, action=Action.CREATE, template=template, detail=detail)
    return template


def consent_template_update(
    *, actor: User, template_id: int, title: str, body: str, revocation_statement: str = ""
) -> ConsentTemplate:
    """Edit a draft in place; active, retired and signed versions are never changed."""
    found = consent_template_get(user=actor, template_id=template_id)
    with transaction.atomic():
        template = _locked(found)
        refusal = template_edit_refusal(
            template=template, is_used=template_is_used(template=template)
        )
        if refusal:
            raise ApplicationError(refusal)
        _check_text(
            kind=template.kind, title=title, body=body, revocation_statement=revocation_statement
        )
        template.title = title.strip()
        template.body = body.strip()
        template.revocation_statement = revocation_statement.strip()
        template.full_clean()
        template.save(update_fields=["title", "body", "revocation_statement"])
        _audit(actor=actor, action=Action.UPDATE, template=template, detail="text edited")
    return template


def _retire_active(*, actor: User, template: ConsentTemplate, now: dt.datetime) -> None:
    previous = ConsentTemplate.objects.select_for_update().filter(
        kind=template.kind, site=template.site, status=TemplateStatus.ACTIVE
    )
    for old in previous:
        old.status = TemplateStatus.RETIRED
        old.retired_at = now
        old.save(update_fields=["status", "retired_at"])
        detail = f"retired by activation of v{template.version}"
        _audit(actor=actor, action=Action.UPDATE, template=old, detail=detail)


def consent_template_activate(*, actor: User, template_id: int) -> ConsentTemplate:
    """Make a draft the version new consents are signed on; the previous one is retired."""
    found = consent_template_get(user=actor, template_id=template_id)
    with transaction.atomic():
        template = _locked(found)
        if template.status != TemplateStatus.DRAFT:
            raise ApplicationError(
                f"Version {template.version} is {template.get_status_display().lower()}: only "
                "a draft can be activated. Create a new version from it and activate that."
            )
        now = timezone.now()
        _retire_active(actor=actor, template=template, now=now)
        template.status = TemplateStatus.ACTIVE
        template.activated_at = now
        template.full_clean()
        template.save(update_fields=["status", "activated_at"])
        _audit(actor=actor, action=Action.UPDATE, template=template, detail="activated")
    return template


def consent_template_retire(*, actor: User, template_id: int) -> ConsentTemplate:
    """Stop offering a version for new signatures. Consents already signed on it stay valid."""
    found = consent_template_get(user=actor, template_id=template_id)
    with transaction.atomic():
        template = _locked(found)
        if template.status == TemplateStatus.RETIRED:
            raise ApplicationError(f"Version {template.version} is already retired.")
        template.status = TemplateStatus.RETIRED
        template.retired_at = timezone.now()
        template.full_clean()
        template.save(update_fields=["status", "retired_at"])
        _audit(actor=actor, action=Action.UPDATE, template=template, detail="retired")
    return template


def _check_notice(*, text: str, source: str) -> None:
    problems: dict[str, list[str]] = {}
    if not text.strip():
        problems["text"] = ["Notice text is missing: paste the full 42 CFR 2.32 statement."]
    if not source.strip():
        problems["source"] = ["Source is missing: cite where the wording comes from."]
    if problems:
        messages = " ".join(m for field in problems.values() for m in field)
        raise ApplicationError(f"Cannot publish this notice: {messages}", field_errors=problems)


def redisclosure_notice_publish(
    *, actor: User, text: str, abbreviated_text: str, source: str, review_note: str = ""
) -> RedisclosureNotice:
    """A new wording of the 42 CFR 2.32 notice; earlier versions stay as they were sent."""
    require_perm(user=actor, perm=Perm.CONSENT_TEMPLATE_MANAGE, target_type="redisclosure_notice")
    _check_notice(text=text, source=source)
    with transaction.atomic():
        versions = RedisclosureNotice.objects.select_for_update().values_list("version", flat=True)
        notice = RedisclosureNotice(
            version=max(versions, default=0) + 1,
            text=text.strip(),
            abbreviated_text=abbreviated_text.strip(),
            source=source.strip(),
            review_note=review_note.strip(),
            created_by=actor,
        )
        notice.full_clean()
        notice.save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            target_type="redisclosure_notice",
            target_id=notice.pk,
            detail=f"version {notice.version}",
        )
    return notice

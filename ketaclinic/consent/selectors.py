"""Reads of consents: site-scoped; reads of a patient's consents are audited via patient_get.

Other apps gate on consent with `valid_consent` (for example the treatment course needs a
valid treatment consent) and show status with `consent_status`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import not_in_chart, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.consent.models import (
    ConsentKind,
    ConsentTemplate,
    PatientConsent,
    RedisclosureNotice,
    TemplateStatus,
)
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get


class ConsentStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class ConsentRow:
    consent: PatientConsent
    status: ConsentStatus


def _site_date(moment: dt.datetime, site: Site) -> dt.date:
    """An expiry date means the end of that day where the patient is treated."""
    return moment.astimezone(zoneinfo.ZoneInfo(site.time_zone)).date()


def consent_status(*, consent: PatientConsent, on: dt.datetime | None = None) -> ConsentStatus:
    """The consent's status at `on` (default now). Revocation takes effect at once."""
    moment = on or timezone.now()
    if consent.revoked_at is not None and consent.revoked_at <= moment:
        return ConsentStatus.REVOKED
    if consent.expires_on is not None and consent.expires_on < _site_date(
        moment, consent.patient.site
    ):
        return ConsentStatus.EXPIRED
    occurred = consent.ending_event_occurred_at
    if occurred is not None and occurred <= moment:
        return ConsentStatus.EXPIRED
    return ConsentStatus.VALID


def valid_consent(
    *, patient: Patient, kind: ConsentKind | str, on: dt.datetime | None = None
) -> PatientConsent | None:
    """The most recent consent of `kind` valid at `on`, or None. No audit: callers read the
    patient through patient_get already, which recorded the access."""
    moment = on or timezone.now()
    return (
        PatientConsent.objects.filter(patient=patient, kind=kind, signed_at__lte=moment)
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=moment))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=_site_date(moment, patient.site)))
        .filter(Q(ending_event_occurred_at__isnull=True) | Q(ending_event_occurred_at__gt=moment))
        .select_related("template", "patient__site")
        .order_by("-signed_at", "-id")
        .first()
    )


def patient_consents(*, user: User, patient_id: int) -> QuerySet[PatientConsent]:
    """The patient's consents, newest first; the read is audited (404 outside the user's sites)."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="patient_consents")
    return (
        PatientConsent.objects.filter(patient=patient)
        .select_related(
            "patient__site",
            "template",
            "witnessed_by",
            "recorded_by",
            "revoked_by",
            "ending_event_recorded_by",
        )
        .order_by("-signed_at", "-id")
    )


def consent_rows(*, consents: QuerySet[PatientConsent] | list[PatientConsent]) -> list[ConsentRow]:
    return [ConsentRow(consent=c, status=consent_status(consent=c)) for c in consents]


def patient_consent_get(*, user: User, patient_id: int, consent_id: int) -> PatientConsent:
    """One consent of one patient; a consent of another patient is the same 404 as none."""
    consents = patient_consents(user=user, patient_id=patient_id)
    consent = consents.filter(pk=consent_id).first()
    if consent is None:
        raise not_in_chart(
            user=user,
            patient=Patient.objects.get(pk=patient_id),  # visible: patient_consents checked
            model=PatientConsent,
            record_id=consent_id,
            target_type="patient_consent",
            message="No consent with that id for this patient.",
        )
    return consent


def active_template(*, kind: ConsentKind | str, site: Site) -> ConsentTemplate | None:
    """The site's own active version of `kind`, else the all-sites one."""
    candidates = ConsentTemplate.objects.filter(
        Q(site=site) | Q(site__isnull=True), kind=kind, status=TemplateStatus.ACTIVE
    ).order_by("site_id")
    # NULL sorts last on PostgreSQL and first on SQLite: pick in Python, not by ordering.
    found = list(candidates)
    return next((t for t in found if t.site_id is not None), found[0] if found else None)


def consent_signing_get(
    *, user: User, patient_id: int, kind: ConsentKind
) -> tuple[Patient, ConsentTemplate | None]:
    """What the signing page needs; refuses (audited) a role that cannot record consents."""
    require_perm(
        user=user, perm=Perm.CONSENT_RECORD, target_type="patient_consent", target_id=patient_id
    )
    patient = patient_get(user=user, patient_id=patient_id, target_type="patient_consent_form")
    return patient, active_template(kind=kind, site=patient.site)


def _templates_visible(*, user: User) -> QuerySet[ConsentTemplate]:
    used = PatientConsent.objects.filter(template=OuterRef("pk"))
    return (
        ConsentTemplate.objects.filter(Q(site__isnull=True) | Q(site_id__in=user.site_ids))
        .annotate(is_used=Exists(used))
        .select_related("site", "created_by")
    )


def consent_template_list(*, user: User) -> QuerySet[ConsentTemplate]:
    """Templates for the admin's sites and for all sites, with `is_used` annotated."""
    require_perm(user=user, perm=Perm.CONSENT_TEMPLATE_MANAGE, target_type="consent_template")
    return _templates_visible(user=user).order_by("kind", "site__name", "-version")


def consent_template_get(*, user: User, template_id: int) -> ConsentTemplate:
    require_perm(
        user=user,
        perm=Perm.CONSENT_TEMPLATE_MANAGE,
        target_type="consent_template",
        target_id=template_id,
    )
    template = _templates_visible(user=user).filter(pk=template_id).first()
    if template is None:
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            target_type="consent_template",
            target_id=template_id,
            outcome=Outcome.DENIED,
            detail="no such template at user's sites",
        )
        raise NotFoundError("No consent template with that id for your sites.")
    return template


def consent_templates_for_staff(
    *, user: User, kind: str = "", status: str = ""
) -> QuerySet[ConsentTemplate]:
    """Templates staff may sign on or manage (API); recording staff and admins both read them."""
    if not user.has_role_perm(Perm.CONSENT_TEMPLATE_MANAGE):
        require_perm(user=user, perm=Perm.CONSENT_RECORD, target_type="consent_template")
    templates = _templates_visible(user=user).order_by("kind", "site_id", "-version", "id")
    if kind:
        templates = templates.filter(kind=kind)
    if status:
        templates = templates.filter(status=status)
    return templates


def template_is_used(*, template: ConsentTemplate) -> bool:
    """Signed by any patient (any site): from then on the version's text is frozen."""
    return PatientConsent.objects.filter(template=template).exists()


def template_edit_refusal(*, template: ConsentTemplate, is_used: bool) -> str:
    """Why this version may not be edited in place, or "" when it may (an unsigned draft).

    An active version is refused too: staff may be showing it to a patient at this moment,
    and the patient must sign exactly the text they read.
    """
    name = f"Version {template.version} of '{template.title}'"
    if is_used:
        return (
            f"{name} has been signed by patients, so its text can never change: create a new "
            "version and edit that instead."
        )
    if template.status == TemplateStatus.ACTIVE:
        return (
            f"{name} is active, so a patient may be reading it right now: create a new "
            "version, edit that, then activate it."
        )
    if template.status == TemplateStatus.RETIRED:
        return f"{name} is retired: create a new version from it to change the text."
    return ""


def redisclosure_notice_current() -> RedisclosureNotice | None:
    """The newest version of the 42 CFR 2.32 notice; each disclosure will carry it."""
    return RedisclosureNotice.objects.order_by("-version").first()

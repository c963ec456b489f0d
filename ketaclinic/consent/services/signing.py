"""Signing and revoking patient consents.

A Part 2 consent needs every element of 42 CFR 2.31 (DOMAIN.md section 5). A consent
missing any of them is refused as a whole, naming each missing element, and nothing is
written; the database constraints on PatientConsent back this up.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.consent.models import (
    PART2_KINDS,
    ConsentKind,
    ConsentTemplate,
    PatientConsent,
    RevocationChannel,
    SignedVia,
    TemplateStatus,
)
from ketaclinic.consent.selectors import ConsentStatus, active_template, consent_status
from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import Patient

_TARGET = "patient_consent"

# Each Part 2 element's refusal names the element and says how to fix it.
_MISSING = {
    "discloser": (
        "Who may disclose is missing: name the programme or person allowed to disclose "
        "(for example this clinic)."
    ),
    "information_description": (
        "Description of the information is missing: say specifically what may be disclosed "
        "(for example 'dates of attendance and a treatment summary')."
    ),
    "recipients": (
        "Recipients are missing: name who may receive the information (a person, an "
        "organisation or a class of recipients), or tick 'All future treatment, payment and "
        "health care operations uses'."
    ),
    "purpose": "Purpose is missing: state why the information is disclosed.",
    "revocation_statement": (
        "Right to revoke is missing: state that the patient may revoke this consent and how."
    ),
    "expires_on": (
        "Expiry is missing: give an expiry date or an ending event (for example 'when "
        "treatment at this clinic ends')."
    ),
}
_SIGNATURE_MISSING = "Signature is missing: have the patient type their full name."
_WITNESS_MISSING = (
    "Witness confirmation is missing: tick 'I witnessed the patient sign' once you have "
    "seen the patient sign. Patients will sign on their own in the portal later."
)


@dataclass(frozen=True)
class Part2Elements:
    """What a Part 2 consent says; a treatment consent leaves all of it empty."""

    discloser: str = ""
    information_description: str = ""
    recipients: str = ""
    recipients_all_tpo: bool = False
    purpose: str = ""
    # None means "use the template's wording"; an empty string is a missing element.
    revocation_statement: str | None = None
    ending_event: str = ""

    def is_empty(self) -> bool:
        return self == Part2Elements()


def _template_for(*, kind: str, patient: Patient, template_id: int | None) -> ConsentTemplate:
    label = ConsentKind(kind).label
    if template_id is None:
        template = active_template(kind=kind, site=patient.site)
        if template is None:
            raise ApplicationError(
                f"No active '{label}' template for {patient.site.name}: ask your clinic admin "
                "to activate one under Consent templates."
            )
        return template
    template = ConsentTemplate.objects.filter(
        Q(site__isnull=True) | Q(site=patient.site), pk=template_id, kind=kind
    ).first()
    if template is None:
        raise ApplicationError(
            f"Template {template_id} is not a '{label}' template for {patient.site.name}: "
            "leave template_id out to use the active one.",
            field_errors={"template_id": ["Not a template of this kind for this site."]},
        )
    if template.status != TemplateStatus.ACTIVE:
        raise ApplicationError(
            f"Version {template.version} of '{template.title}' is no longer offered for "
            "signing: reload the page and have the patient read the active version.",
            field_errors={"template_id": ["This version is not active."]},
        )
    return template


def _normal_name(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _problems(
    *,
    kind: str,
    elements: Part2Elements,
    expires_on: dt.date | None,
    signature_name: str,
    patient_name: str,
    witnessed: bool,
    today: dt.date,
) -> dict[str, str]:
    found: dict[str, str] = {}
    if kind in PART2_KINDS:
        filled = {
            "discloser": elements.discloser,
            "information_description": elements.information_description,
            "recipients": "all" if elements.recipients_all_tpo else elements.recipients,
            "purpose": elements.purpose,
            "revocation_statement": elements.revocation_statement or "",
            "expires_on": "set" if expires_on else elements.ending_event,
        }
        found = {field: _MISSING[field] for field, value in filled.items() if not value.strip()}
    elif not elements.is_empty():
        found["kind"] = (
            "A treatment consent takes no disclosure details: record recipients, purpose and "
            "the rest on a Part 2 consent instead."
        )
    if expires_on is not None and expires_on < today:
        found["expires_on"] = (
            f"Expiry date {expires_on:%Y-%m-%d} is in the past: choose a later date, "
            "or leave it empty."
        )
    if not signature_name.strip():
        found["signature_name"] = _SIGNATURE_MISSING
    elif _normal_name(signature_name) != _normal_name(patient_name):
        found["signature_name"] = (
            f"The signature does not match the patient's registered name ({patient_name}): "
            "the patient types their own first and last name as registered on the chart."
        )
    if not witnessed:
        found["witnessed"] = _WITNESS_MISSING
    return found


def _new_consent(
    *,
    actor: User,
    patient: Patient,
    template: ConsentTemplate,
    elements: Part2Elements,
    expires_on: dt.date | None,
    signature_name: str,
    signed_at: dt.datetime,
) -> PatientConsent:
    return PatientConsent(
        patient=patient,
        template=template,
        kind=template.kind,
        patient_name=f"{patient.first_name} {patient.last_name}",
        discloser=elements.discloser.strip(),
        information_description=elements.information_description.strip(),
        recipients=elements.recipients.strip(),
        recipients_all_tpo=elements.recipients_all_tpo,
        purpose=elements.purpose.strip(),
        revocation_statement=(elements.revocation_statement or "").strip(),
        expires_on=expires_on,
        ending_event=elements.ending_event.strip(),
        signature_name=signature_name.strip(),
        signed_at=signed_at,
        signed_via=SignedVia.WITNESSED,
        witnessed_by=actor,
        recorded_by=actor,
    )


def _guard(*, actor: User, patient: Patient) -> None:
    """Before any transaction: a refusal's audited denial must not roll back with it."""
    require_perm(user=actor, perm=Perm.CONSENT_RECORD, target_type=_TARGET, patient=patient)
    require_patient_access(user=actor, patient=patient, target_type=_TARGET)


def consent_sign(
    *,
    actor: User,
    patient: Patient,
    kind: ConsentKind,
    signature_name: str,
    witnessed: bool,
    elements: Part2Elements | None = None,
    expires_on: dt.date | None = None,
    template_id: int | None = None,
) -> PatientConsent:
    """Record a consent the patient signed in front of `actor`, on the exact template version.

    For Part 2 kinds a `revocation_statement` of None takes the template's wording.
    """
    _guard(actor=actor, patient=patient)
    elements = elements or Part2Elements()
    with transaction.atomic():
        template = _template_for(kind=kind, patient=patient, template_id=template_id)
        if kind in PART2_KINDS and elements.revocation_statement is None:
            elements = replace(elements, revocation_statement=template.revocation_statement)
        now = timezone.now()
        problems = _problems(
            kind=kind,
            elements=elements,
            expires_on=expires_on,
            signature_name=signature_name,
            patient_name=f"{patient.first_name} {patient.last_name}",
            witnessed=witnessed,
            today=now.astimezone(zoneinfo.ZoneInfo(patient.site.time_zone)).date(),
        )
        if problems:
            raise ApplicationError(
                "Cannot save this consent: " + " ".join(problems.values()),
                field_errors={field: [message] for field, message in problems.items()},
            )
        consent = _new_consent(
            actor=actor,
            patient=patient,
            template=template,
            elements=elements,
            expires_on=expires_on,
            signature_name=signature_name,
            signed_at=now,
        )
        consent.full_clean()
        consent.save()
        detail = f"{kind} signed on template {template.pk} v{template.version}, witnessed"
        _audit(actor=actor, consent=consent, action=Action.CREATE, detail=detail)
    return consent


def _audit(*, actor: User, consent: PatientConsent, action: Action, detail: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        patient=consent.patient,
        target_type=_TARGET,
        target_id=consent.pk,
        detail=detail,
    )


def _locked(consent: PatientConsent) -> PatientConsent:
    """Re-read under a row lock so two staff cannot revoke or close the same consent twice."""
    return (
        PatientConsent.objects.select_for_update(of=("self",))
        .select_related("patient__site")
        .get(pk=consent.pk)
    )


def consent_revoke(
    *,
    actor: User,
    consent: PatientConsent,
    reason: str,
    received_via: RevocationChannel = RevocationChannel.IN_PERSON,
) -> PatientConsent:
    """Revocation takes effect at once: from this moment the consent is no longer valid."""
    _guard(actor=actor, patient=consent.patient)
    with transaction.atomic():
        consent = _locked(consent)
        status = consent_status(consent=consent)
        if status != ConsentStatus.VALID:
            raise ApplicationError(f"This consent is already {status}: there is nothing to revoke.")
        if not reason.strip():
            raise ApplicationError(
                "Reason is missing: note how the patient revoked and why, if they said "
                "(for example 'patient phoned to withdraw consent').",
                field_errors={"reason": ["Say how the patient revoked and why, if they said."]},
            )
        consent.revoked_at = timezone.now()
        consent.revoked_by = actor
        consent.revocation_reason = reason.strip()
        consent.revocation_received_via = received_via
        consent.full_clean()
        consent.save(
            update_fields=[
                "revoked_at",
                "revoked_by",
                "revocation_reason",
                "revocation_received_via",
            ]
        )
        _audit(
            actor=actor, consent=consent, action=Action.UPDATE, detail=f"revoked ({received_via})"
        )
    return consent


def consent_ending_event_record(*, actor: User, consent: PatientConsent) -> PatientConsent:
    """Staff record that the consent's ending event has happened: the consent expires now."""
    _guard(actor=actor, patient=consent.patient)
    with transaction.atomic():
        consent = _locked(consent)
        if not consent.ending_event:
            raise ApplicationError(
                "This consent has no ending event: it ends on its expiry date or when revoked."
            )
        status = consent_status(consent=consent)
        if status != ConsentStatus.VALID:
            raise ApplicationError(f"This consent is already {status}: nothing to record.")
        consent.ending_event_occurred_at = timezone.now()
        consent.ending_event_recorded_by = actor
        consent.full_clean()
        consent.save(update_fields=["ending_event_occurred_at", "ending_event_recorded_by"])
        detail = "ending event recorded as occurred"
        _audit(actor=actor, consent=consent, action=Action.UPDATE, detail=detail)
    return consent

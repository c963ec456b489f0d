"""Reads of inquiries, scoped to the acting user's sites and audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.intake.models import OPEN_STATUSES, Inquiry, InquiryStatus, InquiryStatusChange
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patients_visible

_IDS_PER_AUDIT_ROW = 25  # keeps each list row's id list inside the audit detail's 300 characters
STATUS_OPEN = "open"
STATUS_ALL = "all"


def active_site_by_slug(*, slug: str) -> Site:
    """The site behind a public form address; unknown and inactive sites are the same 404."""
    site = Site.objects.filter(slug=slug, is_active=True).first()
    if site is None:
        raise NotFoundError("There is no clinic at this address. Check the link you followed.")
    return site


def inquiry_list(
    *,
    user: User,
    site_id: int | None = None,
    status: str = STATUS_ALL,
    urgent: bool | None = None,
) -> QuerySet[Inquiry]:
    """Inquiries at the user's sites, urgent first, then oldest. Callers paginate, then audit.

    `status` is one InquiryStatus value, "open" (not yet referred or closed) or "all".
    """
    require_perm(user=user, perm=Perm.INQUIRY_MANAGE, target_type="inquiry_list")
    queryset = Inquiry.objects.filter(site_id__in=user.site_ids)
    if site_id is not None:
        queryset = queryset.filter(site_id=site_id)
    if status == STATUS_OPEN:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status in InquiryStatus.values:
        queryset = queryset.filter(status=status)
    if urgent is not None:
        queryset = queryset.filter(is_urgent=urgent)
    return queryset.select_related("site", "patient").order_by("-is_urgent", "received_at", "id")


def inquiry_list_audit(*, user: User, inquiries: list[Inquiry]) -> None:
    """One read row per page shown (more only past 25 rows), naming the inquiry ids.

    Linked patients appear with their MRN, so each is also audited as a patient read.
    """
    linked = [inquiry.patient for inquiry in inquiries if inquiry.patient is not None]
    if linked:
        audit_record_patient_reads(actor=user, patients=linked, target_type="inquiry_list")
    ids = [inquiry.pk for inquiry in inquiries]
    for start in range(0, len(ids), _IDS_PER_AUDIT_ROW):
        chunk = ids[start : start + _IDS_PER_AUDIT_ROW]
        audit_record(
            actor=user,
            action=Action.READ,
            target_type="inquiry_list",
            detail="inquiries " + ",".join(str(pk) for pk in chunk),
        )


def inquiry_get(*, user: User, inquiry_id: int) -> Inquiry:
    """One inquiry at the user's sites, audited as read. Missing and foreign are the same 404."""
    require_perm(user=user, perm=Perm.INQUIRY_MANAGE, target_type="inquiry", target_id=inquiry_id)
    inquiry = (
        Inquiry.objects.filter(site_id__in=user.site_ids, pk=inquiry_id)
        .select_related("site", "patient")
        .first()
    )
    if inquiry is None:
        existing = Inquiry.objects.filter(pk=inquiry_id).select_related("site").first()
        # Linked to the inquiry's site so that site's compliance officer sees the attempt.
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            site=existing.site if existing else None,
            target_type="inquiry",
            target_id=inquiry_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if existing else "no such inquiry",
        )
        raise NotFoundError("No inquiry with that id at your sites.")
    audit_record(
        actor=user,
        action=Action.READ,
        site=inquiry.site,
        patient=inquiry.patient,
        target_type="inquiry",
        target_id=inquiry.pk,
    )
    return inquiry


def inquiry_history(*, inquiry: Inquiry) -> QuerySet[InquiryStatusChange]:
    """The status changes of an inquiry already loaded through `inquiry_get`."""
    return inquiry.status_changes.select_related("changed_by").order_by("changed_at", "id")


@dataclass(frozen=True)
class DuplicateCandidate:
    patient: Patient
    matched_on: tuple[str, ...]


def phone_variants(phone: str) -> list[str]:
    """The ways a 10-digit US number is commonly written, so stored phones match in SQL."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return [phone.strip()] if phone.strip() else []
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return [
        f"({area}) {exchange}-{line}",
        f"({area}){exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        digits,
        f"+1{digits}",
        f"+1 {area} {exchange} {line}",
        f"1-{area}-{exchange}-{line}",
    ]


def _matched_on(
    patient: Patient, *, first: str, last: str, dob: dt.date | None, phones: list[str], email: str
) -> tuple[str, ...]:
    reasons = []
    same_name = (patient.first_name.lower(), patient.last_name.lower()) == (first, last)
    if dob is not None and same_name and patient.date_of_birth == dob:
        reasons.append("name and date of birth")
    if phones and patient.phone in phones:
        reasons.append("phone")
    if email and patient.email.lower() == email:
        reasons.append("email")
    return tuple(reasons)


def duplicate_candidates(
    *,
    user: User,
    site: Site,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    phone: str,
    email: str,
) -> list[DuplicateCandidate]:
    """Patients at `site` who may be this person: same name and birth date, phone or email.

    Each candidate shown is audited as read (the caller is about to see their MRN and name).
    """
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type="inquiry_duplicate_check")
    first, last, email = first_name.strip().lower(), last_name.strip().lower(), email.strip()
    phones = phone_variants(phone)
    condition = Q()
    if date_of_birth is not None:
        condition |= Q(
            first_name__iexact=first, last_name__iexact=last, date_of_birth=date_of_birth
        )
    if phones:
        condition |= Q(phone__in=phones)
    if email:
        condition |= Q(email__iexact=email)
    if not condition:
        return []
    patients = list(
        patients_visible(user=user).filter(condition, site=site).order_by("last_name", "id")[:20]
    )
    audit_record_patient_reads(actor=user, patients=patients, target_type="inquiry_duplicate_check")
    found = [
        DuplicateCandidate(
            patient=patient,
            matched_on=_matched_on(
                patient,
                first=first,
                last=last,
                dob=date_of_birth,
                phones=phones,
                email=email.lower(),
            ),
        )
        for patient in patients
    ]
    return [candidate for candidate in found if candidate.matched_on]

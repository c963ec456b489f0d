"""The public form's writes: the hourly per-address limit and the inquiry itself."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ketaclinic.accounts.models import Site
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFoundError, validated
from ketaclinic.intake.models import Addiction, Answer, ContactMethod, Inquiry, InquiryAttempt

# Issue 3: more than 5 submissions an hour from one address are refused with HTTP 429.
ATTEMPTS_PER_HOUR = 5
ATTEMPT_WINDOW = dt.timedelta(hours=1)
PUBLIC_FORM_ACTOR = "public inquiry form"


def full_clean_or_refuse(instance: models.Model, message: str) -> None:
    """full_clean(), with Django's ValidationError turned into a refusal that names each field."""
    validated(instance, message=message)


def address_digest(client_ip: str | None) -> str:
    """A keyed, salted SHA-256 of the address: equal on every app server, useless if leaked."""
    return salted_hmac(
        "ketaclinic.intake.attempt", client_ip or "unknown", algorithm="sha256"
    ).hexdigest()


def inquiry_attempt_record(*, client_ip: str | None, now: dt.datetime | None = None) -> bool:
    """Log one submission from this address; False when that makes more than 5 in an hour.

    Deliberately not wrapped in a transaction: each row commits at once, so app servers
    handling the same address in parallel count each other's attempts before deciding.
    Every submission counts, refused ones included, so hammering the form never helps.
    """
    now = now or timezone.now()
    digest = address_digest(client_ip)
    InquiryAttempt.objects.filter(attempted_at__lt=now - ATTEMPT_WINDOW).delete()
    attempt = InquiryAttempt(address_digest=digest, attempted_at=now)
    attempt.full_clean()
    attempt.save()
    recent = InquiryAttempt.objects.filter(
        address_digest=digest, attempted_at__gt=now - ATTEMPT_WINDOW
    ).count()
    return recent <= ATTEMPTS_PER_HOUR


@transaction.atomic
def inquiry_submit(
    *,
    site: Site,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    phone: str,
    email: str,
    preferred_contact: ContactMethod,
    addictions: list[Addiction],
    addiction_other: str,
    prior_treatment: str,
    high_blood_pressure: Answer,
    psychosis_history: Answer,
    pregnancy: Answer,
    prior_ketamine_misuse: Answer,
    crisis_reported: bool,
) -> Inquiry:
    """Store what a member of the public sent. A yes to the crisis question makes it urgent."""
    if not site.is_active:
        raise NotFoundError("There is no clinic at this address. Check the link you followed.")
    inquiry = Inquiry(
        site=site,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        phone=phone.strip(),
        email=email.strip(),
        preferred_contact=preferred_contact,
        addictions=[str(item) for item in addictions],
        addiction_other=addiction_other.strip() if Addiction.OTHER in addictions else "",
        prior_treatment=prior_treatment.strip(),
        high_blood_pressure=high_blood_pressure,
        psychosis_history=psychosis_history,
        pregnancy=pregnancy,
        prior_ketamine_misuse=prior_ketamine_misuse,
        crisis_reported=crisis_reported,
        is_urgent=crisis_reported,
    )
    full_clean_or_refuse(inquiry, "Some answers need another look: see the messages below.")
    inquiry.save()
    audit_record(
        actor=None,
        actor_username=PUBLIC_FORM_ACTOR,
        action=Action.CREATE,
        site=site,
        target_type="inquiry",
        target_id=inquiry.pk,
        detail="urgent: crisis question answered yes" if inquiry.is_urgent else "",
    )
    return inquiry

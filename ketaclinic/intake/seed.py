"""Deterministic synthetic inquiries in every status. Clearly fake: example.org, 555-01xx."""

from __future__ import annotations

import datetime as dt
import random
import re

from django.db import transaction
from django.utils import timezone
from faker import Faker

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.intake import services
from ketaclinic.intake.models import Addiction, Answer, ContactMethod, Inquiry, InquiryStatus

# Area codes of each demo site's region with the 555-01xx numbers reserved for fiction; the
# patients seed uses 617, so converted inquiries never collide with seeded patients by phone.
_AREA_CODES = {"boston": "857", "west-hartford": "860"}
_STATUS_CYCLE = [
    InquiryStatus.NEW,
    InquiryStatus.NEW,
    InquiryStatus.CONTACTED,
    InquiryStatus.EVALUATION_BOOKED,
    InquiryStatus.REFERRED_ELSEWHERE,
    InquiryStatus.CLOSED,
]
# Each status is reached the way the front desk would: every later status via "contacted".
_PATHS: dict[InquiryStatus, list[tuple[InquiryStatus, str]]] = {
    InquiryStatus.NEW: [],
    InquiryStatus.CONTACTED: [
        (InquiryStatus.CONTACTED, "Called and left a voicemail with our number (synthetic)."),
    ],
    InquiryStatus.EVALUATION_BOOKED: [
        (InquiryStatus.CONTACTED, "Spoke with them; questions answered (synthetic)."),
        (InquiryStatus.EVALUATION_BOOKED, "Evaluation booked with the physician (synthetic)."),
    ],
    InquiryStatus.REFERRED_ELSEWHERE: [
        (InquiryStatus.CONTACTED, "Spoke with them about their needs (synthetic)."),
        (
            InquiryStatus.REFERRED_ELSEWHERE,
            "Asked for a programme closer to home; gave them referrals (synthetic).",
        ),
    ],
    InquiryStatus.CLOSED: [
        (InquiryStatus.CONTACTED, "No answer; left a voicemail (synthetic)."),
        (InquiryStatus.CLOSED, "No reply after three attempts (synthetic)."),
    ],
}
_URGENT_INDEXES = {0, 8}  # one new and one contacted inquiry per twelve answered the crisis yes
_ANSWERS = [Answer.NO] * 8 + [Answer.UNSURE, Answer.YES]


def _fake_inquiry(
    fake: Faker, rng: random.Random, site: Site, index: int, now: dt.datetime
) -> Inquiry:
    """A new inquiry; its age fits the status `_target_status(index)` it will be moved to."""
    status = _target_status(index)
    first, last = fake.first_name(), fake.last_name()
    addictions = rng.sample(list(Addiction), k=rng.randint(1, 3))
    urgent = index in _URGENT_INDEXES
    # Older inquiries are further along; a new one arrived within the last few days.
    age = dt.timedelta(days=_STATUS_CYCLE.index(status) * 3 + rng.randint(0, 3), hours=index)
    return Inquiry(
        site=site,
        first_name=first,
        last_name=last,
        date_of_birth=None
        if index % 6 == 1
        else dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 40)),
        phone=f"({_AREA_CODES.get(site.slug, '857')}) 555-01{rng.randrange(0, 100):02d}",
        email=f"{re.sub(r'[^a-z]', '', first.lower())}.inquiry{index}.{site.slug}@example.org",
        preferred_contact=rng.choice(list(ContactMethod)),
        addictions=[str(item) for item in addictions],
        addiction_other="Video games (synthetic)" if Addiction.OTHER in addictions else "",
        prior_treatment=rng.choice(
            [
                "",
                "Outpatient counselling two years ago (synthetic).",
                "30-day residential stay (synthetic).",
            ]
        ),
        high_blood_pressure=rng.choice(_ANSWERS),
        psychosis_history=rng.choice(_ANSWERS),
        pregnancy=rng.choice(_ANSWERS),
        prior_ketamine_misuse=rng.choice(_ANSWERS),
        crisis_reported=urgent,
        is_urgent=urgent,
        received_at=now - age,
    )


def _target_status(index: int) -> InquiryStatus:
    return _STATUS_CYCLE[index % len(_STATUS_CYCLE)]


def _triage_user(site: Site, actor: User | None) -> User | None:
    """Who moves this site's inquiries along: `actor` if they work there, else its staff."""
    candidates = [actor] if actor is not None else []
    candidates += list(User.objects.filter(sites=site, is_active=True).order_by("username"))
    for user in candidates:
        allowed = user.has_role_perm(Perm.INQUIRY_MANAGE) and user.has_role_perm(
            Perm.PATIENT_CREATE
        )
        if allowed and site.pk in user.site_ids:
            return user
    return None


def _convert(inquiry: Inquiry, staff: User) -> None:
    """Register the person; if they turn out to be a patient already, attach instead."""
    try:
        services.inquiry_convert_to_patient(actor=staff, inquiry=inquiry)
    except services.DuplicatePatientError as error:
        patient_id = error.candidates[0].patient.pk
        services.inquiry_attach_to_patient(actor=staff, inquiry=inquiry, patient_id=patient_id)


def _triage(batch: list[Inquiry], staff: User) -> None:
    for index, inquiry in enumerate(batch):
        target = _target_status(index)
        for status, note in _PATHS[target]:
            services.inquiry_status_change(actor=staff, inquiry=inquiry, status=status, note=note)
        if target == InquiryStatus.EVALUATION_BOOKED:
            _convert(inquiry, staff)


def seed_inquiries(
    *, sites: list[Site], seed: int, count_per_site: int = 12, actor: User | None = None
) -> list[Inquiry]:
    """Inquiries at each site in every status, some urgent, the booked ones made patients.

    Status changes and conversions go through the services, acting as `actor` where they
    work at the site, otherwise as the first staff member there who may triage and register
    patients; a site without such a person keeps its inquiries new.
    """
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)  # noqa: S311  # synthetic data, not security
    now = timezone.now()
    created: list[Inquiry] = []
    for site in sites:
        with transaction.atomic():
            batch = [_fake_inquiry(fake, rng, site, index, now) for index in range(count_per_site)]
            for inquiry in batch:
                inquiry.full_clean()
                inquiry.save()
            audit_record(
                actor=None,
                actor_username="ketaclinic seed",
                action=Action.CREATE,
                site=site,
                target_type="inquiry_batch",
                detail=f"{len(batch)} synthetic inquiries seeded with seed {seed}",
            )
        staff = _triage_user(site, actor)
        if staff is not None:
            _triage(batch, staff)
        created += batch
    return created

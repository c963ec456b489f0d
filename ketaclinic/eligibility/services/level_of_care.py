"""Level of care (ASAM, DOMAIN.md §5): rate six dimensions, recommend, the clinician decides.

The recommendation comes from the clinic's mapping (data); for 3.7 or 4 it says "refer to
in-patient care" and a Referral can be recorded. The clinician may choose another level, with
a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFoundError
from ketaclinic.eligibility.choices import AsamLevel, ReferralStatus
from ketaclinic.eligibility.models import (
    LevelOfCareAssessment,
    LevelOfCareMapping,
    Referral,
    ReferralStatusChange,
)
from ketaclinic.eligibility.rules import DIMENSIONS, LevelRecommendation
from ketaclinic.eligibility.selectors import level_of_care_recommend
from ketaclinic.eligibility.services._common import guard, lock_patient, next_version, refuse
from ketaclinic.patients.models import Patient

_ONLY_ASSESSORS = "Only a physician or therapist can assess level of care and refer."


@dataclass(frozen=True)
class DimensionRating:
    rating: int
    note: str = ""


def _check_ratings(ratings: Mapping[str, DimensionRating]) -> None:
    errors = {
        f"{d.key}_rating": f"Rate {d.label} from 0 to 4."
        for d in DIMENSIONS
        if d.key not in ratings or ratings[d.key].rating not in range(5)
    }
    if errors:
        raise refuse("Rate all six dimensions from 0 to 4.", **errors)


def _recommend(
    ratings: Mapping[str, DimensionRating], decided_level: AsamLevel, reason: str
) -> tuple[LevelOfCareMapping, LevelRecommendation]:
    """The mapping's advice; choosing another level needs the clinician's reason."""
    _check_ratings(ratings)
    mapping, recommended = level_of_care_recommend(
        ratings={key: value.rating for key, value in ratings.items()}
    )
    if decided_level not in recommended.levels and not reason:
        levels = " or ".join(recommended.levels)
        raise refuse(
            f"You chose level {decided_level.value} but the recommendation is {levels}: write "
            "why you disagree, or choose a recommended level.",
            disagreement_reason="Say why you chose a different level.",
        )
    return mapping, recommended


def level_of_care_assess(
    *,
    actor: User,
    patient: Patient,
    ratings: Mapping[str, DimensionRating],
    decided_level: AsamLevel,
    disagreement_reason: str = "",
) -> LevelOfCareAssessment:
    guard(
        actor=actor,
        patient=patient,
        perm=Perm.LEVEL_OF_CARE_ASSESS,
        target_type="level_of_care_assessment",
        message=_ONLY_ASSESSORS,
    )
    reason = disagreement_reason.strip()
    mapping, recommended = _recommend(ratings, decided_level, reason)
    with transaction.atomic():
        lock_patient(patient)
        assessment = LevelOfCareAssessment(
            patient=patient,
            version=next_version(patient.level_of_care_assessments.all()),
            supersedes=patient.level_of_care_assessments.order_by("-version").first(),
            mapping=mapping,
            mapping_code=mapping.code,
            recommended_levels=[level.value for level in recommended.levels],
            recommendation=recommended.text,
            refer_inpatient_recommended=recommended.refer_inpatient,
            decided_level=decided_level,
            disagreement_reason=reason,
            assessed_by=actor,
            assessed_at=timezone.now(),
        )
        for d in DIMENSIONS:
            setattr(assessment, f"{d.key}_rating", ratings[d.key].rating)
            setattr(assessment, f"{d.key}_note", ratings[d.key].note.strip())
        assessment.full_clean()
        assessment.save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            target_type="level_of_care_assessment",
            target_id=assessment.pk,
            detail=f"version {assessment.version}; recommended {'/'.join(recommended.levels)}; "
            f"decided {decided_level.value}",
        )
        return assessment


def referral_create(
    *,
    actor: User,
    patient: Patient,
    destination: str,
    referred_on: dt.date,
    status: ReferralStatus = ReferralStatus.PLANNED,
    notes: str = "",
    assessment_id: int | None = None,
) -> Referral:
    guard(
        actor=actor,
        patient=patient,
        perm=Perm.LEVEL_OF_CARE_ASSESS,
        target_type="referral",
        message=_ONLY_ASSESSORS,
    )
    with transaction.atomic():
        lock_patient(patient)
        assessment = None
        if assessment_id is not None:
            assessment = patient.level_of_care_assessments.filter(pk=assessment_id).first()
            if assessment is None:
                raise NotFoundError("No level-of-care assessment with that id for this patient.")
        if not destination.strip():
            raise refuse("Say where the patient is referred to.", destination="Required.")
        now = timezone.now()
        referral = Referral(
            patient=patient,
            assessment=assessment,
            destination=destination.strip(),
            referred_on=referred_on,
            status=status,
            notes=notes.strip(),
            created_by=actor,
            created_at=now,
        )
        referral.full_clean()
        referral.save()
        change = ReferralStatusChange(
            referral=referral, to_status=status, note="created", changed_by=actor, changed_at=now
        )
        change.full_clean()
        change.save()
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            target_type="referral",
            target_id=referral.pk,
            detail=f"status {status.value}",
        )
        return referral


def referral_status_set(
    *, actor: User, patient: Patient, referral_id: int, status: ReferralStatus, note: str = ""
) -> Referral:
    """Move a referral on (sent, accepted, declined, completed); each change is kept."""
    guard(
        actor=actor,
        patient=patient,
        perm=Perm.LEVEL_OF_CARE_ASSESS,
        target_type="referral",
        message=_ONLY_ASSESSORS,
    )
    with transaction.atomic():
        lock_patient(patient)
        referral = patient.eligibility_referrals.filter(pk=referral_id).first()
        if referral is None:
            raise NotFoundError("No referral with that id for this patient.")
        if referral.status == status:
            raise refuse(
                f"The referral is already {status.label.lower()}.", status="Choose another."
            )
        change = ReferralStatusChange(
            referral=referral,
            from_status=referral.status,
            to_status=status,
            note=note.strip(),
            changed_by=actor,
            changed_at=timezone.now(),
        )
        change.full_clean()
        change.save()
        referral.status = status
        referral.full_clean()
        referral.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            patient=patient,
            target_type="referral",
            target_id=referral.pk,
            detail=f"status {change.from_status} -> {status.value}",
        )
        return referral

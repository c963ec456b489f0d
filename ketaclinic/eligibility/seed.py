"""Demo stages for synthetic patients, written through the real services (so audited).

The lead's `ketaclinic seed` calls these with a demo physician who works at the patient's
site. Each is deterministic for a given `seed`; notes are clearly synthetic.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.eligibility import services
from ketaclinic.eligibility.catalogue import catalogue_install
from ketaclinic.eligibility.choices import (
    Answer,
    AsamLevel,
    EligibilityOutcome,
    FamilyHistory,
    PriorKetamineUse,
    ReferralStatus,
    Substance,
)
from ketaclinic.eligibility.models import (
    ContraindicationDefinition,
    LevelOfCareMapping,
    RiskRuleSet,
)
from ketaclinic.eligibility.rules import DIMENSIONS, RiskFacts
from ketaclinic.eligibility.selectors import active_definitions, level_of_care_recommend
from ketaclinic.patients.models import Patient

_NOTE = "(synthetic demo note)"
# Relative items a demo patient may have, for variety; none of them blocks eligibility.
_RELATIVE_CHOICES = ("heavy_sedative_opioid_use", "heavy_psychostimulant_use", "hepatic_disease")
_SUBSTANCES = (Substance.ALCOHOL, Substance.OPIOIDS, Substance.STIMULANTS)


def _rng(seed: int, patient: Patient) -> random.Random:
    return random.Random(f"{seed}-{patient.pk}")  # noqa: S311  # demo variety, not security


def seed_configuration() -> None:
    """The checklist and example rules (the migration installs them; this repairs a flush)."""
    catalogue_install(
        definition_model=ContraindicationDefinition,
        rule_model=RiskRuleSet,
        mapping_model=LevelOfCareMapping,
    )


def _screen(patient: Patient, physician: User, present: set[str]) -> None:
    answers = [
        services.ScreenAnswer(d.code, Answer.PRESENT if d.code in present else Answer.ABSENT)
        for d in active_definitions()
    ]
    services.contraindication_screen_record(
        actor=physician, patient=patient, answers=answers, note=_NOTE
    )


def _level_of_care(
    patient: Patient, physician: User, ratings: list[int], wanted: AsamLevel | None = None
) -> None:
    """Take the recommended level (or `wanted`, with a reason if the mapping disagrees)."""
    by_key = dict(zip((d.key for d in DIMENSIONS), ratings, strict=True))
    _mapping, recommended = level_of_care_recommend(ratings=by_key)
    level = wanted or recommended.levels[0]
    services.level_of_care_assess(
        actor=physician,
        patient=patient,
        ratings={key: services.DimensionRating(value, _NOTE) for key, value in by_key.items()},
        decided_level=level,
        disagreement_reason="" if level in recommended.levels else f"Clinical judgement {_NOTE}",
    )


def seed_evaluated(patient: Patient, physician: User, seed: int) -> None:
    """Screened (one relative item at most), outpatient level of care, decided eligible."""
    rng = _rng(seed, patient)
    relative = {rng.choice(_RELATIVE_CHOICES)} if rng.random() < 0.5 else set()
    _screen(patient, physician, relative)
    _level_of_care(patient, physician, [rng.randint(0, 1) for _ in DIMENSIONS])
    services.eligibility_decide(
        actor=physician,
        patient=patient,
        outcome=EligibilityOutcome.ELIGIBLE,
        reasoning=f"No absolute contraindication; relative items weighed and accepted {_NOTE}.",
    )


def seed_not_eligible(patient: Patient, physician: User, seed: int) -> None:
    """An absolute contraindication (uncontrolled hypertension) present: not eligible."""
    _screen(patient, physician, {"uncontrolled_hypertension"})
    services.eligibility_decide(
        actor=physician,
        patient=patient,
        outcome=EligibilityOutcome.NOT_ELIGIBLE,
        reasoning=f"Uncontrolled hypertension: refer to primary care to treat first {_NOTE}.",
    )


def seed_referred_inpatient(patient: Patient, physician: User, seed: int) -> None:
    """Severe withdrawal risk: mapping recommends 3.7 or 4, referral sent, refer elsewhere."""
    rng = _rng(seed, patient)
    _screen(patient, physician, set())
    ratings = [4, rng.randint(1, 3), rng.randint(1, 3), 2, 3, rng.randint(1, 3)]
    _level_of_care(patient, physician, ratings, AsamLevel.MEDICALLY_MONITORED)
    assessment = patient.level_of_care_assessments.order_by("-version").first()
    services.referral_create(
        actor=physician,
        patient=patient,
        destination="Example Medical Detox Unit (synthetic)",
        referred_on=timezone.localdate() - dt.timedelta(days=rng.randint(1, 14)),
        status=ReferralStatus.SENT,
        notes=_NOTE,
        assessment_id=assessment.pk if assessment else None,
    )
    services.eligibility_decide(
        actor=physician,
        patient=patient,
        outcome=EligibilityOutcome.REFER_ELSEWHERE,
        reasoning=f"In-patient care first (level 3.7); reassess after discharge {_NOTE}.",
    )


def seed_eligible_with_risk_benefit(patient: Patient, physician: User, seed: int) -> None:
    """Evaluated, then a signed and acknowledged risk-benefit assessment."""
    seed_evaluated(patient, physician, seed)
    rng = _rng(seed, patient)
    facts = RiskFacts(
        prior_ketamine_use=rng.choice([PriorKetamineUse.NEVER, PriorKetamineUse.PAST]),
        family_history=rng.choice(list(FamilyHistory)),
        little_support=rng.random() < 0.3,
        peers_who_use=rng.random() < 0.3,
        current_substances=(rng.choice(_SUBSTANCES),),
    )
    assessment = services.risk_benefit_record(
        actor=physician,
        patient=patient,
        facts=facts,
        benefits_discussed=f"Reduced craving and relapse risk discussed {_NOTE}.",
        monitoring_plan=f"Urine drug screen before each infusion {_NOTE}.",
    )
    services.risk_benefit_sign(
        actor=physician,
        patient=patient,
        assessment_id=assessment.pk,
        signature_name=physician.get_full_name() or physician.username,
        patient_name=f"{patient.first_name} {patient.last_name}",
    )

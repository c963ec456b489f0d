from __future__ import annotations

from collections import Counter

from ketaclinic.eligibility.models import EligibilityDecision, Referral
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.intake.models import Inquiry, InquiryStatus
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import SafetyAlert
from ketaclinic.seed import STAGE_COUNTS, seed_all


def test_demo_seed_has_patients_at_every_stage_and_inquiries_in_every_status(db):
    """Given an empty database, when the demo data is seeded, then each site has the staged
    patients (ready, not eligible, referred, evaluated) and inquiries in every status."""
    summary = seed_all(patients=60, seed=11)

    assert summary == (
        "Seeded 2 sites, demo staff and 60 synthetic patients (32 brought along the intake "
        "journey, 1668 questionnaire responses) and 24 inquiries (seed 11)."
    )
    ready = Counter(
        p.site.slug
        for p in Patient.objects.select_related("site")
        if patient_readiness(patient=p).ready
    )
    assert ready == {"boston": STAGE_COUNTS["ready"], "west-hartford": STAGE_COUNTS["ready"]}
    outcomes = Counter(EligibilityDecision.objects.values_list("outcome", flat=True))
    assert outcomes["not_eligible"] == 2 * STAGE_COUNTS["not_eligible"]
    assert outcomes["refer_elsewhere"] == 2 * STAGE_COUNTS["referred_inpatient"]
    assert Referral.objects.count() == 2 * STAGE_COUNTS["referred_inpatient"]
    statuses = set(Inquiry.objects.values_list("status", flat=True))
    assert statuses == set(InquiryStatus.values)
    assert Inquiry.objects.filter(is_urgent=True).exists()
    open_alerts = SafetyAlert.objects.filter(acknowledged_at__isnull=True)
    assert open_alerts.count() == 4  # the last two trajectory patients at each site

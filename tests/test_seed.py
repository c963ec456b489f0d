from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.eligibility.models import EligibilityDecision, Referral
from ketaclinic.eligibility.readiness import patient_readiness
from ketaclinic.infusions.models import Infusion
from ketaclinic.intake.models import Inquiry, InquiryStatus
from ketaclinic.inventory.models import LedgerEntry
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import SafetyAlert
from ketaclinic.seed import STAGE_COUNTS, seed_all
from ketaclinic.therapy.models import IntegrationSession
from ketaclinic.treatment_seed import refresh_live_infusion


def test_demo_seed_has_patients_at_every_stage_and_inquiries_in_every_status(db):
    """Given an empty database, when the demo data is seeded, then each site has the staged
    patients (ready, not eligible, referred, evaluated) and inquiries in every status."""
    summary = seed_all(patients=60, seed=11)

    assert summary == (
        "Seeded 2 sites, demo staff and 60 synthetic patients (46 brought along the intake "
        "journey, 2396 questionnaire responses, 24 infusions), 72 register entries and "
        "24 inquiries (seed 11); daily recovery records for 12 patients (0 with a past year "
        "of synthetic treatment history: 0 infusions)."
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


def test_demo_seed_has_courses_in_every_state_and_a_live_chair_board(db):
    """Given an empty database, when the demo data is seeded, then courses exist in every
    status, KARE courses are complete with signed integrations, one infusion is running now,
    one is paused after a hypertension alert, one integration is overdue, and each infusion
    drew its dose from the ketamine register; a demo restart keeps an infusion running."""
    seed_all(patients=60, seed=11)

    statuses = Counter(TreatmentCourse.objects.values_list("status", flat=True))
    assert statuses == {
        "completed": 7,
        "active": 5,
        "paused": 1,
        "discontinued": 1,
        "planned": 2,
    }
    infusions = Counter(Infusion.objects.values_list("status", flat=True))
    assert infusions == {"signed": 22, "running": 1, "paused": 1, "scheduled": 2}
    paused = Infusion.objects.get(status="paused")
    assert list(paused.alerts.values_list("action", flat=True).order_by("action")) == [
        "call_physician",
        "pause_infusion",
    ]
    overdue = IntegrationSession.objects.filter(status="draft", due_at__lt=timezone.now())
    assert overdue.count() == 1
    signed = Infusion.objects.filter(status="signed")
    drawn = LedgerEntry.objects.filter(kind="administration", infusion__in=signed)
    assert drawn.count() == 22
    # The history reads in order: enrolled, preparation signed and course started before
    # the first infusion started.
    for course in TreatmentCourse.objects.filter(infusions__started_at__isnull=False).distinct():
        first = course.infusions.exclude(started_at=None).order_by("started_at").first()
        assert first is not None
        assert first.started_at is not None
        prepared = course.preparations.get().signed_at
        started = course.status_changes.get(to_status="active").changed_at
        assert prepared is not None
        assert course.enrolled_at < prepared < started < first.started_at

    # A demo restart long after loading (its running infusion started five hours back)
    # starts a new live infusion for a ready patient without a course; a second restart
    # leaves it alone.
    assert refresh_live_infusion() == "An infusion is already running on the Boston chair board."
    old = Infusion.objects.get(status="running")
    five_hours_ago = timezone.now() - dt.timedelta(hours=5)
    Infusion.objects.filter(pk=old.pk).update(started_at=five_hours_ago)

    message = refresh_live_infusion()

    live = Infusion.objects.filter(status="running").exclude(pk=old.pk).get()
    assert message == (
        f"Started a live demo infusion for {live.patient.mrn} on the Boston chair board."
    )
    assert (live.site.slug, live.session_number) == ("boston", 1)
    assert live.started_at is not None
    started_minutes_ago = (timezone.now() - live.started_at).total_seconds() / 60
    assert 25 <= started_minutes_ago < 27
    assert refresh_live_infusion() == "An infusion is already running on the Boston chair board."

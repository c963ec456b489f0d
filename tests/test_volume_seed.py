"""The bulk volume behind the outcome benchmark (issue 7 item 7), in small mode."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
from click.testing import CliRunner
from django.db import connection
from django.utils import timezone

from ketaclinic.audit.models import AuditEvent
from ketaclinic.cli import main
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.infusions.models import Infusion
from ketaclinic.patients.models import AddictionTarget, Patient
from ketaclinic.recovery.models import DailyRecord, TargetOutcome
from ketaclinic.recovery.seed import Subject, daily_rows_write, simulate
from ketaclinic.volume_seed import MARKER, seed_volume_database
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory


def test_volume_seed_small_mode_writes_exact_counts(db):
    """Given an empty database, when 20 patients with 60 days of records are seeded, then the
    counts are exact for the seed, every patient has a course and every target an outcome,
    the records stop yesterday, and an audit row records the parameters."""
    summary = seed_volume_database(patients=20, days=60, seed=5)

    counts = (summary.patients, summary.courses, summary.infusions, summary.responses)
    assert counts == (20, 30, 64, 64)
    assert summary.daily_records == DailyRecord.objects.count() == 2058
    assert summary.targets_computed == TargetOutcome.objects.count() == 26
    assert Counter(DailyRecord.objects.values_list("source", flat=True)) == {
        "self_report": 2018,
        "breathalyser": 17,
        "interview": 14,
        "urine_test": 7,
        "etg": 2,
    }
    assert Counter(TreatmentCourse.objects.values_list("kind", "status")) == {
        ("initial", "completed"): 19,
        ("booster", "completed"): 10,
        ("initial", "discontinued"): 1,
    }
    assert Infusion.objects.filter(status="signed").count() == 64
    assert not Patient.objects.exclude(treatment_courses__isnull=False).exists()
    assert AddictionTarget.objects.count() == 26
    today = timezone.localdate()
    last = DailyRecord.objects.order_by("-day").values_list("day", flat=True).first()
    first = DailyRecord.objects.order_by("day").values_list("day", flat=True).first()
    assert last == today - dt.timedelta(days=1)
    assert first is not None
    assert today - dt.timedelta(days=60 + 14 + 28) <= first <= today - dt.timedelta(days=74)
    marker = AuditEvent.objects.get(target_type=MARKER)
    assert marker.detail == "patients=20 days=60 seed=5"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_the_same_rows_as_bulk_create(db, boston, physician):
    """Given one simulated target, when its rows are written with COPY and, for a second
    target, with bulk_create, then both read back the same."""
    patient = PatientFactory(site=boston, mrn="BOS000777", sex="male")
    first = AddictionTargetFactory(patient=patient, recorded_by=physician)
    second = AddictionTargetFactory(
        patient=patient, recorded_by=physician, target="cannabis", unit="use_episodes"
    )
    today = timezone.localdate()
    subject = Subject(
        key="BOS000777:alcohol",
        patient_id=patient.pk,
        target_id=first.pk,
        target="alcohol",
        unit="standard_drinks",
        sex="male",
        first_day=today - dt.timedelta(days=40),
        records_from=today - dt.timedelta(days=60),
        records_to=today - dt.timedelta(days=1),
        relapse_offset=10.0,
        hazard=1.0,
        meq_percent=50.0,
        infusion_days=(today - dt.timedelta(days=40),),
        reporter_id=physician.pk,
        nurse_id=physician.pk,
        therapist_id=physician.pk,
        zone=zoneinfo.ZoneInfo("America/New_York"),
    )
    rows = simulate(subject, 3)

    copied = daily_rows_write(rows, use_copy=True)
    bulk = daily_rows_write([r._replace(target_id=second.pk) for r in rows], use_copy=False)

    fields = ["day", "source", "used", "quantity", "unit", "craving", "mood", "triggers"]
    fields += ["trigger_note", "note", "recall_lag_days", "recorded_by", "recorded_at"]
    read = {
        t: list(DailyRecord.objects.filter(target=t).order_by("day", "source").values(*fields))
        for t in (first, second)
    }
    assert copied == bulk == len(rows)
    assert read[first] == read[second]
    assert any(r["triggers"] for r in read[first])


def test_seed_command_adds_the_recovery_volume(db, settings):
    """Given an empty database, when `ketaclinic seed --patients 60 --recovery-days 30` runs,
    then the demo is seeded and the 14 new patients outside the demo journey who have an
    addiction target get a treatment history and daily records, with their outcomes."""
    settings.LOGGING_CONFIG = None  # the command's django.setup() keeps pytest's logging

    result = CliRunner().invoke(
        main, ["seed", "--patients", "60", "--recovery-days", "30", "--seed", "3"]
    )

    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Recovery volume: 14 patients, ")
    volume = Patient.objects.filter(treatment_courses__infusions__lot_number="SYNTH-HISTORY")
    assert volume.distinct().count() == 14
    assert AuditEvent.objects.get(target_type=MARKER).detail == "patients=14 days=30 seed=3"
    assert not TargetOutcome.objects.filter(target__patient__in=volume, days_observed=0).exists()

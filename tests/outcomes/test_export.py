"""The de-identified research export: its tables, days instead of dates, no identifier in any
cell, the data dictionary, who may run it, and the audit row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import PermissionDeniedError
from ketaclinic.outcomes.export import DICTIONARY, TABLES
from ketaclinic.outcomes.queries import CohortFilters
from ketaclinic.outcomes.services import research_export_create
from ketaclinic.patients.models import Patient, Sex, Target
from ketaclinic.recovery.models import (
    EventKind,
    RecoveryEvent,
    RecoveryRule,
    RelapseRuleKind,
    Source,
    Trigger,
)
from tests.outcomes.factories import START, Built, build_subject, daily

DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{8}T?")
FILES = [f"{table}.csv" for table in TABLES] + ["data_dictionary.csv"]


def read_zip(data: bytes) -> dict[str, list[dict[str, str]]]:
    """Every CSV of the archive, parsed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == FILES
        return {
            name.removesuffix(".csv"): list(csv.DictReader(io.TextIOWrapper(archive.open(name))))
            for name in archive.namelist()
        }


def identifiers(patients: list[Patient]) -> list[str]:
    """What must not appear in any cell: names, MRNs, contact details, addresses, birth dates."""
    values = []
    for p in patients:
        values += [p.first_name, p.last_name, p.mrn, p.email, p.phone, p.address]
        values.append(p.date_of_birth.isoformat())
    return [v for v in values if v]


def assert_no_identifiers(
    tables: dict[str, list[dict[str, str]]], patients: list[Patient], *free_text: str
) -> None:
    forbidden = identifiers(patients) + list(free_text)
    for name, rows in tables.items():
        for row in rows:
            for column, cell in row.items():
                assert not DATE.search(cell), f"{name}.{column} looks like a date: {cell!r}"
                for value in forbidden:
                    assert value.lower() not in cell.lower(), f"{name}.{column}: {cell!r}"


def _event(built: Built, kind: EventKind, offset: int) -> None:
    rule, _ = RecoveryRule.objects.get_or_create(
        site=built.patient.site,
        target=built.target.target,
        version=1,
        defaults={"relapse_kind": RelapseRuleKind.ANY_USE, "created_at": timezone.now()},
    )
    RecoveryEvent.objects.create(
        patient=built.patient,
        target=built.target,
        kind=kind,
        day=START + dt.timedelta(days=offset),
        rule=rule,
        detected_at=timezone.now(),
    )


@pytest.fixture
def exported(physician: User, boston: Site, west_hartford: Site) -> dict[str, object]:
    """A 94-year-old Boston woman (alcohol: infusions on days 0 and 7, MEQ-30 on day 0, daily
    records, a lapse), a Boston man of 43 with two targets (alcohol, gambling) and a West
    Hartford patient."""
    oldest = build_subject(
        site=boston, by=physician, duration_days=60, relapsed=True,
        born=dt.date(1930, 1, 1), doses_mg_per_kg=[Decimal("0.5"), Decimal("0.7")],
        on_time=[True, False], meq_answer=4, first_name="Marigold", last_name="Quillfeather",
        mrn="MRN-778899", address="12 Elm Street, Springfield, MA 01101",
        phone="(617) 555-0142", email="marigold.q@example.org",
    )  # fmt: skip
    daily(oldest, physician, -1, craving=7)
    record = daily(oldest, physician, 3, used=True, craving=9)
    record.triggers = [Trigger.STRESS, "my brother Tom on 2024-03-04"]
    record.trigger_note = "Argument with Tom at 12 Elm Street"
    record.note = "Marigold felt awful"
    record.save()
    daily(oldest, physician, 4, source=Source.INTERVIEW)
    _event(oldest, EventKind.LAPSE, 3)
    man = build_subject(
        site=boston, by=physician, duration_days=30, sex=Sex.MALE, born=dt.date(1980, 5, 17),
        first_name="Barnaby", last_name="Thistlewood", mrn="MRN-112233",
    )  # fmt: skip
    gambling = build_subject(
        site=boston, by=physician, duration_days=20, target=Target.GAMBLING,
        patient=man.patient, protocol=None, start=START + dt.timedelta(days=5),
    )  # fmt: skip
    daily(gambling, physician, 2)
    elsewhere = build_subject(
        site=west_hartford, by=physician, duration_days=10, first_name="Wilhelmina",
        last_name="Farwest", mrn="MRN-445566",
    )  # fmt: skip
    return {"oldest": oldest, "man": man, "gambling": gambling, "elsewhere": elsewhere}


def test_the_export_holds_coded_values_and_days_but_no_identifier(
    make_user: Callable[..., User], boston: Site, exported: dict[str, Built]
) -> None:
    """Given the patients above,
    when a Boston researcher exports,
    then the ZIP holds the five tables and the dictionary; no cell is a date, a name, an MRN,
    a contact detail, an address or free text; days count from each patient's
    day 0; ages over 89 read 90+; the site is a coded label; only Boston patients are in it."""
    researcher = make_user(Role.RESEARCHER, boston)

    archive = research_export_create(user=researcher, filters=CohortFilters())
    tables = read_zip(archive.file.read())

    patients = [b.patient for b in exported.values()]
    assert_no_identifiers(tables, patients, "Tom", "Elm Street", "awful", "Argument")
    subjects = tables["subjects"]
    assert len(subjects) == 3  # two Boston patients, three targets; no West Hartford
    by_age = {row["age_band"]: row for row in subjects if row["target"] == "alcohol"}
    old, man = by_age["90+"], by_age["43"]
    assert re.fullmatch(r"S\d{4}", old["study_id"])
    assert old["study_id"] != man["study_id"]
    assert {k: old[k] for k in ("target_no", "site", "sex", "protocol", "start_day")} == {
        "target_no": "1", "site": "Site A", "sex": "female", "protocol": "kare-2022",
        "start_day": "0",
    }  # fmt: skip
    assert (old["relapse_day"], old["last_observed_day"], old["dropped_out"]) == ("60", "60", "no")
    assert (old["meq30_mean_pct"], old["complete_mystical"]) == ("80.00", "yes")
    assert (old["signed_infusions"], old["mean_dose_mg_per_kg"]) == ("2", "0.600")
    assert old["integration_adherence_pct"] == "50.0"
    gambling = next(row for row in subjects if row["target"] == "gambling")
    assert (gambling["study_id"], gambling["target_no"]) == (man["study_id"], "2")
    assert (gambling["start_day"], gambling["last_observed_day"], gambling["protocol"]) == (
        "5", "25", "kare-2022",
    )  # fmt: skip  # the man's course names no target, so it covers both

    infusions = tables["infusions"]
    assert [(r["study_id"], r["session_number"], r["day"], r["status"]) for r in infusions] == [
        (old["study_id"], "1", "0", "signed"),
        (old["study_id"], "2", "7", "signed"),
    ]
    assert [(r["administered_mg_per_kg"], r["integration_on_time"]) for r in infusions] == [
        ("0.500", "yes"),
        ("0.700", "no"),
    ]
    records = [r for r in tables["daily_records"] if r["study_id"] == old["study_id"]]
    assert [(r["day"], r["source"], r["used"], r["craving"], r["triggers"]) for r in records] == [
        ("-1", "self_report", "no", "7", ""),
        ("3", "self_report", "yes", "9", "stress"),
        ("4", "interview", "no", "", ""),
    ]
    assert [(r["study_id"], r["target_no"], r["day"]) for r in tables["daily_records"][3:]] == [
        (man["study_id"], "2", "7")
    ]
    (score,) = tables["questionnaire_scores"]
    assert {k: score[k] for k in ("study_id", "day", "instrument", "total", "flags")} == {
        "study_id": old["study_id"], "day": "0", "instrument": "meq30", "total": "4.00",
        "flags": "complete_mystical_experience",
    }  # fmt: skip
    assert tables["events"] == [
        {"study_id": old["study_id"], "target_no": "1", "kind": "lapse", "day": "3"}
    ]
    assert archive.counts == {
        "subjects": 3, "infusions": 2, "daily_records": 4, "questionnaire_scores": 1, "events": 1,
    }  # fmt: skip


def test_the_data_dictionary_describes_every_column(
    compliance: User, exported: dict[str, Built]
) -> None:
    """Given an export by the compliance officer,
    when the dictionary is read,
    then every column of every table has exactly one description, and nothing else."""
    tables = read_zip(research_export_create(user=compliance, filters=CohortFilters()).file.read())

    described = [(row["table"], row["column"]) for row in tables["data_dictionary"]]
    columns = [(name, column) for name in TABLES for column in tables[name][0]]
    assert described == columns
    assert all(row["description"] for row in tables["data_dictionary"])
    assert len(DICTIONARY) == len(described)


def test_every_export_is_audited_with_its_filters_and_row_counts(
    make_user: Callable[..., User], boston: Site, exported: dict[str, Built]
) -> None:
    """Given the patients above,
    when a researcher exports the alcohol subjects,
    then one export row names the filters and the rows per table, with no patient."""
    researcher = make_user(Role.RESEARCHER, boston)

    research_export_create(user=researcher, filters=CohortFilters(target=Target.ALCOHOL))

    event = AuditEvent.objects.get(actor=researcher, action=Action.EXPORT)
    assert (event.target_type, event.patient_id, event.outcome) == (
        "research_export",
        None,
        Outcome.SUCCESS,
    )
    assert event.detail == (
        "de-identified zip; sites=all protocol=any target=alcohol enrolled=.. group=none "
        "dropout_as_relapse=no; rows subjects=2 infusions=2 daily_records=3 "
        "questionnaire_scores=1 events=1"
    )


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.NURSE, Role.CLINIC_ADMIN])
def test_roles_other_than_researcher_and_compliance_may_not_export(
    make_user: Callable[..., User], boston: Site, exported: dict[str, Built], role: Role
) -> None:
    """Given the patients above,
    when a physician, nurse or clinic admin asks for the export,
    then it is refused, the refusal is audited and no export row is written."""
    user = make_user(role, boston)

    with pytest.raises(PermissionDeniedError, match="Only researchers and compliance officers"):
        research_export_create(user=user, filters=CohortFilters())

    assert [(e.action, e.target_type) for e in AuditEvent.objects.filter(actor=user)] == [
        (Action.ACCESS_DENIED, "research_export")
    ]
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()

"""The de-identified research export (issue 7 item 8): a ZIP of CSV files, one per table,
with a data dictionary, under HIPAA Safe Harbor (45 CFR 164.514(b)(2)).

What makes it safe, table by table:
- the subject is a random study id made for this export (`deidentify.study_ids`), never the
  database id or the MRN; two exports cannot be joined on it;
- no name, contact detail, address, MRN, free text (notes, typed triggers, interpretations,
  reasons) or calendar date: every day is a whole number of days from the patient's day 0
  (the earliest start day of the exported targets: the first infusion, or the quit date when
  there was none), and times are turned into days in the site's time zone first;
- age at day 0 in whole years, 90 and over as "90+" (`deidentify.age_band`);
- the site as a coded label ("Site A") and only coded values elsewhere (targets, sources,
  units, instrument codes, flags).

The archive is written to a spooled temporary file: in memory up to `MEMORY_BYTES`, on disk
beyond, so a 10,000-patient export does not hold millions of rows in memory. The daily
records are read in chunks with an iterator.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from ketaclinic.infusions.models import Infusion
from ketaclinic.outcomes import queries
from ketaclinic.outcomes.deidentify import age_band, age_on, study_ids
from ketaclinic.outcomes.queries import CohortFilters
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.recovery.models import DailyRecord, RecoveryEvent, Trigger
from ketaclinic.therapy.models import NoteStatus

MEMORY_BYTES = 16 * 1024 * 1024
CHUNK_ROWS = 5000
FILENAME = "ketaclinic-research-export.zip"

DAY_NOTE = "whole days from the patient's day 0 (negative before it); no calendar dates"

# (table, column, description): the data dictionary, and the header of each table.
DICTIONARY: tuple[tuple[str, str, str], ...] = (
    ("subjects", "study_id", "Random id of the patient, made for this export only"),
    ("subjects", "target_no", "Number of the addiction target within the patient (1, 2, ...)"),
    ("subjects", "target", "Addiction target code (alcohol, opioids, gambling, ...)"),
    ("subjects", "site", "Clinic site as a coded label (Site A, Site B, ...)"),
    ("subjects", "sex", "Recorded sex: female, male, intersex or unknown"),
    ("subjects", "age_band", "Age in whole years at day 0; 90 and over as 90+"),
    ("subjects", "protocol", "Protocol code of the first treatment course; empty: none"),
    ("subjects", "start_day", f"Day 0 of time to relapse for this target, {DAY_NOTE}"),
    ("subjects", "last_observed_day", f"Last day with a record, {DAY_NOTE}"),
    ("subjects", "days_observed", "Days with a record from the start day to the last one"),
    ("subjects", "days_abstinent", "Observed days without use"),
    ("subjects", "days_used", "Observed days with use"),
    ("subjects", "heavy_days", "Days at or above the heavy-use threshold of the clinic rule"),
    ("subjects", "first_lapse_day", f"First use after the start day, {DAY_NOTE}; empty: none"),
    ("subjects", "relapse_day", f"Relapse under the clinic rule, {DAY_NOTE}; empty: none"),
    ("subjects", "dropped_out", "yes: no record for 30 days and not discharged well"),
    ("subjects", "meq30_mean_pct", "Mean MEQ-30 total as % of maximum; empty: no MEQ-30"),
    ("subjects", "complete_mystical", "yes: at least one MEQ-30 with every subscale >= 60 %"),
    ("subjects", "signed_infusions", "Number of signed infusions of the patient"),
    ("subjects", "mean_dose_mg_per_kg", "Mean ketamine dose over signed infusions, mg/kg"),
    ("subjects", "integration_adherence_pct", "% of signed infusions integrated on time"),
    ("infusions", "study_id", "Random id of the patient (as in subjects)"),
    ("infusions", "session_number", "Session number within the treatment course"),
    ("infusions", "day", f"Day of the infusion, {DAY_NOTE}"),
    ("infusions", "status", "scheduled, running, paused, ended, discharged, signed, cancelled"),
    ("infusions", "planned_mg_per_kg", "Planned dose, mg/kg"),
    ("infusions", "administered_mg_per_kg", "Administered mg / weight kg; empty: unknown"),
    ("infusions", "integration_on_time", "yes / no: integration signed by its due time"),
    ("daily_records", "study_id", "Random id of the patient (as in subjects)"),
    ("daily_records", "target_no", "Addiction target within the patient (as in subjects)"),
    ("daily_records", "day", f"The day the record is about, {DAY_NOTE}"),
    ("daily_records", "source", "self_report, interview, breathalyser, urine_test or etg"),
    ("daily_records", "used", "yes / no; for a test: positive / negative as yes / no"),
    ("daily_records", "quantity", "Amount used in the unit; empty for a test result"),
    ("daily_records", "unit", "standard_drinks, grams_ethanol, use_episodes, money_usd, ..."),
    ("daily_records", "craving", "Self-rated craving 0-10; empty: not asked"),
    ("daily_records", "mood", "1 very low to 5 very good; empty: not asked"),
    ("daily_records", "triggers", "Trigger codes from the pick list, separated by ;"),
    ("daily_records", "recall_lag_days", "Days between the day and when it was recorded"),
    ("questionnaire_scores", "study_id", "Random id of the patient (as in subjects)"),
    ("questionnaire_scores", "day", f"Day the questionnaire was completed, {DAY_NOTE}"),
    ("questionnaire_scores", "instrument", "Instrument code (meq30, phq9, auditc, ...)"),
    ("questionnaire_scores", "version", "Instrument version"),
    ("questionnaire_scores", "total", "Total score as the instrument defines it"),
    ("questionnaire_scores", "total_pct_of_max", "Total as % of its maximum, when defined"),
    ("questionnaire_scores", "band", "Severity band code; empty: none"),
    ("questionnaire_scores", "flags", "Flag codes the scoring raised, separated by ;"),
    ("events", "study_id", "Random id of the patient (as in subjects)"),
    ("events", "target_no", "Addiction target within the patient (as in subjects)"),
    ("events", "kind", "lapse or relapse, derived by the clinic rule"),
    ("events", "day", f"Day of the event, {DAY_NOTE}"),
)
TABLES = ("subjects", "infusions", "daily_records", "questionnaire_scores", "events")


def header(table: str) -> list[str]:
    return [column for name, column, _ in DICTIONARY if name == table]


@dataclass
class ExportArchive:
    file: IO[bytes]
    filename: str
    counts: dict[str, int]

    def describe(self) -> str:
        return " ".join(f"{table}={n}" for table, n in self.counts.items())


@dataclass(frozen=True)
class _Subject:
    study_id: str
    target_no: int
    anchor: dt.date  # the patient's day 0


def build_archive(*, site_ids: Iterable[int], filters: CohortFilters) -> ExportArchive:
    """The ZIP for the subjects at `site_ids` (already the user's) matching `filters`."""
    rows = queries.subjects(site_ids=site_ids, filters=filters, extra_fields=queries.EXPORT_FIELDS)
    subjects = _subjects(rows)
    patients = {row["patient_id"]: subjects[row["target_id"]] for row in rows}
    spool = tempfile.SpooledTemporaryFile(max_size=MEMORY_BYTES)  # noqa: SIM115  # returned open
    counts: dict[str, int] = {}
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        tables: Mapping[str, Iterable[Sequence[object]]] = {
            "subjects": _subject_rows(rows, subjects),
            "infusions": _infusion_rows(patients),
            "daily_records": _daily_rows(subjects),
            "questionnaire_scores": _score_rows(patients),
            "events": _event_rows(subjects),
        }
        for table, table_rows in tables.items():
            counts[table] = _write(archive, f"{table}.csv", header(table), table_rows)
        _write(archive, "data_dictionary.csv", ["table", "column", "description"], DICTIONARY)
    spool.seek(0)
    return ExportArchive(file=spool, filename=FILENAME, counts=counts)


def _write(
    archive: zipfile.ZipFile, name: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    count = 0
    with (
        archive.open(name, "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
    ):
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _subjects(rows: Sequence[Mapping[str, Any]]) -> dict[int, _Subject]:
    """Study id, target number and day 0 per target id."""
    ids = study_ids([row["patient_id"] for row in rows])
    anchors: dict[int, dt.date] = {}
    numbers: dict[int, int] = {}
    for row in rows:
        patient = row["patient_id"]
        anchors[patient] = min(anchors.get(patient, row["start_day"]), row["start_day"])
    subjects = {}
    for row in sorted(rows, key=lambda r: (r["patient_id"], r["target_id"])):
        patient = row["patient_id"]
        numbers[patient] = numbers.get(patient, 0) + 1
        subjects[row["target_id"]] = _Subject(ids[patient], numbers[patient], anchors[patient])
    return subjects


def _day(anchor: dt.date, day: dt.date | None) -> int | str:
    return "" if day is None else (day - anchor).days


def _local_day(anchor: dt.date, moment: dt.datetime | None, zone: str) -> int | str:
    if moment is None:
        return ""
    return (moment.astimezone(zoneinfo.ZoneInfo(zone)).date() - anchor).days


def _yes(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _number(value: float | Decimal | None, places: int = 3) -> str:
    return "" if value is None else f"{float(value):.{places}f}"


def _subject_rows(
    rows: Sequence[Mapping[str, Any]], subjects: Mapping[int, _Subject]
) -> Iterator[list[object]]:
    site_labels = {
        site: f"Site {chr(ord('A') + index)}"
        for index, site in enumerate(sorted({row["site_id"] for row in rows}))
    }
    ordered = sorted(rows, key=lambda r: (subjects[r["target_id"]].study_id, r["target_id"]))
    for row in ordered:
        subject = subjects[row["target_id"]]
        anchor = subject.anchor
        infusions = row["signed_infusions"]
        yield [
            subject.study_id, subject.target_no, row["target_kind"], site_labels[row["site_id"]],
            row["patient__sex"], age_band(age_on(row["patient__date_of_birth"], anchor)),
            row["protocol_code"] or "", _day(anchor, row["start_day"]),
            _day(anchor, row["last_observed_day"]), row["days_observed"], row["days_abstinent"],
            row["days_used"], row["heavy_days"], _day(anchor, row["first_lapse_day"]),
            _day(anchor, row["relapse_day"]), _yes(row["dropped_out"]),
            _number(row["meq30_pct"], 2),
            _yes(row["complete_mystical"]) if row["has_meq30"] else "",
            infusions, _number(row["dose_mg_per_kg"]),
            _number(100 * row["integrations_on_time"] / infusions, 1) if infusions else "",
        ]  # fmt: skip


def _infusion_rows(patients: Mapping[int, _Subject]) -> Iterator[list[object]]:
    infusions = (
        Infusion.objects.filter(patient_id__in=list(patients))
        .order_by("patient_id", "scheduled_at", "id")
        .values_list(
            "patient_id", "session_number", "status", "scheduled_at", "started_at",
            "site__time_zone", "planned_mg_per_kg", "administered_mg", "weight_kg",
            "integration__status", "integration__signed_at", "integration__due_at",
        )
    )  # fmt: skip
    for (patient, number, status, scheduled, started, zone, planned, given, weight,
         note_status, signed_at, due_at) in infusions.iterator(chunk_size=CHUNK_ROWS):  # fmt: skip
        subject = patients[patient]
        on_time = None
        if note_status is not None:
            on_time = (
                note_status == NoteStatus.SIGNED and signed_at is not None and signed_at <= due_at
            )
        yield [
            subject.study_id, number, _local_day(subject.anchor, started or scheduled, zone),
            status, _number(planned),
            _number(given / weight) if given is not None and weight else "", _yes(on_time),
        ]  # fmt: skip


def _daily_rows(subjects: Mapping[int, _Subject]) -> Iterator[list[object]]:
    records = (
        DailyRecord.objects.filter(target_id__in=list(subjects))
        .order_by("target_id", "day", "source")
        .values_list(
            "target_id", "day", "source", "used", "quantity", "unit", "craving", "mood",
            "triggers", "recall_lag_days",
        )
    )  # fmt: skip
    codes = set(Trigger.values)
    for target, day, source, used, quantity, unit, craving, mood, triggers, lag in records.iterator(
        chunk_size=CHUNK_ROWS
    ):
        subject = subjects[target]
        picked = ";".join(t for t in triggers or [] if isinstance(t, str) and t in codes)
        yield [
            subject.study_id, subject.target_no, _day(subject.anchor, day), source, _yes(used),
            "" if quantity is None else str(quantity), unit, "" if craving is None else craving,
            "" if mood is None else mood, picked, lag,
        ]  # fmt: skip


def _score_rows(patients: Mapping[int, _Subject]) -> Iterator[list[object]]:
    responses = (
        QuestionnaireResponse.objects.filter(
            patient_id__in=list(patients), corrections__isnull=True
        )
        .order_by("patient_id", "completed_at", "id")
        .values_list(
            "patient_id", "completed_at", "patient__site__time_zone", "instrument__code",
            "version", "total", "total_percent_of_max", "band_code", "flags",
        )
    )  # fmt: skip
    for patient, completed, zone, code, version, total, percent, band, flags in responses.iterator(
        chunk_size=CHUNK_ROWS
    ):
        subject = patients[patient]
        yield [
            subject.study_id, _local_day(subject.anchor, completed, zone), code, version,
            str(total), "" if percent is None else str(percent), band,
            ";".join(str(f) for f in flags or []),
        ]  # fmt: skip


def _event_rows(subjects: Mapping[int, _Subject]) -> Iterator[list[object]]:
    events = (
        RecoveryEvent.objects.filter(target_id__in=list(subjects), is_current=True)
        .order_by("target_id", "day", "kind")
        .values_list("target_id", "kind", "day")
    )
    for target, kind, day in events.iterator(chunk_size=CHUNK_ROWS):
        subject = subjects[target]
        yield [subject.study_id, subject.target_no, kind, _day(subject.anchor, day)]

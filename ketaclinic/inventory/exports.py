"""Building a report for a user (compliance, own sites) and rendering it; each is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.http import HttpResponse

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import ApplicationError
from ketaclinic.inventory.access import register_site_get
from ketaclinic.inventory.models import Registrant
from ketaclinic.inventory.pdf import render_pdf
from ketaclinic.inventory.reports import REPORTS, Period, Report, dispensing_log
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get

# DOMAIN.md section 5: records kept and retrievable for two years; a report may span them.
MAX_DAYS = 2 * 366 + 31


def _period(site: Site, start: dt.date, end: dt.date) -> Period:
    registrant = Registrant.objects.select_related("site").filter(site=site, is_active=True).first()
    if registrant is None:
        raise ApplicationError(f"{site.name} has no DEA registration on record: add it first.")
    if end < start or (end - start).days > MAX_DAYS:
        message = "The range must run forward and span at most about two years."
        raise ApplicationError(message, field_errors={"end": [message]})
    return Period(registrant, start, end)


def _patient_id_at_site(site: Site, mrn: str) -> int:
    """The patient with this MRN at `site` (MRNs are unique per site, not across sites)."""
    mrn = mrn.strip()
    if not mrn:
        message = "Give the patient's MRN for an administration history."
        raise ApplicationError(message, field_errors={"mrn": [message]})
    found = Patient.objects.filter(site=site, mrn__iexact=mrn).values_list("pk", flat=True)
    patient_id = found.first()
    if patient_id is None:
        message = f"No patient with MRN {mrn} at {site.name}: check the MRN on the patient's chart."
        raise ApplicationError(message, field_errors={"mrn": [message]})
    return patient_id


def report_build(
    *,
    user: User,
    site_id: int,
    code: str,
    start: dt.date,
    end: dt.date,
    output: str,
    patient_id: int | None = None,
    mrn: str = "",
) -> Report:
    """The report, after checking the user may export it for that site; audited as export.

    The administration history names its patient by `mrn` (at this site) or, in the API,
    by `patient_id`."""
    site = register_site_get(
        user=user, site_id=site_id, perm=Perm.INVENTORY_MANAGE, target_type="inventory_report"
    )
    period = _period(site, start, end)
    if code == "patient":
        if patient_id is None:
            patient_id = _patient_id_at_site(site, mrn)
        patient = patient_get(user=user, patient_id=patient_id, target_type="inventory_report")
        report = dispensing_log(period, patient=patient)
    elif code in REPORTS:
        report = REPORTS[code](period)
    else:
        raise ApplicationError("Unknown report: pick one from the list.")
    audit_record(
        actor=user,
        action=Action.EXPORT,
        site=site,
        target_type="inventory_report",
        target_id=period.registrant.pk,
        detail=f"report={code} format={output} rows={len(report.rows)} {start}..{end}",
    )
    audit_record_patient_reads(actor=user, patients=report.patients, target_type="inventory_report")
    return report


def _filename(report: Report, extension: str) -> str:
    return f"ketamine-{report.code}.{extension}"


def csv_response(report: Report) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([report.title])
    writer.writerow(report.header)
    writer.writerows(report.rows)
    if report.notes:
        writer.writerow([])
        writer.writerows([note] for note in report.notes)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    return response


def pdf_response(report: Report) -> HttpResponse:
    response = HttpResponse(
        render_pdf(report.title, report.header, report.rows, notes=report.notes),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return response

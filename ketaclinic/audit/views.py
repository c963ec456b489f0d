from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.forms import AuditFilterForm
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.audit.selectors import AuditFilter, audit_events
from ketaclinic.audit.services import audit_record
from ketaclinic.core.http import acting_user

CSV_COLUMNS = [
    "occurred_at_utc",
    "actor",
    "roles",
    "site",
    "patient_mrn",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "client_ip",
    "request_id",
    "detail",
]


def _filters(form: AuditFilterForm) -> AuditFilter:
    if not form.is_valid():
        return AuditFilter()
    data = form.cleaned_data
    return AuditFilter(
        start=data["start"],
        end=data["end"],
        actor_username=data["actor"],
        patient_mrn=data["patient"],
        action=data["action"],
    )


@login_required
@require_GET
def audit_log_view(request: HttpRequest) -> HttpResponse:
    with timezone.override(dt.UTC):  # the log is read and filtered in UTC, like the export
        form = AuditFilterForm(request.GET or None)
        events = audit_events(user=acting_user(request), filters=_filters(form))
        if form.errors:  # never show the unfiltered log under a refused filter
            events = events.none()
        paginator = Paginator(events, settings.KETACLINIC_PAGE_SIZE * 2)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "audit/log.html",
            {"form": form, "page": page, "querystring": query.urlencode()},
            status=400 if form.errors else 200,
        )


def _csv_rows(events: Iterator[AuditEvent]) -> Iterator[list[str]]:
    yield CSV_COLUMNS
    for event in events:
        yield [
            event.occurred_at.astimezone(dt.UTC).isoformat(),
            event.actor_username,
            event.roles,
            event.site.slug if event.site else "",
            event.patient.mrn if event.patient else "",
            event.action,
            event.target_type,
            event.target_id,
            event.outcome,
            event.client_ip or "",
            event.request_id,
            event.detail,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def audit_export_view(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    user = acting_user(request)
    with timezone.override(dt.UTC):
        form = AuditFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            return render(request, "audit/log.html", {"form": form, "page": None}, status=400)
        events = audit_events(user=user, filters=_filters(form), perm=Perm.AUDIT_EXPORT)
    audit_record(
        actor=user,
        action=Action.EXPORT,
        target_type="audit_log",
        detail="csv export; filters=" + ",".join(sorted(k for k, v in form.data.items() if v)),
    )
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(events.iterator(chunk_size=2000))),
        content_type="text/csv",
    )
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response

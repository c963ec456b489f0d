"""The ledger, the discrepancy queue, reports (HTML, CSV, PDF) and inventory printouts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.core.http import is_htmx
from ketaclinic.inventory import exports, selectors
from ketaclinic.inventory.forms import ReportForm, add_service_errors
from ketaclinic.inventory.models import Count, DiscrepancyStatus, EntryKind
from ketaclinic.inventory.web import site_for


@login_required
@require_GET
def entries_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_VIEW, "ledger_entries")
    kind = request.GET.get("kind") or None
    entries = selectors.site_entries(
        user=user, site=site, kind=kind if kind in EntryKind.values else None
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    selectors.entries_shown_audit(user=user, site=site, entries=list(page.object_list))
    context = {
        "site": site,
        "page": page,
        "kind": kind or "",
        "kinds": EntryKind.choices,
        "can_manage": user.has_role_perm(Perm.INVENTORY_MANAGE),
    }
    template = "inventory/_entries_table.html" if is_htmx(request) else "inventory/entries.html"
    return render(request, template, context)


@login_required
@require_GET
def discrepancies_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_VIEW, "discrepancy")
    status = request.GET.get("status", DiscrepancyStatus.OPEN)
    rows = list(selectors.site_discrepancies(site=site, status=status or None)[:200])
    audit_record(
        actor=user, action=Action.READ, site=site, target_type="discrepancy",
        detail=f"rows={len(rows)}",
    )  # fmt: skip
    context = {
        "site": site,
        "rows": rows,
        "status": status,
        "can_manage": user.has_role_perm(Perm.INVENTORY_MANAGE),
    }
    return render(request, "inventory/discrepancies.html", context)


@login_required
@require_GET
def reports_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_MANAGE, "inventory_report")
    form = ReportForm(request.GET or None)
    report = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            report = exports.report_build(
                user=user, site_id=site.pk, code=data["report"], start=data["start"],
                end=data["end"], output=data["output"], mrn=data["mrn"],
            )  # fmt: skip
        except (NotFoundError, PermissionDeniedError):
            raise  # site scoping: the same audited 404 / 403 as every other page
        except ApplicationError as error:
            # Shown on the form (422) whatever format was asked for: a CSV or PDF request
            # that cannot be answered gets the page that says why.
            add_service_errors(form, error)
        else:
            if data["output"] == "csv":
                return exports.csv_response(report)
            if data["output"] == "pdf":
                return exports.pdf_response(report)
    context = {"site": site, "form": form, "report": report}
    return render(request, "inventory/reports.html", context, status=422 if form.errors else 200)


@login_required
@require_GET
def count_print_view(request: HttpRequest, site_id: int, count_id: int) -> HttpResponse:
    """A count or inventory as a printable page (the initial and biennial inventory record)."""
    user, site = site_for(request, site_id, Perm.INVENTORY_VIEW, "inventory_count")
    count = (
        Count.objects.filter(pk=count_id, site=site)
        .select_related("counted_by", "second_counter")
        .first()
    )
    if count is None:
        raise NotFoundError("No count with that id at this site.")
    lines = selectors.count_line_views(count=count)
    audit_record(
        actor=user, action=Action.EXPORT, site=site, target_type="inventory_count",
        target_id=count.pk, detail="printable",
    )  # fmt: skip
    context = {
        "site": site,
        "count": count,
        "lines": lines,
        "differing": sum(1 for line in lines if line.differs),
        "registrant": selectors.registrant(site=site),
    }
    return render(request, "inventory/count_print.html", context)

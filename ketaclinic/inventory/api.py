"""REST API of the register: balances, entries, reports, receipts, counts (site-scoped)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.api import ErrorOut, PageParams, api_page, api_user, reject_unknown_params
from ketaclinic.core.errors import ApplicationError
from ketaclinic.inventory import exports, selectors, services
from ketaclinic.inventory.access import register_site_get
from ketaclinic.inventory.models import CountKind, Discrepancy, EntryKind
from ketaclinic.inventory.schemas import (
    BalanceOut,
    CountIn,
    CountOut,
    EntryOut,
    EntryPage,
    ReceiptIn,
    ReportOut,
)

router = Router(tags=["inventory"])

_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@router.get("/inventory/sites/{site_id}/balances", response={200: list[BalanceOut], **_ERRORS})
def list_balances(request: HttpRequest, site_id: int) -> list[dict[str, Any]]:
    """Stock per lot and location at the site."""
    reject_unknown_params(request, set())
    user = api_user(request)
    site = register_site_get(
        user=user, site_id=site_id, perm=Perm.INVENTORY_VIEW, target_type="inventory_register"
    )
    rows = list(selectors.site_balances(site=site))
    audit_record(actor=user, action=Action.READ, site=site, target_type="inventory_register")
    return [
        {
            "lot_id": b.lot_id, "lot_number": b.lot.lot_number, "product": b.lot.product.name,
            "expires_on": b.lot.expires_on, "location_id": b.location_id,
            "location": b.location.name, "quantity_mg": b.quantity_mg,
        }
        for b in rows
    ]  # fmt: skip


class EntryParams(PageParams):
    kind: EntryKind | None = None
    lot_id: int | None = None
    location_id: int | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@router.get("/inventory/sites/{site_id}/entries", response={200: EntryPage, **_ERRORS})
def list_entries(
    request: HttpRequest, site_id: int, params: Query[EntryParams]
) -> dict[str, object]:
    """Ledger entries, newest first; filter by kind, lot, location and time."""
    reject_unknown_params(request, set(EntryParams.model_fields))
    user = api_user(request)
    site = register_site_get(
        user=user, site_id=site_id, perm=Perm.INVENTORY_VIEW, target_type="ledger_entries"
    )
    entries = selectors.site_entries(
        user=user, site=site, kind=params.kind, lot_id=params.lot_id,
        location_id=params.location_id, start=params.start, end=params.end,
    )  # fmt: skip
    page = api_page(entries, params)
    selectors.entries_shown_audit(user=user, site=site, entries=page["items"])
    return page


class ReportParams(Schema):
    report: str
    start: dt.date
    end: dt.date
    patient_id: int | None = None
    mrn: str = ""
    format: str = "json"


@router.get("/inventory/sites/{site_id}/reports", response={200: ReportOut, **_ERRORS})
def get_report(
    request: HttpRequest, site_id: int, params: Query[ReportParams]
) -> dict[str, object] | HttpResponse:
    """dispensing, patient (with mrn at this site, or patient_id), reconciliation or
    discrepancies; format json or csv. Audited as an export."""
    reject_unknown_params(request, set(ReportParams.model_fields))
    if params.format not in {"json", "csv"}:
        raise ApplicationError("format must be json or csv.")
    report = exports.report_build(
        user=api_user(request), site_id=site_id, code=params.report, start=params.start,
        end=params.end, output=params.format, patient_id=params.patient_id, mrn=params.mrn,
    )  # fmt: skip
    if params.format == "csv":
        return exports.csv_response(report)
    return {"title": report.title, "header": report.header, "rows": report.rows}


@router.post("/inventory/sites/{site_id}/receipts", response={201: EntryOut, **_ERRORS})
def post_receipt(request: HttpRequest, site_id: int, payload: ReceiptIn) -> Status[Any]:
    """Record stock received from a supplier (every DEA receipt field is required)."""
    user = api_user(request)
    site = register_site_get(
        user=user, site_id=site_id, perm=Perm.INVENTORY_RECEIVE, target_type="ledger_entry"
    )
    entry = services.receipt_record(
        actor=user,
        site=site,
        lot_in=services.LotIn(payload.product_id, payload.lot_number, payload.expires_on),
        location_id=payload.location_id,
        containers=payload.containers,
        supplier=services.Supplier(
            payload.supplier_name, payload.supplier_address, payload.supplier_dea_number,
            payload.invoice_number,
        ),
        received_at=payload.received_at,
    )  # fmt: skip
    return Status(201, entry)


def _person(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


@router.post("/inventory/sites/{site_id}/counts", response={201: CountOut, **_ERRORS})
def post_count(request: HttpRequest, site_id: int, payload: CountIn) -> Status[dict[str, Any]]:
    """Record a count by two people; differences open discrepancies for compliance."""
    user = api_user(request)
    site = register_site_get(
        user=user, site_id=site_id, perm=Perm.INVENTORY_COUNT, target_type="inventory_count"
    )
    if payload.kind not in CountKind.values:
        raise ApplicationError(f"kind must be one of {', '.join(CountKind.values)}.")
    count = services.count_record(
        actor=user,
        site=site,
        kind=CountKind(payload.kind),
        timing=payload.timing,
        second=services.SecondCounter(
            _person(payload.second_counter_id), payload.second_counter_password
        ),
        lines=[
            services.CountLineIn(x.lot_id, x.location_id, x.sealed_containers, x.opened_mg)
            for x in payload.lines
        ],
        counted_at=payload.counted_at,
    )
    opened = Discrepancy.objects.filter(line__count=count).count()
    return Status(201, {"id": count.pk, "kind": count.kind, "discrepancies": opened})

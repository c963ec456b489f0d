"""Compliance pages: receipts, transfers, destruction, loss, reversals, discrepancies."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.models import Site
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import NotFoundError
from ketaclinic.core.http import acting_user
from ketaclinic.inventory import selectors, services
from ketaclinic.inventory.forms import (
    DestructionForm,
    Form106Form,
    LossForm,
    ReceiptForm,
    ResolveForm,
    ReverseForm,
    TransferForm,
    set_choices,
    stock_choices,
)
from ketaclinic.inventory.models import Discrepancy, EntryKind, LedgerEntry
from ketaclinic.inventory.web import form_page, site_for

_GET_POST = require_http_methods(["GET", "POST"])


def _back(site: Site) -> str:
    return reverse("inventory:register", args=[site.pk])


@login_required
@_GET_POST
def receive_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_RECEIVE, "ledger_entry")
    form = ReceiptForm(request.POST or None, site=site, actor=user)

    def save() -> object:
        data = form.cleaned_data
        return services.receipt_record(
            actor=user,
            site=site,
            lot_in=services.LotIn(data["product"].pk, data["lot_number"], data["expires_on"]),
            location_id=data["location"].pk,
            containers=data["containers"],
            supplier=services.Supplier(
                data["supplier_name"],
                data["supplier_address"],
                data["supplier_dea_number"],
                data["invoice_number"],
            ),
            received_at=form.when("received_at"),
        )

    return form_page(
        request, template="inventory/receive.html", form=form, save=save,
        done="Receipt recorded in the register.", next_url=_back(site), context={"site": site},
    )  # fmt: skip


@login_required
@_GET_POST
def transfer_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_MANAGE, "ledger_entry")
    form = TransferForm(request.POST or None, site=site, actor=user)
    set_choices(form, "stock", stock_choices(list(selectors.stocked(site=site))))
    places = [(str(loc.pk), loc.name) for loc in selectors.site_locations(site=site)]
    set_choices(form, "to_location", [("", "Pick a location"), *places])

    def save() -> object:
        lot_id, location_id = form.stock_ids()
        return services.transfer_record(
            actor=user, lot_id=lot_id, from_location_id=location_id,
            to_location_id=int(form.cleaned_data["to_location"]),
            quantity_mg=form.cleaned_data["quantity_mg"], occurred_at=form.when("occurred_at"),
        )  # fmt: skip

    return form_page(
        request, template="inventory/entry_form.html", form=form, save=save,
        done="Transfer recorded.", next_url=_back(site),
        context={"site": site, "title": "Transfer between locations", "form_id": "transfer-form"},
    )  # fmt: skip


@login_required
@_GET_POST
def destroy_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_MANAGE, "ledger_entry")
    form = DestructionForm(request.POST or None, site=site, actor=user)
    set_choices(form, "stock", stock_choices(list(selectors.stocked(site=site))))

    def save() -> object:
        lot_id, location_id = form.stock_ids()
        data = form.cleaned_data
        return services.destruction_record(
            actor=user, site=site, lot_id=lot_id, location_id=location_id,
            quantity_mg=data["quantity_mg"], form41_reference=data["form41_reference"],
            method=data["method"], occurred_at=form.when("occurred_at"),
        )  # fmt: skip

    return form_page(
        request, template="inventory/entry_form.html", form=form, save=save,
        done="Return or destruction recorded.", next_url=_back(site),
        context={"site": site, "title": "Return or destruction (DEA Form 41)",
                 "form_id": "destroy-form"},
    )  # fmt: skip


@login_required
@_GET_POST
def loss_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_MANAGE, "ledger_entry")
    form = LossForm(request.POST or None, site=site, actor=user)
    set_choices(form, "stock", stock_choices(list(selectors.stocked(site=site))))

    def save() -> object:
        lot_id, location_id = form.stock_ids()
        return services.loss_record(
            actor=user, site=site, lot_id=lot_id, location_id=location_id,
            quantity_mg=form.cleaned_data["quantity_mg"],
            discovered_at=form.when("discovered_at"), note=form.cleaned_data["note"],
        )  # fmt: skip

    return form_page(
        request, template="inventory/entry_form.html", form=form, save=save,
        done="Loss recorded: notify the DEA within one business day, Form 106 within 45 days.",
        next_url=_back(site),
        context={"site": site, "title": "Theft or significant loss", "form_id": "loss-form"},
    )  # fmt: skip


def _entry(request: HttpRequest, entry_id: int) -> tuple[LedgerEntry, Site]:
    entry = (
        LedgerEntry.objects.select_related("site", "lot", "location").filter(pk=entry_id).first()
    )
    if entry is None:
        raise NotFoundError("No register entry with that id.")
    _, site = site_for(request, entry.site_id, Perm.INVENTORY_MANAGE, "ledger_entry")
    return entry, site


@login_required
@_GET_POST
def form106_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, site = _entry(request, entry_id)
    form = Form106Form(request.POST or None)

    def save() -> object:
        return services.loss_filing_record(
            actor=acting_user(request), entry_id=entry.pk,
            form106_reference=form.cleaned_data["form106_reference"],
            filed_on=form.cleaned_data["filed_on"],
        )  # fmt: skip

    return form_page(
        request, template="inventory/entry_form.html", form=form, save=save,
        done="Form 106 recorded.", next_url=_back(site),
        context={"site": site, "entry": entry, "title": "DEA Form 106 filed",
                 "form_id": "form106-form"},
    )  # fmt: skip


@login_required
@_GET_POST
def reverse_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry, site = _entry(request, entry_id)
    form = ReverseForm(request.POST or None)

    def save() -> object:
        return services.entry_reverse(
            actor=acting_user(request), entry_id=entry.pk,
            reason=form.cleaned_data["reason"], occurred_at=timezone.now(),
        )  # fmt: skip

    return form_page(
        request, template="inventory/entry_form.html", form=form, save=save,
        done=f"Entry {entry.pk} reversed.", next_url=reverse("inventory:entries", args=[site.pk]),
        context={"site": site, "entry": entry, "title": f"Reverse entry {entry.pk}",
                 "form_id": "reverse-form"},
    )  # fmt: skip


@login_required
@_GET_POST
def resolve_view(request: HttpRequest, discrepancy_id: int) -> HttpResponse:
    discrepancy = Discrepancy.objects.filter(pk=discrepancy_id).first()
    if discrepancy is None:
        raise NotFoundError("No discrepancy with that id.")
    user, site = site_for(request, discrepancy.site_id, Perm.INVENTORY_MANAGE, "discrepancy")
    discrepancy = selectors.site_discrepancies(site=site).get(pk=discrepancy_id)
    entries = selectors.entries_before_count(discrepancy=discrepancy)
    selectors.entries_shown_audit(user=user, site=site, entries=entries)
    form = ResolveForm(request.POST or None)

    def save() -> Discrepancy:
        resolved = services.discrepancy_resolve(
            actor=user, discrepancy_id=discrepancy.pk,
            resolved_as=form.cleaned_data["resolved_as"],
            resolution=form.cleaned_data["resolution"], entry_id=form.cleaned_data["entry"],
        )  # fmt: skip
        entry = resolved.resolving_entry
        if entry is not None and entry.kind == EntryKind.THEFT_LOSS:
            due = services.loss_deadlines(entry)
            messages.warning(
                request,
                f"Loss recorded as entry {entry.pk}: notify the DEA by {due.notify_dea_by:%Y-%m-%d}"
                f" and file Form 106 by {due.form106_by:%Y-%m-%d}.",
            )
        return resolved

    return form_page(
        request, template="inventory/resolve.html", form=form, save=save,
        done="Discrepancy resolved.", next_url=reverse("inventory:discrepancies", args=[site.pk]),
        context={"site": site, "discrepancy": discrepancy, "entries": entries,
                 "recount": selectors.discrepancy_recount(discrepancy=discrepancy)},
    )  # fmt: skip

"""Compliance setup pages: DEA registrations, products, storage locations, site settings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.roles import Perm
from ketaclinic.inventory import pages, services
from ketaclinic.inventory.forms import (
    InventorySettingsForm,
    LocationForm,
    ProductForm,
    RegistrantForm,
)
from ketaclinic.inventory.models import LocationKind
from ketaclinic.inventory.web import setup_page, site_for

_GET_POST = require_http_methods(["GET", "POST"])
_MANAGE = Perm.INVENTORY_MANAGE


@login_required
@_GET_POST
def registrations_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, _MANAGE, "registrant")
    form = RegistrantForm(request.POST or None)

    def save() -> object:
        return services.registrant_record(actor=user, site=site, **form.cleaned_data)

    return setup_page(
        request, title="DEA registration", section="inventory/_registrations.html", form=form,
        blank=RegistrantForm, save=save, done="DEA registration recorded.",
        context=lambda: pages.registrations_context(site=site),
    )  # fmt: skip


@login_required
@_GET_POST
def products_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, _MANAGE, "product")
    form = ProductForm(request.POST or None)

    def save() -> object:
        return services.product_create(actor=user, **form.cleaned_data)

    return setup_page(
        request, title="Products", section="inventory/_products.html", form=form,
        blank=ProductForm, save=save, done="Product added.",
        context=lambda: pages.products_context(site=site),
    )  # fmt: skip


@login_required
@_GET_POST
def locations_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, _MANAGE, "storage_location")
    form = LocationForm(request.POST or None)

    def save() -> object:
        data = form.cleaned_data
        return services.location_create(
            actor=user, site=site, name=data["name"], kind=LocationKind(data["kind"])
        )

    return setup_page(
        request, title="Storage locations", section="inventory/_locations.html", form=form,
        blank=LocationForm, save=save, done="Storage location added.",
        context=lambda: pages.locations_context(site=site),
    )  # fmt: skip


@login_required
@_GET_POST
def settings_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, _MANAGE, "inventory_settings")

    def current() -> InventorySettingsForm:
        return InventorySettingsForm(
            initial={"waste_witness_required": pages.witness_required(site)}
        )

    form = InventorySettingsForm(request.POST) if request.method == "POST" else current()

    def save() -> object:
        return services.settings_update(
            actor=user, site=site,
            waste_witness_required=form.cleaned_data["waste_witness_required"],
        )  # fmt: skip

    return setup_page(
        request, title="Register settings", section="inventory/_settings.html", form=form,
        blank=current, save=save, done="Register settings saved.",
        context=lambda: pages.settings_context(site=site),
    )  # fmt: skip

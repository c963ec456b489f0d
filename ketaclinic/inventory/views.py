"""Nurse pages: the register of a site, administering from an infusion, waste, counts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.models import Site
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import NotFoundError
from ketaclinic.core.http import acting_user
from ketaclinic.inventory import selectors, services
from ketaclinic.inventory.access import site_date
from ketaclinic.inventory.forms import CountForm, DrawForm, WasteForm, set_choices, stock_choices
from ketaclinic.inventory.models import CountKind
from ketaclinic.inventory.pages import infusion_choices, overview_context
from ketaclinic.inventory.services.administration import waste_witness_required
from ketaclinic.inventory.web import form_page, site_for


@login_required
@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not user.has_role_perm(Perm.INVENTORY_VIEW):
        raise NotFoundError("The controlled-substance register is not part of your role.")
    sites = list(Site.objects.filter(pk__in=user.site_ids))
    if len(sites) == 1:
        return redirect("inventory:register", site_id=sites[0].pk)
    return render(request, "inventory/index.html", {"sites": sites})


@login_required
@require_GET
def register_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_VIEW, "inventory_register")
    return render(request, "inventory/register.html", overview_context(user=user, site=site))


def _back(site: Site) -> str:
    return reverse("inventory:register", args=[site.pk])


@login_required
@require_http_methods(["GET", "POST"])
def administer_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_ADMINISTER, "ledger_entry")
    form = DrawForm(request.POST or None, site=site, actor=user)
    lots = selectors.lots_for_administration(site=site, on=site_date(site, timezone.now()))
    stock = [(f"{s.lot_id}:{s.location_id}", s.label) for s in lots]
    set_choices(form, "stock", [("", "Pick a lot"), *stock])
    set_choices(form, "infusion", infusion_choices(user=user, site=site))

    def save() -> object:
        lot_id, location_id = form.stock_ids()
        return services.infusion_dose_draw(
            actor=user,
            infusion=selectors.site_infusion(site=site, infusion_id=form.cleaned_data["infusion"]),
            lot_id=lot_id,
            location_id=location_id,
            administered_mg=form.cleaned_data["administered_mg"],
            wasted_mg=form.cleaned_data["wasted_mg"],
            waste_method=form.cleaned_data["waste_method"],
            witness=form.person("witness"),
            witness_password=form.cleaned_data["witness_password"],
            occurred_at=form.when("occurred_at"),
        )

    return form_page(
        request, template="inventory/administer.html", form=form, save=save,
        done="Administration recorded in the register.", next_url=_back(site),
        context={"site": site, "witness_required": waste_witness_required(site)},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def waste_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_ADMINISTER, "ledger_entry")
    form = WasteForm(request.POST or None, site=site, actor=user)
    set_choices(form, "stock", stock_choices(list(selectors.stocked(site=site))))

    def save() -> object:
        lot_id, location_id = form.stock_ids()
        waste = services.Waste(
            form.cleaned_data["wasted_mg"],
            form.cleaned_data["waste_method"],
            form.person("witness"),
            form.cleaned_data["witness_password"],
        )
        return services.waste_record(
            actor=user, site=site, lot_id=lot_id, location_id=location_id, waste=waste,
            occurred_at=form.when("occurred_at"),
        )  # fmt: skip

    return form_page(
        request, template="inventory/waste.html", form=form, save=save,
        done="Waste recorded in the register.", next_url=_back(site), context={"site": site},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def count_view(request: HttpRequest, site_id: int) -> HttpResponse:
    user, site = site_for(request, site_id, Perm.INVENTORY_COUNT, "inventory_count")
    rows = list(selectors.site_balances(site=site).filter(quantity_mg__gt=0))
    initial = {"kind": CountKind.SHIFT}
    form = CountForm(request.POST or None, site=site, actor=user, rows=rows, initial=initial)

    def save() -> object:
        lines = [
            services.CountLineIn(
                row.lot_id,
                row.location_id,
                form.cleaned_data[sealed.name],
                form.cleaned_data[opened.name],
            )
            for row, sealed, opened in form.line_fields()
        ]
        return services.count_record(
            actor=user,
            site=site,
            kind=CountKind(form.cleaned_data["kind"]),
            timing=form.cleaned_data["timing"],
            second=services.SecondCounter(
                form.person("second_counter"), form.cleaned_data["second_counter_password"]
            ),
            lines=lines,
            counted_at=form.when("counted_at"),
        )

    return form_page(
        request, template="inventory/count.html", form=form, save=save,
        done="Count recorded. Any difference was sent to the compliance officer.",
        next_url=lambda count: reverse("inventory:count_print", args=[site.pk, count.pk]),
        context={"site": site},
    )  # fmt: skip

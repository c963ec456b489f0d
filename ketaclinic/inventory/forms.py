"""Register forms. Services do the checking; forms only parse, in the site's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import staff_with_perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.inventory.models import (
    Balance,
    CountKind,
    CountTiming,
    LocationKind,
    Product,
    ResolutionKind,
    StorageLocation,
)

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_PASSWORD = forms.PasswordInput(attrs={"autocomplete": "off"})


def mg_field(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0"), max_digits=12, decimal_places=3, **kwargs
    )


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def add_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's refusal on the fields it names, else at the top of the form."""
    placed = False
    for name, messages in error.field_errors.items():
        if name in form.fields and not form.fields[name].widget.is_hidden:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def people_with(site: Site, perm: Perm, *, exclude: User) -> list[tuple[str, str]]:
    users = staff_with_perm(site=site, perm=perm, exclude=exclude)
    return [("", "Pick a colleague")] + [(str(u.pk), str(u)) for u in users]


def stock_choices(rows: list[Balance]) -> list[tuple[str, str]]:
    return [("", "Pick a lot")] + [
        (
            f"{row.lot_id}:{row.location_id}",
            f"{row.lot.lot_number} · {row.lot.product.name} · {row.location.name} · "
            f"{row.quantity_mg:.3f} mg (exp {row.lot.expires_on:%Y-%m-%d})",
        )
        for row in rows
    ]


class SiteForm(forms.Form):
    """A form whose times are typed in the site's time zone."""

    def __init__(self, data: Any = None, *, site: Site, actor: User, **kwargs: Any) -> None:
        self.site, self.actor = site, actor
        zone = zoneinfo.ZoneInfo(site.time_zone)
        initial = kwargs.pop("initial", {}) or {}
        now = timezone.localtime(timezone.now(), zone).replace(second=0, microsecond=0)
        for name in ("occurred_at", "received_at", "discovered_at", "counted_at"):
            initial.setdefault(name, now.replace(tzinfo=None))
        super().__init__(data, initial=initial, **kwargs)
        self.zone = zone

    def when(self, name: str) -> dt.datetime:
        value: dt.datetime = self.cleaned_data[name]
        return timezone.make_aware(value.replace(tzinfo=None), self.zone)

    def stock_ids(self, name: str = "stock") -> tuple[int, int]:
        lot_id, location_id = self.cleaned_data[name].split(":")
        return int(lot_id), int(location_id)

    def person(self, name: str) -> User | None:
        value = self.cleaned_data.get(name)
        return User.objects.filter(pk=value).first() if value else None


class WasteFields(SiteForm):
    wasted_mg = mg_field("Wasted (mg)")
    waste_method = forms.CharField(
        label="Waste method", max_length=120, required=False,
        help_text="For example 'expelled into a drug disposal container'.",
    )  # fmt: skip
    witness = forms.ChoiceField(label="Witness", required=False)
    witness_password = forms.CharField(
        label="Witness password", required=False, widget=_PASSWORD, strip=False,
        help_text="The witness types their own password now.",
    )  # fmt: skip

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        set_choices(
            self, "witness", people_with(self.site, Perm.INVENTORY_WITNESS, exclude=self.actor)
        )


class WasteForm(WasteFields):
    stock = forms.ChoiceField(label="Lot and location")
    occurred_at = forms.DateTimeField(label="Wasted at", widget=_WHEN)
    field_order = ["stock", "wasted_mg", "waste_method", "witness", "witness_password"]


class DrawForm(WasteFields):
    infusion = forms.ChoiceField(label="Infusion")
    stock = forms.ChoiceField(label="Lot and location")
    administered_mg = mg_field("Administered (mg)")
    occurred_at = forms.DateTimeField(label="Administered at", widget=_WHEN)
    field_order = ["infusion", "stock", "administered_mg", "wasted_mg", "waste_method"]


class ReceiptForm(SiteForm):
    product = forms.ModelChoiceField(queryset=Product.objects.all(), label="Product")
    lot_number = forms.CharField(label="Lot number", max_length=40)
    expires_on = forms.DateField(label="Lot expiry", widget=_DATE)
    location = forms.ModelChoiceField(queryset=StorageLocation.objects.none(), label="Into")
    containers = forms.IntegerField(label="Number of containers", min_value=1)
    supplier_name = forms.CharField(label="Supplier name", max_length=160)
    supplier_address = forms.CharField(label="Supplier address", max_length=300)
    supplier_dea_number = forms.CharField(
        label="Supplier DEA number",
        max_length=20,
        help_text="Two letters then seven digits, as on the invoice.",
    )
    invoice_number = forms.CharField(label="Invoice number", max_length=60)
    received_at = forms.DateTimeField(label="Received at", widget=_WHEN)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        field = self.fields["location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = StorageLocation.objects.filter(site=self.site, is_active=True)


class TransferForm(SiteForm):
    stock = forms.ChoiceField(label="Lot and from location")
    to_location = forms.ChoiceField(label="To location")
    quantity_mg = mg_field("Quantity (mg)")
    occurred_at = forms.DateTimeField(label="Moved at", widget=_WHEN)


class DestructionForm(SiteForm):
    stock = forms.ChoiceField(label="Lot and location")
    quantity_mg = mg_field("Quantity (mg)")
    form41_reference = forms.CharField(label="DEA Form 41 reference", max_length=60)
    method = forms.CharField(label="Method or reverse distributor", max_length=120)
    occurred_at = forms.DateTimeField(label="Destroyed or returned at", widget=_WHEN)


class LossForm(SiteForm):
    stock = forms.ChoiceField(label="Lot and location")
    quantity_mg = mg_field("Quantity lost (mg)")
    discovered_at = forms.DateTimeField(label="Discovered at", widget=_WHEN)
    note = forms.CharField(label="What happened", max_length=300, required=False)


class Form106Form(forms.Form):
    form106_reference = forms.CharField(label="DEA Form 106 reference", max_length=60)
    filed_on = forms.DateField(label="Filed on", widget=_DATE)


class ReverseForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=250, widget=forms.Textarea({"rows": 2}))


RESOLVE_CHOICES = [
    (
        ResolutionKind.COUNTING_ERROR.value,
        "Counting error: the stock is as the register says (a recount must agree)",
    ),
    (
        ResolutionKind.THEFT_LOSS.value,
        "Theft or significant loss: record the missing quantity in the register",
    ),
    (
        ResolutionKind.CORRECTION.value,
        "A wrong entry: reverse it (give its number below)",
    ),
]


class ResolveForm(forms.Form):
    resolved_as = forms.ChoiceField(
        label="What explains the difference", choices=RESOLVE_CHOICES, widget=forms.RadioSelect
    )
    resolution = forms.CharField(
        label="Resolution", widget=forms.Textarea({"rows": 3}),
        help_text="What was found and what was done.",
    )  # fmt: skip
    entry = forms.IntegerField(
        label="Entry to correct (number)", required=False, min_value=1,
        help_text="Only for a wrong entry: it is reversed by a reversing entry.",
    )  # fmt: skip


class CountForm(SiteForm):
    """One pair of inputs per lot and location on the register: sealed and opened."""

    kind = forms.ChoiceField(label="Kind", choices=CountKind.choices)
    timing = forms.ChoiceField(
        label="Taken at (inventories)", required=False,
        choices=[("", "Not an inventory"), *CountTiming.choices],
    )  # fmt: skip
    counted_at = forms.DateTimeField(label="Counted at", widget=_WHEN)
    second_counter = forms.ChoiceField(label="Second counter")
    second_counter_password = forms.CharField(
        label="Second counter's password", widget=_PASSWORD, strip=False, required=False
    )

    def __init__(self, data: Any = None, *, rows: list[Balance], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.rows = rows
        set_choices(
            self, "second_counter", people_with(self.site, Perm.INVENTORY_COUNT, exclude=self.actor)
        )
        for index, row in enumerate(rows):
            label = f"{row.lot.lot_number} at {row.location.name}"
            self.fields[f"sealed_{index}"] = forms.IntegerField(
                label=f"{label}: sealed containers", min_value=0
            )
            self.fields[f"opened_{index}"] = mg_field(
                f"{label}: opened containers (mg, estimate)", initial=0
            )

    def line_fields(self) -> list[tuple[Balance, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"sealed_{index}"], self[f"opened_{index}"])
            for index, row in enumerate(self.rows)
        ]


class ReportForm(forms.Form):
    report = forms.ChoiceField(
        label="Report",
        choices=[
            ("dispensing", "Dispensing log"),
            ("reconciliation", "Reconciliation"),
            ("discrepancies", "Discrepancies"),
            ("patient", "Administration history of one patient"),
        ],
    )
    start = forms.DateField(label="From", widget=_DATE)
    end = forms.DateField(label="To (inclusive)", widget=_DATE)
    mrn = forms.CharField(
        label="Patient MRN (administration history only)",
        max_length=32,
        required=False,
        help_text="The medical record number on the patient's chart at this site.",
    )
    output = forms.ChoiceField(
        label="Format", choices=[("html", "On screen"), ("csv", "CSV"), ("pdf", "PDF")]
    )


class RegistrantForm(forms.Form):
    name = forms.CharField(
        label="Registrant name", max_length=160, help_text="As printed on the DEA certificate."
    )
    dea_number = forms.CharField(
        label="DEA number",
        max_length=20,
        help_text="Two letters then seven digits, as on the DEA certificate.",
    )
    expires_on = forms.DateField(label="Registration expires on", widget=_DATE)


class ProductForm(forms.Form):
    name = forms.CharField(
        label="Product name", max_length=160,
        help_text="For example 'Ketamine HCl 50 mg/mL, 10 mL vial'.",
    )  # fmt: skip
    ndc = forms.CharField(label="NDC", max_length=20, help_text="From the package label.")
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)", min_value=Decimal("0.01"), max_digits=7, decimal_places=2
    )
    container_volume_ml = forms.DecimalField(
        label="Container volume (mL)", min_value=Decimal("0.01"), max_digits=7, decimal_places=2
    )
    dosage_form = forms.CharField(label="Dosage form", max_length=60, initial="injectable solution")


class LocationForm(forms.Form):
    name = forms.CharField(label="Location name", max_length=80)
    kind = forms.ChoiceField(label="Kind", choices=[("", "Pick a kind"), *LocationKind.choices])


class InventorySettingsForm(forms.Form):
    waste_witness_required = forms.BooleanField(
        label="Waste needs a witness", required=False,
        help_text="A second person re-enters their password when the unused remainder is "
        "wasted. Federal text does not require it; many states and clinics do.",
    )  # fmt: skip

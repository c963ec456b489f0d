from __future__ import annotations

from django.urls import path

from ketaclinic.inventory import manage_views, report_views, setup_views, views

app_name = "inventory"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("sites/<int:site_id>/", views.register_view, name="register"),
    path("sites/<int:site_id>/administer/", views.administer_view, name="administer"),
    path("sites/<int:site_id>/waste/", views.waste_view, name="waste"),
    path("sites/<int:site_id>/count/", views.count_view, name="count"),
    path("sites/<int:site_id>/entries/", report_views.entries_view, name="entries"),
    path(
        "sites/<int:site_id>/discrepancies/",
        report_views.discrepancies_view,
        name="discrepancies",
    ),
    path("sites/<int:site_id>/reports/", report_views.reports_view, name="reports"),
    path(
        "sites/<int:site_id>/counts/<int:count_id>/",
        report_views.count_print_view,
        name="count_print",
    ),
    path("sites/<int:site_id>/receive/", manage_views.receive_view, name="receive"),
    path("sites/<int:site_id>/transfer/", manage_views.transfer_view, name="transfer"),
    path("sites/<int:site_id>/destroy/", manage_views.destroy_view, name="destroy"),
    path("sites/<int:site_id>/loss/", manage_views.loss_view, name="loss"),
    path("entries/<int:entry_id>/reverse/", manage_views.reverse_view, name="reverse"),
    path("entries/<int:entry_id>/form106/", manage_views.form106_view, name="form106"),
    path(
        "sites/<int:site_id>/setup/registration/",
        setup_views.registrations_view,
        name="registrations",
    ),
    path("sites/<int:site_id>/setup/products/", setup_views.products_view, name="products"),
    path("sites/<int:site_id>/setup/locations/", setup_views.locations_view, name="locations"),
    path("sites/<int:site_id>/setup/settings/", setup_views.settings_view, name="settings"),
    path(
        "discrepancies/<int:discrepancy_id>/resolve/",
        manage_views.resolve_view,
        name="resolve",
    ),
]

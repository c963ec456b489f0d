from django.urls import path

from ketaclinic.consent import template_views, views

app_name = "consent"

urlpatterns = [
    path("patients/<int:patient_id>/", views.chart_section_view, name="chart_section"),
    path("patients/<int:patient_id>/sign/<slug:kind>/", views.consent_sign_view, name="sign"),
    path(
        "patients/<int:patient_id>/<int:consent_id>/",
        views.consent_detail_view,
        name="detail",
    ),
    path(
        "patients/<int:patient_id>/<int:consent_id>/revoke/",
        views.consent_revoke_view,
        name="revoke",
    ),
    path(
        "patients/<int:patient_id>/<int:consent_id>/ending-event/",
        views.consent_ending_event_view,
        name="ending_event",
    ),
    path("templates/", template_views.template_list_view, name="template_list"),
    path("templates/new/", template_views.template_create_view, name="template_create"),
    path(
        "templates/<int:template_id>/edit/",
        template_views.template_edit_view,
        name="template_edit",
    ),
    path(
        "templates/<int:template_id>/new-version/",
        template_views.template_new_version_view,
        name="template_new_version",
    ),
    path(
        "templates/<int:template_id>/activate/",
        template_views.template_activate_view,
        name="template_activate",
    ),
    path(
        "templates/<int:template_id>/retire/",
        template_views.template_retire_view,
        name="template_retire",
    ),
    path(
        "templates/redisclosure-notice/new/",
        template_views.redisclosure_notice_create_view,
        name="notice_create",
    ),
]

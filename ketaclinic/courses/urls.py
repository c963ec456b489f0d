from __future__ import annotations

from django.urls import path

from ketaclinic.courses import views

app_name = "courses"

urlpatterns = [
    path("patients/<int:patient_id>/", views.chart_section_view, name="chart_section"),
    path("patients/<int:patient_id>/enrol/", views.enrol_view, name="enrol"),
    path("settings/", views.settings_view, name="settings"),
    path("<int:course_id>/", views.course_detail_view, name="detail"),
    path("<int:course_id>/booster/", views.booster_view, name="booster"),
    path("<int:course_id>/gate-overrides/", views.gate_override_view, name="gate_override"),
    path("<int:course_id>/infusions/", views.infusion_book_view, name="book_infusion"),
    path(
        "<int:course_id>/<slug:action>/",
        views.course_action_view,
        name="action",
    ),
]

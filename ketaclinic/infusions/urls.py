from __future__ import annotations

from django.urls import path

from ketaclinic.infusions import views

app_name = "infusions"

urlpatterns = [
    path("board/", views.chair_board_view, name="chair_board"),
    path("alert-rules/", views.alert_rules_view, name="alert_rules"),
    path(
        "alert-rules/<int:rule_id>/retire/",
        views.alert_rule_retire_view,
        name="alert_rule_retire",
    ),
    path("patients/<int:patient_id>/", views.patient_section_view, name="patient_section"),
    path("<int:infusion_id>/", views.flowsheet_view, name="flowsheet"),
    path("<int:infusion_id>/<slug:action>/", views.flowsheet_action_view, name="action"),
]

from django.urls import path

from ketaclinic.questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("alerts/", views.alert_list_view, name="alerts"),
    path("alerts/<int:alert_id>/", views.alert_detail_view, name="alert_detail"),
    path("instruments/", views.instrument_settings_view, name="instruments"),
    path("patients/<int:patient_id>/", views.chart_section_view, name="chart_section"),
    path(
        "patients/<int:patient_id>/new/<slug:code>/",
        views.response_new_view,
        name="response_new",
    ),
    path(
        "patients/<int:patient_id>/responses/<int:response_id>/",
        views.response_detail_view,
        name="response_detail",
    ),
    path(
        "patients/<int:patient_id>/responses/<int:response_id>/correct/",
        views.response_correct_view,
        name="response_correct",
    ),
]

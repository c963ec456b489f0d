from django.urls import path

from ketaclinic.recovery import views

app_name = "recovery"

urlpatterns = [
    path("patients/<int:patient_id>/", views.chart_section_view, name="chart_section"),
    path("patients/<int:patient_id>/timeline/", views.timeline_view, name="timeline"),
    path("patients/<int:patient_id>/followback/", views.followback_view, name="followback"),
    path("events/<int:event_id>/", views.event_view, name="event"),
    path("rules/", views.rules_view, name="rules"),
    path("rules/<int:site_id>/recompute/", views.rules_recompute_view, name="rules_recompute"),
]

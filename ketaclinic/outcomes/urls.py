from django.urls import path

from ketaclinic.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("", views.cohort_view, name="cohort"),
    path("cohort/<slug:chart>.csv", views.chart_csv_view, name="chart_csv"),
    path("export/", views.research_export_view, name="research_export"),
]

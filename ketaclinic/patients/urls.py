from django.urls import path

from ketaclinic.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list_view, name="list"),
    path("<int:patient_id>/", views.patient_chart_view, name="chart"),
    path("<int:patient_id>/clinical/", views.clinical_section_view, name="clinical_section"),
    path(
        "<int:patient_id>/clinical/<slug:kind>/add/",
        views.clinical_add_view,
        name="clinical_add",
    ),
    path(
        "<int:patient_id>/clinical/<slug:kind>/<int:item_id>/close/",
        views.clinical_close_view,
        name="clinical_close",
    ),
]

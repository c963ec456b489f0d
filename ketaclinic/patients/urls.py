from django.urls import path

from ketaclinic.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list_view, name="list"),
    path("<int:patient_id>/", views.patient_chart_view, name="chart"),
]

from django.urls import path

from ketaclinic.portal import staff_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("checkin/", views.checkin_view, name="checkin"),
    path("progress/", views.progress_view, name="progress"),
    path("trends/", views.trends_view, name="trends"),
    path("security/", views.security_view, name="security"),
    path("activate/<str:uidb64>/<str:token>/", views.activate_view, name="activate"),
    # Staff: the portal section of a patient's chart.
    path("patients/<int:patient_id>/", staff_views.chart_section_view, name="chart_section"),
    path("patients/<int:patient_id>/invite/", staff_views.invite_view, name="invite"),
    path("patients/<int:patient_id>/disable/", staff_views.disable_view, name="disable"),
]

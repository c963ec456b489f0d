from __future__ import annotations

from django.urls import path

from ketaclinic.scheduling import booking_views, feed_views, manage_views, views

app_name = "scheduling"

urlpatterns = [
    path("", views.day_view, name="day"),
    path("week/", views.week_view, name="week"),
    path("resources/<int:resource_id>/", views.resource_view, name="resource"),
    path("clinicians/<int:clinician_id>/", views.clinician_view, name="clinician"),
    path("book/", booking_views.book_view, name="book"),
    path("book/patients/", booking_views.book_patients_view, name="book_patients"),
    path("appointments/<int:appointment_id>/", views.appointment_view, name="appointment"),
    path(
        "appointments/<int:appointment_id>/<slug:action>/",
        views.appointment_action_view,
        name="appointment_action",
    ),
    path("manage/", manage_views.manage_view, name="manage"),
    path("manage/add/<slug:which>/", manage_views.manage_add_view, name="manage_add"),
    path(
        "manage/resources/<int:resource_id>/",
        manage_views.resource_update_view,
        name="resource_update",
    ),
    path(
        "manage/remove/<slug:which>/<int:row_id>/",
        manage_views.manage_remove_view,
        name="manage_remove",
    ),
    path("my-feed/", feed_views.my_feed_view, name="my_feed"),
    path("feed/<str:token>.ics", feed_views.feed_view, name="feed"),
]

from django.urls import path

from ketaclinic.notifications import views

app_name = "notifications"

# Mounted at /portal/reminders/: inside the portal's URL space, the only one patients reach.
urlpatterns = [
    path("", views.reminders_view, name="reminders"),
]

from __future__ import annotations

from django.urls import path

from ketaclinic.therapy import views

app_name = "therapy"

urlpatterns = [
    path("integrations/due/", views.integrations_due_view, name="integrations_due"),
    path("home-card/", views.home_card_view, name="home_card"),
    path(
        "courses/<int:course_id>/preparations/new/",
        views.preparation_new_view,
        name="preparation_new",
    ),
    path("preparations/<int:preparation_id>/", views.preparation_view, name="preparation"),
    path("integrations/<int:integration_id>/", views.integration_view, name="integration"),
]

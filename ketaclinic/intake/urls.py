from django.urls import path

from ketaclinic.intake import triage_views, views

app_name = "intake"

urlpatterns = [
    # Public, no login: one form per site.
    path("inquire/<slug:site_slug>/", views.inquiry_form_view, name="form"),
    path("inquire/<slug:site_slug>/thanks/", views.inquiry_thanks_view, name="thanks"),
    # Staff triage.
    path("intake/", triage_views.queue_view, name="queue"),
    path("intake/<int:inquiry_id>/", triage_views.detail_view, name="detail"),
    path("intake/<int:inquiry_id>/status/", triage_views.status_change_view, name="status"),
    path("intake/<int:inquiry_id>/convert/", triage_views.convert_view, name="convert"),
    path("intake/<int:inquiry_id>/attach/", triage_views.attach_view, name="attach"),
]

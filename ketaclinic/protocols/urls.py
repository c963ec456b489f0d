from django.urls import path

from ketaclinic.protocols import views

app_name = "protocols"

urlpatterns = [
    path("", views.library_view, name="library"),
    path("<slug:code>/v<int:number>/", views.version_detail_view, name="version"),
    path("<slug:code>/v<int:number>/new-version/", views.version_new_view, name="version_new"),
    path("<slug:code>/v<int:number>/edit/", views.version_edit_view, name="version_edit"),
    path(
        "<slug:code>/v<int:number>/activate/",
        views.version_activate_view,
        name="version_activate",
    ),
]

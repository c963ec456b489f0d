from django.urls import URLPattern, path  # noqa: F401  # path is used as views arrive

app_name = "portal"

urlpatterns: list[URLPattern] = []

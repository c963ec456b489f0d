from django.urls import path

from ketaclinic.accounts import staff_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/", views.mfa_view, name="mfa"),
    path("profile/", views.profile_view, name="profile"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("staff/", staff_views.staff_list_view, name="staff_list"),
    path("staff/new/", staff_views.staff_edit_view, name="staff_create"),
    path("staff/<int:user_id>/", staff_views.staff_edit_view, name="staff_edit"),
]

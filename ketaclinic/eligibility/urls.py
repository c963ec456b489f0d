from django.urls import path

from ketaclinic.eligibility import views

app_name = "eligibility"

_P = "patients/<int:patient_id>/"

urlpatterns = [
    path(_P, views.chart_section_view, name="chart_section"),
    path(f"{_P}readiness/", views.readiness_section_view, name="readiness_section"),
    path(f"{_P}screen/new/", views.screen_new_view, name="screen_new"),
    path(f"{_P}decision/new/", views.decision_new_view, name="decision_new"),
    path(f"{_P}risk-benefit/new/", views.risk_benefit_new_view, name="risk_benefit_new"),
    path(
        f"{_P}risk-benefit/<int:assessment_id>/sign/",
        views.risk_benefit_sign_view,
        name="risk_benefit_sign",
    ),
    path(f"{_P}level-of-care/new/", views.level_of_care_new_view, name="level_of_care_new"),
    path(f"{_P}referrals/new/", views.referral_new_view, name="referral_new"),
    path(
        f"{_P}referrals/<int:referral_id>/status/",
        views.referral_status_view,
        name="referral_status",
    ),
]

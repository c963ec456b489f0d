from django.urls import include, path

from ketaclinic.config.api import api
from ketaclinic.core.views import healthz_view

urlpatterns = [
    path("", include("ketaclinic.core.urls")),
    path("accounts/", include("ketaclinic.accounts.urls")),
    path("patients/", include("ketaclinic.patients.urls")),
    path("audit/", include("ketaclinic.audit.urls")),
    # Public inquiry form at /inquire/<site-slug>/ and the staff triage queue at /intake/.
    path("", include("ketaclinic.intake.urls")),
    path("eligibility/", include("ketaclinic.eligibility.urls")),
    path("consents/", include("ketaclinic.consent.urls")),
    path("questionnaires/", include("ketaclinic.questionnaires.urls")),
    path("portal/reminders/", include("ketaclinic.notifications.urls")),
    path("portal/", include("ketaclinic.portal.urls")),
    path("protocols/", include("ketaclinic.protocols.urls")),
    path("courses/", include("ketaclinic.courses.urls")),
    path("therapy/", include("ketaclinic.therapy.urls")),
    path("infusions/", include("ketaclinic.infusions.urls")),
    path("inventory/", include("ketaclinic.inventory.urls")),
    path("schedule/", include("ketaclinic.scheduling.urls")),
    path("recovery/", include("ketaclinic.recovery.urls")),
    path("outcomes/", include("ketaclinic.outcomes.urls")),
    path("api/v1/", api.urls),
    path("healthz", healthz_view, name="healthz"),
]

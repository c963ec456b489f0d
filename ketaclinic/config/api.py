"""The REST API at /api/v1/: one ninja Router per app, bearer tokens, JSON errors."""

from __future__ import annotations

from csp.decorators import csp_update
from ninja import NinjaAPI, Swagger

from ketaclinic.consent.api import router as consent_router
from ketaclinic.core.api import BearerTokenAuth, install_error_handlers
from ketaclinic.courses.api import router as courses_router
from ketaclinic.eligibility.api import router as eligibility_router
from ketaclinic.infusions.api import router as infusions_router
from ketaclinic.intake.api import router as intake_router
from ketaclinic.inventory.api import router as inventory_router
from ketaclinic.outcomes.api import router as outcomes_router
from ketaclinic.patients.api import router as patients_router
from ketaclinic.protocols.api import router as protocols_router
from ketaclinic.questionnaires.api import router as questionnaires_router
from ketaclinic.recovery.api import router as recovery_router
from ketaclinic.scheduling.api import router as scheduling_router
from ketaclinic.therapy.api import router as therapy_router

api = NinjaAPI(
    title="Ketaclinic API",
    version="1",
    description=(
        "Site-scoped clinical API. Authenticate with a personal access token from your "
        "profile page: `Authorization: Bearer <token>`. Errors are JSON "
        '`{"detail": ..., "code": ...}`.'
    ),
    auth=BearerTokenAuth(),
    urls_namespace="api",
    docs=Swagger(),
    # Swagger UI (vendored in django-ninja) sets inline styles; scripts stay 'self' only.
    docs_decorator=csp_update({"style-src": ["'unsafe-inline'"]}),
)
install_error_handlers(api)
api.add_router("/", patients_router)
api.add_router("/", intake_router)
api.add_router("/", eligibility_router)
api.add_router("/", consent_router)
api.add_router("/", questionnaires_router)
api.add_router("/", protocols_router)
api.add_router("/", courses_router)
api.add_router("/", therapy_router)
api.add_router("/", infusions_router)
api.add_router("/", inventory_router)
api.add_router("/", scheduling_router)
api.add_router("/", outcomes_router)
api.add_router("/", recovery_router)

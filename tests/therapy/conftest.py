"""The therapy tests use the course fixtures (roles, ready patient, protocol library)."""

from tests.courses.conftest import (  # noqa: F401  # re-exported pytest fixtures
    clinic_admin,
    kare,
    nurse,
    patient,
    ready,
    therapist,
    wh_physician,
)

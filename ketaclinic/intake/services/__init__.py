"""Every write of an inquiry, split by workflow: public submission, triage, conversion.

Other apps import from here: `from ketaclinic.intake import services`.
"""

from ketaclinic.intake.services.conversion import (
    ConflictError,
    DuplicatePatientError,
    inquiry_attach_to_patient,
    inquiry_convert_to_patient,
    next_mrn,
)
from ketaclinic.intake.services.submission import (
    ATTEMPTS_PER_HOUR,
    address_digest,
    inquiry_attempt_record,
    inquiry_submit,
)
from ketaclinic.intake.services.triage import inquiry_status_change, require_inquiry_access

__all__ = [
    "ATTEMPTS_PER_HOUR",
    "ConflictError",
    "DuplicatePatientError",
    "address_digest",
    "inquiry_attach_to_patient",
    "inquiry_attempt_record",
    "inquiry_convert_to_patient",
    "inquiry_status_change",
    "inquiry_submit",
    "next_mrn",
    "require_inquiry_access",
]

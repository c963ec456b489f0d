"""Clinical code systems the chart stores, with the shape checks that catch typing errors.

Sources: DOMAIN.md section 6 (ICD-10-CM, its URI and the suggested codes); HL7 FHIR R4
terminology pages for the system URIs (https://hl7.org/fhir/R4/terminologies-systems.html);
the CDC/NCHS ICD-10-CM tabular list for the code shape (3 to 7 characters: a letter, a
digit, a letter or digit, then optionally a dot and up to four more characters).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

# Always stored with the code: WHO ICD-10 gives some of the same codes other meanings.
ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_CT_SYSTEM = "http://snomed.info/sct"


class CodeSystem(models.TextChoices):
    ICD10CM = ICD10CM_SYSTEM, "ICD-10-CM"
    SNOMED_CT = SNOMED_CT_SYSTEM, "SNOMED CT"


_ICD10CM_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
# An SCTID is 6 to 18 digits with no leading zero (SNOMED CT Technical Implementation Guide).
_SNOMED_SHAPE = re.compile(r"^[1-9][0-9]{5,17}$")

# Offered as suggestions; any well-formed ICD-10-CM code may be typed (DOMAIN.md section 6).
ICD10CM_SUGGESTIONS: list[tuple[str, str]] = [
    ("F10.10", "Alcohol abuse"),
    ("F10.20", "Alcohol dependence"),
    ("F11.20", "Opioid dependence"),
    ("F12", "Cannabis-related disorders (F12.x: complete the code)"),
    ("F14", "Cocaine-related disorders (F14.x: complete the code)"),
    ("F63.0", "Pathological gambling"),
]

# Code families DOMAIN.md section 6 ties to one addiction target, used to catch a code
# entered on the wrong target (an opioid code on an alcohol target).
ICD10CM_FAMILY_TARGETS: list[tuple[str, str]] = [
    ("F10", "alcohol"),
    ("F11", "opioids"),
    ("F12", "cannabis"),
    ("F14", "cocaine_stimulants"),
    ("F63.0", "gambling"),
]


def normalise_code(code: str) -> str:
    return code.strip().upper()


def validate_icd10cm(code: str) -> None:
    if not _ICD10CM_SHAPE.match(code):
        raise ValidationError(
            f"{code!r} is not an ICD-10-CM code: write it like F10.20 (a letter, a digit, "
            "a letter or digit, then optionally a dot and up to 4 more)."
        )


def validate_code(*, system: str, code: str) -> None:
    if system == ICD10CM_SYSTEM:
        validate_icd10cm(code)
    elif system == SNOMED_CT_SYSTEM and not _SNOMED_SHAPE.match(code):
        raise ValidationError(
            f"{code!r} is not a SNOMED CT concept id: it is 6 to 18 digits, for example 373464007."
        )


def icd10cm_family_target(code: str) -> str | None:
    """The addiction target DOMAIN.md ties this code's family to, or None if it names none."""
    for prefix, target in ICD10CM_FAMILY_TARGETS:
        if code == prefix or code.startswith(prefix if "." in prefix else f"{prefix}."):
            return target
    return None

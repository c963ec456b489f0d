from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ketaclinic.patients.codes import icd10cm_family_target, validate_icd10cm


@pytest.mark.parametrize(
    "code", ["F10.10", "F10.20", "F11.20", "F12", "F14.259", "F63.0", "T40.1X1A"]
)
def test_well_formed_icd10cm_codes_pass(code):
    validate_icd10cm(code)


@pytest.mark.parametrize("code", ["F1020", "f10.20", "10.20", "F10.", "F10.12345", "FF0.1", ""])
def test_malformed_icd10cm_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_icd10cm(code)


@pytest.mark.parametrize(
    ("code", "target"),
    [
        ("F10.20", "alcohol"),
        ("F11.20", "opioids"),
        ("F12", "cannabis"),
        ("F12.90", "cannabis"),
        ("F14.10", "cocaine_stimulants"),
        ("F63.0", "gambling"),
        ("F63.1", None),
        ("F101.1", None),
        ("F17.210", None),
    ],
)
def test_code_families_named_in_domain_map_to_their_target(code, target):
    assert icd10cm_family_target(code) == target

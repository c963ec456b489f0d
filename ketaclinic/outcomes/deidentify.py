"""HIPAA Safe Harbor helpers for the research export (45 CFR 164.514(b)(2); issue 7 item 8).

Pure helpers: the export view decides what to write, these decide how a value is made safe.
Free text (notes, triggers typed by the patient, relapse context, integration notes) is never
exported: it cannot be reliably scrubbed of names, places and dates, so there is deliberately
no scrubber here. Export coded fields only.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Hashable, Sequence
from typing import TypeVar

# Safe Harbor allows ages up to 89; 90 and over fold into one category (164.514(b)(2)(i)(C)).
OLDEST_EXACT_AGE = 89
TOP_AGE_BAND = "90+"

# The 18 identifier kinds of 164.514(b)(2)(i), (A) to (R), for the export's data dictionary.
SAFE_HARBOR_FORBIDDEN: tuple[str, ...] = (
    "Names",
    "Geographic subdivisions smaller than a state (street address, city, county, precinct, "
    "ZIP code and their geocodes; the first three ZIP digits only under the census rule)",
    "All elements of dates (except year) directly related to a person: birth, admission, "
    "discharge, death, visit, infusion and check-in dates; ages over 89",
    "Telephone numbers",
    "Fax numbers",
    "Email addresses",
    "Social Security numbers",
    "Medical record numbers",
    "Health plan beneficiary numbers",
    "Account numbers",
    "Certificate and licence numbers",
    "Vehicle identifiers and serial numbers, including licence plates",
    "Device identifiers and serial numbers",
    "Web URLs",
    "IP addresses",
    "Biometric identifiers, including finger and voice prints",
    "Full-face photographs and comparable images",
    "Any other unique identifying number, characteristic or code (including database ids)",
)

Key = TypeVar("Key", bound=Hashable)


def age_band(age_years: float) -> str:
    """Exact age in whole years below 90; "90+" for 90 and over."""
    if not math.isfinite(age_years) or age_years < 0:
        raise ValueError(f"Age must be a number >= 0, not {age_years}.")
    years = math.floor(age_years)
    return TOP_AGE_BAND if years > OLDEST_EXACT_AGE else str(years)


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in completed years on a date (a 29 February birthday turns over on 1 March)."""
    years = on.year - born.year
    return years - 1 if (on.month, on.day) < (born.month, born.day) else years


def days_from(anchor: dt.date, d: dt.date | dt.datetime | None) -> int | None:
    """Days from `anchor` (enrolment) to `d`: 0 on the day, negative before. A datetime counts
    by its own calendar date, so convert it to the site's time zone first. None stays None."""
    if d is None:
        return None
    on = d.date() if isinstance(d, dt.datetime) else d
    return (on - anchor).days


def study_ids(keys: Sequence[Key], *, prefix: str = "S") -> dict[Key, str]:
    """A fresh random study id per subject for one export ("S0001"...), in shuffled order so the
    id carries nothing about the record (164.514(c): a code not derived from the person).
    New on every export, so two exports cannot be joined on it."""
    unique = list(dict.fromkeys(keys))
    secrets.SystemRandom().shuffle(unique)
    width = max(4, len(str(len(unique))))
    return {key: f"{prefix}{index:0{width}d}" for index, key in enumerate(unique, start=1)}

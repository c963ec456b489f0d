"""Every write of eligibility records: atomic, permission- and site-checked, audited."""

from ketaclinic.eligibility.services.decisions import eligibility_decide
from ketaclinic.eligibility.services.level_of_care import (
    DimensionRating,
    level_of_care_assess,
    referral_create,
    referral_status_set,
)
from ketaclinic.eligibility.services.risk_benefit import risk_benefit_record, risk_benefit_sign
from ketaclinic.eligibility.services.screening import ScreenAnswer, contraindication_screen_record

__all__ = [
    "DimensionRating",
    "ScreenAnswer",
    "contraindication_screen_record",
    "eligibility_decide",
    "level_of_care_assess",
    "referral_create",
    "referral_status_set",
    "risk_benefit_record",
    "risk_benefit_sign",
]

"""The fixed vocabularies of eligibility records, shared by models, rules, forms and the API."""

from __future__ import annotations

from django.db import models


class ContraindicationClass(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute"
    RELATIVE = "relative", "Relative (needs physician review)"


class Answer(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    UNKNOWN = "unknown", "Unknown"


class EligibilityOutcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    ELIGIBLE_WITH_CONDITIONS = "eligible_with_conditions", "Eligible with conditions"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    REFER_ELSEWHERE = "refer_elsewhere", "Refer elsewhere"


# The outcomes that let treatment go ahead (and so need an override over an absolute item).
TREATABLE_OUTCOMES = frozenset(
    {EligibilityOutcome.ELIGIBLE, EligibilityOutcome.ELIGIBLE_WITH_CONDITIONS}
)


class PriorKetamineUse(models.TextChoices):
    NEVER = "never", "Never"
    PAST = "past", "Past use, not recent"
    RECENT = "recent", "Recent use"
    MISUSE = "misuse", "Misuse (past or present)"


class FamilyHistory(models.TextChoices):
    NONE = "none", "None known"
    ONE_FIRST_DEGREE = "one_first_degree", "One first-degree relative"
    SEVERAL = "several", "Several relatives"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class Substance(models.TextChoices):
    """The substance groups of the inquiry form (issue 3), for 'current substances'."""

    ALCOHOL = "alcohol", "Alcohol"
    OPIOIDS = "opioids", "Opioids"
    STIMULANTS = "stimulants", "Cocaine or other stimulants"
    CANNABIS = "cannabis", "Cannabis"
    SEDATIVES = "sedatives", "Sedatives (benzodiazepines, hypnotics)"
    DISSOCIATIVES = "dissociatives", "Ketamine or other dissociatives"
    OTHER = "other", "Other (describe in the note)"


class AsamLevel(models.TextChoices):
    """ASAM Criteria 3rd ed. levels with DOMAIN.md §5's descriptions.

    The three residential levels carry ASAM's own names so they can be told apart.
    """

    EARLY_INTERVENTION = "0.5", "0.5 Early intervention"
    OUTPATIENT = "1", "1 Outpatient (under 9 hours a week)"
    INTENSIVE_OUTPATIENT = "2.1", "2.1 Intensive outpatient (9-19 hours a week)"
    PARTIAL_HOSPITALISATION = "2.5", "2.5 Partial hospitalisation (20 hours a week or more)"
    RESIDENTIAL_LOW = "3.1", "3.1 Residential (clinically managed, low intensity)"
    RESIDENTIAL_POPULATION = "3.3", "3.3 Residential (clinically managed, population-specific)"
    RESIDENTIAL_HIGH = "3.5", "3.5 Residential (clinically managed, high intensity)"
    MEDICALLY_MONITORED = "3.7", "3.7 Medically monitored intensive in-patient"
    MEDICALLY_MANAGED = "4", "4 Medically managed intensive in-patient"


# DOMAIN.md §5: "In-patient care for severe cases means 3.7 or 4: the software recommends a
# referral; a clinician decides."
INPATIENT_LEVELS = frozenset({AsamLevel.MEDICALLY_MONITORED, AsamLevel.MEDICALLY_MANAGED})


class ReferralStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"

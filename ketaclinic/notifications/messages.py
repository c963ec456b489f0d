"""What reminders say, and the check that they never say anything clinical.

An email or a text can be read by anyone who sees the phone or the inbox, and 42 CFR Part 2
forbids disclosing that someone is in addiction treatment. So a reminder names only the
clinic, the day and the time: never a diagnosis, a substance, a medication, a treatment or
an appointment type. Every message is checked against a fixed list of terms and against the
patient's own chart (targets, diagnoses, medications, allergies) before it is queued.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from ketaclinic.patients.models import (
    AddictionTarget,
    Allergy,
    Diagnosis,
    Medication,
    Patient,
    Target,
)

from .models import Channel

# Words no reminder may contain, whoever it goes to. The addiction targets are added from
# their choices below, so a new target is covered without editing this list.
FORBIDDEN_TERMS: frozenset[str] = frozenset(
    {
        "ketamine",
        "esketamine",
        "spravato",
        "infusion",
        "infusions",
        "dissociation",
        "psychedelic",
        "alcohol",
        "drinking",
        "opioid",
        "heroin",
        "fentanyl",
        "methadone",
        "buprenorphine",
        "naltrexone",
        "methamphetamine",
        "benzodiazepine",
        "marijuana",
        "addiction",
        "substance",
        "relapse",
        "detox",
        "withdrawal",
        "diagnosis",
        "medication",
        "dose",
        "psychiatric",
        "rehab",
    }
    | {word for value in Target.values if value != Target.OTHER for word in value.split("_")}
)

PATIENT_EMAIL_FOOTER = (
    "To change how we remind you, or to stop reminders, sign in to your patient portal and "
    "open Reminders."
)
PATIENT_SMS_FOOTER = "Manage reminders in your patient portal."


class ClinicalDetailError(AssertionError):
    """A reminder text would have disclosed clinical detail; nothing was queued."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    to_patient: bool = True

    def body_for(self, channel: str) -> str:
        if not self.to_patient:
            return self.text
        if channel == Channel.SMS:
            return f"{self.text} {PATIENT_SMS_FOOTER}"
        return f"{self.text}\n\n{PATIENT_EMAIL_FOOTER}\n"


# --- The texts ---------------------------------------------------------------------------------


def appointment_reminder(
    *, site_name: str, starts_at: dt.datetime, time_zone: str, now: dt.datetime
) -> Message:
    """'Reminder: you have an appointment at the Boston clinic tomorrow at 9:00 AM.'"""
    zone = zoneinfo.ZoneInfo(time_zone)
    local = starts_at.astimezone(zone)
    days_ahead = (local.date() - now.astimezone(zone).date()).days
    if days_ahead == 0:
        day = "today"
    elif days_ahead == 1:
        day = "tomorrow"
    else:
        day = f"on {local:%A, %B} {local.day}"
    clock = local.strftime("%I:%M %p").lstrip("0")
    return Message(
        subject="Appointment reminder",
        text=f"Reminder: you have an appointment at {_clinic(site_name)} {day} at {clock}.",
    )


def checkin_reminder() -> Message:
    return Message(
        subject="Your daily check-in",
        text="Your daily check-in is open. Sign in to your patient portal to fill it in.",
    )


def questionnaire_reminder() -> Message:
    return Message(
        subject="A questionnaire is waiting",
        text="You have a questionnaire waiting in your patient portal.",
    )


def integration_overdue_alert(*, site_name: str) -> Message:
    """To staff: no patient named; staff open the dashboard to see who."""
    where = site_name if not find_clinical_terms(site_name) else "your clinic"
    return Message(
        subject="Overdue integration session",
        text=f"An integration session at {where} is overdue; open Ketaclinic to see it.",
        to_patient=False,
    )


def _clinic(site_name: str) -> str:
    # A site named after the treatment ("Boston Ketamine Clinic") must not be spelt out.
    return f"the {site_name} clinic" if not find_clinical_terms(site_name) else "the clinic"


# --- The check ---------------------------------------------------------------------------------


def clinical_terms_for(patient: Patient) -> frozenset[str]:
    """What this patient's chart says that a reminder must never repeat (four queries)."""
    terms: set[str] = set()
    for target, label, code in AddictionTarget.objects.filter(patient=patient).values_list(
        "target", "label", "code"
    ):
        terms.update({target.replace("_", " "), label, code})
    for code, display in Diagnosis.objects.filter(patient=patient).values_list("code", "display"):
        terms.update({code, display})
    terms.update(Medication.objects.filter(patient=patient).values_list("name", flat=True))
    terms.update(Allergy.objects.filter(patient=patient).values_list("substance", flat=True))
    return frozenset(term.strip() for term in terms if term and term.strip())


def find_clinical_terms(text: str, extra: Iterable[str] = ()) -> list[str]:
    """The forbidden terms (and `extra` terms) that `text` contains, as whole words."""
    found = []
    for term in sorted({*FORBIDDEN_TERMS, *extra}):
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, flags=re.IGNORECASE):
            found.append(term)
    return found


def require_no_clinical_detail(
    message: Message, *, extra_terms: Iterable[str] = frozenset()
) -> None:
    """Refuse a message whose subject or body (on any channel) contains a forbidden term or
    one of `extra_terms` (the recipient patient's `clinical_terms_for`)."""
    for channel in Channel.values:
        text = f"{message.subject}\n{message.body_for(channel)}"
        found = find_clinical_terms(text, extra_terms)
        if found:
            raise ClinicalDetailError(
                f"A reminder would have disclosed clinical detail ({', '.join(found)}): "
                "nothing was sent."
            )

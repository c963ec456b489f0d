"""The reminder runs the beat schedule starts: plan what is due, then claim it in the outbox.

Each run can be repeated at will (by a retry, a second worker, a second beat): a message
whose key is already in the outbox is left alone, so each reminder goes out once.
"""

from __future__ import annotations

import datetime as dt
import logging

from ketaclinic.accounts.models import User
from ketaclinic.patients.models import Patient

from .. import selectors
from ..messages import ClinicalDetailError, clinical_terms_for, require_no_clinical_detail
from ..models import Channel, ContactPreference, Notification
from ..selectors import Plan
from .outbox import notification_claim

logger = logging.getLogger(__name__)

# Keys looked up per query when skipping what was already claimed.
_KEY_CHUNK = 500


def appointment_reminders_queue(*, now: dt.datetime) -> int:
    """Claim the day-before and two-hours-before reminders now due; returns how many."""
    return _queue(selectors.appointment_reminders_due(now=now))


def checkin_reminders_queue(*, now: dt.datetime) -> int:
    """Claim today's check-in reminders for patients whose chosen time has passed."""
    return _queue(selectors.checkin_reminders_due(now=now))


def questionnaire_reminders_queue(*, now: dt.datetime) -> int:
    """Claim a reminder for questionnaires that fell due and are still open."""
    return _queue(selectors.questionnaire_reminders_due(now=now))


def integration_alerts_queue(*, now: dt.datetime) -> int:
    """Claim an alert to staff for each integration session that became overdue."""
    return _queue(selectors.integration_alerts_due(now=now))


def _queue(plans: list[Plan]) -> int:
    wanted = list(_expand(plans))
    taken = _claimed_keys([key for key, _plan, _channel, _address in wanted])
    terms: dict[int, frozenset[str]] = {}
    claimed = 0
    for key, plan, channel, address in wanted:
        if key in taken:
            continue
        if not _is_clean(plan, terms):
            continue
        notification = notification_claim(
            key=key,
            kind=plan.kind,
            channel=channel,
            site=plan.site,
            to_address=address,
            message=plan.message,
            patient=plan.patient,
            staff_user=plan.staff_user,
        )
        claimed += notification is not None
    return claimed


def _expand(plans: list[Plan]) -> list[tuple[str, Plan, str, str]]:
    """(key with channel, plan, channel, address) for each channel the recipient accepts."""
    preferences = selectors.preferences_by_patient(
        {plan.patient.pk for plan in plans if plan.patient is not None}
    )
    wanted = []
    for plan in plans:
        for channel, address in _channels(plan, preferences):
            wanted.append((f"{plan.key}:{channel}", plan, channel, address))
    return wanted


def _channels(plan: Plan, preferences: dict[int, ContactPreference]) -> list[tuple[str, str]]:
    if plan.patient is not None:
        return selectors.patient_channels(
            patient=plan.patient, preference=preferences.get(plan.patient.pk)
        )
    staff: User | None = plan.staff_user
    return [(Channel.EMAIL.value, staff.email)] if staff is not None and staff.email else []


def _claimed_keys(keys: list[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        taken.update(Notification.objects.filter(key__in=chunk).values_list("key", flat=True))
    return taken


def _is_clean(plan: Plan, terms: dict[int, frozenset[str]]) -> bool:
    """The message says nothing from the recipient patient's chart (checked once each)."""
    patient: Patient | None = plan.patient
    extra: frozenset[str] = frozenset()
    if patient is not None:
        if patient.pk not in terms:
            terms[patient.pk] = clinical_terms_for(patient)
        extra = terms[patient.pk]
    try:
        require_no_clinical_detail(plan.message, extra_terms=extra)
    except ClinicalDetailError:
        # Never sent; logged without the text, which is what must not leak.
        logger.error("reminder %s withheld: its text would disclose clinical detail", plan.key)
        return False
    return True

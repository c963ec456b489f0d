"""Scheduling questionnaires around treatment events; completing and cancelling due items.

The treatment-course work calls `schedule_event` at each event (baseline, before and after
each infusion, after the last infusion) and `schedule_weekly` for the weeks of a course.
`actor=None` is a system job: no user check, audited as "ketaclinic scheduler". Dates are
shifted on the site's wall clock, so a follow-up due "30 days after" a 2 p.m. infusion is
due at 2 p.m. local time on that date, across a daylight-saving change too.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, require_plausible_time
from ketaclinic.patients.models import Patient
from ketaclinic.questionnaires.models import (
    DueQuestionnaire,
    DueStatus,
    ScheduleEvent,
    ScheduleRule,
)
from ketaclinic.questionnaires.selectors import instruments_enabled
from ketaclinic.questionnaires.services._common import validated

SCHEDULER = "ketaclinic scheduler"
TARGET_TYPE = "due_questionnaire"
SCHEDULE_HORIZON_DAYS = 3 * 365
REFERENCE_MAX_LENGTH = 64
# A course runs weeks, not years: a longer weekly schedule is a typing error in a date.
MAX_WEEKS = 104
_LOADED = ("patient", "instrument", "rule", "created_by")


def schedule_event(
    *,
    actor: User | None,
    patient: Patient,
    event: str,
    at: dt.datetime,
    reference: str = "",
) -> list[DueQuestionnaire]:
    """Create the due items of every active rule for `event` at `at` + the rule's offset
    (for `after_last_infusion`, `at` is the last infusion). Instruments switched off at the
    patient's site are left out. Idempotent: items already scheduled are returned, not
    added again; and while the patient has open baseline items (for that reference), the
    baseline is not scheduled again. Returns the event's items, soonest first."""
    _require_scheduling(actor, patient)
    return _schedule(actor, patient, _event(event), [_aware(at, "at")], _reference(reference))


def schedule_weekly(
    *,
    actor: User | None,
    patient: Patient,
    start: dt.datetime,
    end: dt.datetime,
    reference: str = "",
) -> list[DueQuestionnaire]:
    """The weekly-during-treatment items: one week after `start`, then every week up to and
    including `end` (week 0 is covered by the baseline and pre-infusion items)."""
    _require_scheduling(actor, patient)
    start, end = _aware(start, "start"), _aware(end, "end")
    if end < start:
        message = "The end of treatment is before its start: check the two dates."
        raise ApplicationError(message, field_errors={"end": [message]})
    local_start = start.astimezone(zoneinfo.ZoneInfo(patient.site.time_zone))
    weeks: list[dt.datetime] = []
    while (anchor := local_start + dt.timedelta(weeks=len(weeks) + 1)) <= end:
        weeks.append(anchor)
    if len(weeks) > MAX_WEEKS:
        message = f"That is {len(weeks)} weeks of treatment: check the end date."
        raise ApplicationError(message, field_errors={"end": [message]})
    return _schedule(actor, patient, ScheduleEvent.WEEKLY, weeks, _reference(reference))


def _schedule(
    actor: User | None,
    patient: Patient,
    event: ScheduleEvent,
    anchors: Sequence[dt.datetime],
    reference: str,
) -> list[DueQuestionnaire]:
    zone = zoneinfo.ZoneInfo(patient.site.time_zone)
    with transaction.atomic():
        # One scheduler at a time per patient, so two runs cannot both add the same item.
        Patient.objects.select_for_update().only("pk").get(pk=patient.pk)
        if event == ScheduleEvent.BASELINE:
            pending = _open_baseline(patient, reference)
            if pending:
                return pending
        planned = _planned(actor, patient, event, anchors, reference, zone)
        existing = {
            (item.instrument_id, item.due_at): item
            for item in DueQuestionnaire.objects.select_related("instrument").filter(
                patient=patient,
                event=event,
                reference=reference,
                due_at__in={due_at for _, due_at in planned},
            )
        }
        # The relations were just loaded, and the database enforces the constraints.
        new = [
            validated(item, exclude=_LOADED, validate_constraints=False)
            for key, item in planned.items()
            if key not in existing
        ]
        created = DueQuestionnaire.objects.bulk_create(new)
        if created:
            audit_due(actor, patient, Action.CREATE, reference or event, _summary(event, created))
    items = [*existing.values(), *created]
    return sorted(items, key=lambda item: (item.due_at, item.instrument.code, item.pk))


def _open_baseline(patient: Patient, reference: str) -> list[DueQuestionnaire]:
    """A baseline still open is not scheduled again (a second click, a second tab)."""
    queryset = DueQuestionnaire.objects.select_related("instrument").filter(
        patient=patient, event=ScheduleEvent.BASELINE, reference=reference, status=DueStatus.OPEN
    )
    return list(queryset.order_by("due_at", "instrument__code", "id"))


def _planned(
    actor: User | None,
    patient: Patient,
    event: ScheduleEvent,
    anchors: Sequence[dt.datetime],
    reference: str,
    zone: zoneinfo.ZoneInfo,
) -> dict[tuple[int, dt.datetime], DueQuestionnaire]:
    """The items the active rules ask for, one per instrument and due time."""
    rules = ScheduleRule.objects.filter(event=event, is_active=True).order_by("offset_days", "id")
    enabled = {
        instrument.code: instrument for instrument in instruments_enabled(site_id=patient.site_id)
    }
    planned: dict[tuple[int, dt.datetime], DueQuestionnaire] = {}
    for anchor in anchors:
        for rule in rules:
            local_due = anchor.astimezone(zone) + dt.timedelta(days=rule.offset_days)
            due_at = local_due.astimezone(dt.UTC)
            overdue_at = (local_due + dt.timedelta(days=rule.window_days)).astimezone(dt.UTC)
            for code in rule.instruments:
                instrument = enabled.get(code)
                if instrument is None:  # switched off at the patient's site
                    continue
                planned.setdefault(
                    (instrument.pk, due_at),
                    DueQuestionnaire(
                        patient=patient,
                        instrument=instrument,
                        event=event,
                        rule=rule,
                        due_at=due_at,
                        overdue_at=overdue_at,
                        reference=reference,
                        created_by=actor,
                    ),
                )
    return planned


def _summary(event: ScheduleEvent, created: Sequence[DueQuestionnaire]) -> str:
    codes = sorted({item.instrument.code for item in created})
    return f"{event}: {len(created)} due item(s) scheduled ({', '.join(codes)})"


def _require_scheduling(actor: User | None, patient: Patient) -> None:
    if actor is not None:
        require_patient_access(user=actor, patient=patient, target_type=TARGET_TYPE)
        require_enter(actor, patient)
    elif not patient.is_active:
        raise ApplicationError(
            "This patient's record is closed: no questionnaires were scheduled.",
            code=ErrorCode.CONFLICT,
        )


def require_enter(actor: User, patient: Patient) -> None:
    require_perm(
        user=actor,
        perm=Perm.QUESTIONNAIRE_ENTER,
        target_type=TARGET_TYPE,
        target_id=patient.pk,
        patient=patient,
        message="Your role does not allow scheduling questionnaires. Ask a clinician to do it.",
    )


def _event(event: str) -> ScheduleEvent:
    try:
        return ScheduleEvent(event)
    except ValueError:
        message = f"Unknown event {event!r}: use one of {', '.join(ScheduleEvent.values)}."
        raise ApplicationError(message, field_errors={"event": [message]}) from None


def _aware(value: dt.datetime, field: str) -> dt.datetime:
    if timezone.is_naive(value):
        message = f"Give {field} with its UTC offset, e.g. 2026-11-20T09:30:00-05:00."
        raise ApplicationError(message, field_errors={field: [message]})
    # Follow-ups reach a year past `at`: a date far off is a typing error, not a plan.
    return require_plausible_time(
        value, field=field, latest=timezone.now() + dt.timedelta(days=SCHEDULE_HORIZON_DAYS)
    )


def _reference(reference: str) -> str:
    reference = reference.strip()
    if len(reference) > REFERENCE_MAX_LENGTH:
        message = f"The reference is longer than {REFERENCE_MAX_LENGTH} characters: shorten it."
        raise ApplicationError(message, field_errors={"reference": [message]})
    return reference


def audit_due(
    actor: User | None, patient: Patient, action: Action, target_id: str | int, detail: str
) -> None:
    audit_record(
        actor=actor,
        actor_username=SCHEDULER,
        action=action,
        patient=patient,
        target_type=TARGET_TYPE,
        target_id=target_id,
        detail=detail,
    )

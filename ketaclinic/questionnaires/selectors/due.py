"""Due and overdue questionnaires: per patient (chart, API), per clinician (the due list).

An open item is "due" from `due_at` and "overdue" from `overdue_at` (both inclusive); each
item these return carries `is_overdue` for the moment asked about.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, F, Q, Value, When
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patients_visible
from ketaclinic.questionnaires.models import DueQuestionnaire, DueQuestionnaireQuerySet

UPCOMING_SHOWN = 10
TARGET_TYPE = "due_questionnaire"


def with_overdue(queryset: DueQuestionnaireQuerySet, now: dt.datetime) -> DueQuestionnaireQuerySet:
    """Annotate `is_overdue`: the item's window ended at or before `now`."""
    # The model declares `is_overdue: bool`, so readers of these rows are typed; the stubs
    # see the annotation as redefining it.
    return queryset.annotate(  # type: ignore[no-redef]  # fills the declared attribute
        is_overdue=Case(
            When(overdue_at__lte=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


# --- One patient ----------------------------------------------------------------------------
# These take a patient already loaded through `patient_get` (staff) or `account_patient`
# (the patient), which scoped and audited the read; they add no audit row of their own.


def patient_due_list(
    *, patient: Patient, now: dt.datetime | None = None, include_upcoming: bool = False
) -> DueQuestionnaireQuerySet:
    """Open items due now or overdue (and, if asked, those not due yet), oldest first."""
    now = now or timezone.now()
    queryset = DueQuestionnaire.objects.open().filter(patient=patient)
    if not include_upcoming:
        queryset = queryset.filter(due_at__lte=now)
    return with_overdue(queryset, now).select_related("instrument").order_by("due_at", "id")


def due_questionnaires(
    *, patient: Patient, now: dt.datetime | None = None
) -> list[DueQuestionnaire]:
    """The patient's open items due now or overdue (`due_at <= now`), oldest first."""
    return list(patient_due_list(patient=patient, now=now))


def upcoming_questionnaires(
    *, patient: Patient, now: dt.datetime | None = None, limit: int = UPCOMING_SHOWN
) -> list[DueQuestionnaire]:
    """The next open items not due yet, soonest first."""
    now = now or timezone.now()
    queryset = DueQuestionnaire.objects.open().filter(patient=patient, due_at__gt=now)
    return list(queryset.select_related("instrument").order_by("due_at", "id")[:limit])


# --- The clinician's list -------------------------------------------------------------------


def due_for_clinician(
    *, user: User, now: dt.datetime | None = None, all_at_sites: bool = False
) -> DueQuestionnaireQuerySet:
    """Open items due now or overdue for the patients whose care team the user is on (the
    physician or therapist of record), or with `all_at_sites` for every patient at the
    user's sites. Overdue first, then oldest first. Unevaluated: callers paginate and then
    call `due_list_audit` for the items shown."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type="due_questionnaire_list")
    now = now or timezone.now()
    queryset = DueQuestionnaire.objects.open().filter(
        patient__in=patients_visible(user=user), due_at__lte=now
    )
    if not all_at_sites:
        queryset = queryset.filter(
            Q(patient__care_team__physician=user) | Q(patient__care_team__therapist=user)
        )
    return (
        with_overdue(queryset, now)
        .select_related("patient__site", "instrument")
        .order_by(F("is_overdue").desc(), "due_at", "id")
    )


def due_list_audit(*, user: User, items: list[DueQuestionnaire]) -> None:
    """One read row per patient whose items were shown."""
    patients = {item.patient_id: item.patient for item in items}
    audit_record_patient_reads(
        actor=user, patients=patients.values(), target_type="due_questionnaire_list"
    )


def due_item_get(*, user: User, due_id: int) -> DueQuestionnaire:
    """One due item of a patient at the user's sites (audited read); a missing or foreign
    one is the same 404, and the attempt is audited."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type=TARGET_TYPE, target_id=due_id)
    item = (
        DueQuestionnaire.objects.filter(pk=due_id, patient__in=patients_visible(user=user))
        .select_related("patient__site", "instrument")
        .first()
    )
    if item is None:
        existing = DueQuestionnaire.objects.select_related("patient").filter(pk=due_id).first()
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            patient=existing.patient if existing else None,
            target_type=TARGET_TYPE,
            target_id=due_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if existing else "no such item",
        )
        raise NotFoundError("No due questionnaire with that id at your sites.")
    audit_record(
        actor=user,
        action=Action.READ,
        patient=item.patient,
        target_type=TARGET_TYPE,
        target_id=item.pk,
    )
    return item

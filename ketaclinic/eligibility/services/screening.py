"""Recording a contraindication screen: one answer per active checklist item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError
from ketaclinic.eligibility.choices import Answer
from ketaclinic.eligibility.models import (
    ContraindicationAnswer,
    ContraindicationDefinition,
    ContraindicationScreen,
)
from ketaclinic.eligibility.services._common import guard, lock_patient, next_version
from ketaclinic.patients.models import Patient


@dataclass(frozen=True)
class ScreenAnswer:
    code: str
    answer: Answer
    note: str = ""


def _check_answers(
    definitions: list[ContraindicationDefinition], answers: Sequence[ScreenAnswer]
) -> None:
    known = {definition.code for definition in definitions}
    given = [answer.code for answer in answers]
    missing = [code for code in (d.code for d in definitions) if code not in given]
    unknown = sorted(set(given) - known)
    repeated = sorted({code for code in given if given.count(code) > 1})
    problems = {
        "missing": f"Answer every item (use 'unknown' if not yet known); missing: "
        f"{', '.join(missing)}.",
        "unknown": f"These are not items of the current checklist: {', '.join(unknown)}.",
        "repeated": f"Answer each item once; repeated: {', '.join(repeated)}.",
    }
    found = {"missing": missing, "unknown": unknown, "repeated": repeated}
    messages = [problems[key] for key, items in found.items() if items]
    if messages:
        raise ApplicationError(
            " ".join(messages), field_errors={code: ["Answer this item."] for code in missing}
        )


def contraindication_screen_record(
    *, actor: User, patient: Patient, answers: Sequence[ScreenAnswer], note: str = ""
) -> ContraindicationScreen:
    """A new version of the patient's screen; earlier versions stay exactly as they were."""
    guard(
        actor=actor,
        patient=patient,
        perm=Perm.CONTRAINDICATION_RECORD,
        target_type="contraindication_screen",
        message="Only a physician or nurse can record contraindications. Ask one of them.",
    )
    with transaction.atomic():
        lock_patient(patient)
        definitions = list(ContraindicationDefinition.objects.filter(is_active=True))
        _check_answers(definitions, answers)
        previous = patient.contraindication_screens.order_by("-version").first()
        screen = ContraindicationScreen(
            patient=patient,
            version=next_version(patient.contraindication_screens.all()),
            supersedes=previous,
            is_complete=all(answer.answer != Answer.UNKNOWN for answer in answers),
            note=note.strip(),
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        screen.full_clean()
        screen.save()
        by_code = {answer.code: answer for answer in answers}
        rows = [
            ContraindicationAnswer(
                screen=screen,
                definition=definition,
                answer=by_code[definition.code].answer,
                note=by_code[definition.code].note.strip(),
            )
            for definition in definitions
        ]
        # The screen is new, so one-answer-per-item holds by construction (and the database
        # enforces it): skip the per-row uniqueness queries.
        for row in rows:
            row.full_clean(exclude=["screen"], validate_unique=False, validate_constraints=False)
        ContraindicationAnswer.objects.bulk_create(rows)
        present = sum(row.answer == Answer.PRESENT for row in rows)
        unknown = sum(row.answer == Answer.UNKNOWN for row in rows)
        audit_record(
            actor=actor,
            action=Action.CREATE,
            patient=patient,
            target_type="contraindication_screen",
            target_id=screen.pk,
            detail=f"version {screen.version}; {present} present, {unknown} unknown",
        )
        return screen

"""What every chart write shares: who may write, validation as a refusal, closing rows."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from django.db import models, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import not_in_chart, require_patient_access, require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError, ErrorCode, NotFoundError, validated
from ketaclinic.patients.models import Patient

__all__ = ["chart_write", "require_chart_editor", "required_reason", "validated"]

REASON_MAX_LENGTH = 300

M = TypeVar("M", bound=models.Model)
P = ParamSpec("P")
R = TypeVar("R")


def require_chart_editor(*, actor: User, patient: Patient, target_type: str) -> None:
    """The patient must be at the actor's sites (else 404) and the role must edit charts."""
    require_patient_access(user=actor, patient=patient, target_type=target_type)
    require_perm(
        user=actor,
        perm=Perm.CHART_EDIT,
        target_type=target_type,
        target_id=patient.pk,
        patient=patient,
        message="Only a physician or a nurse can change the clinical record. Ask one of them.",
    )


def chart_write(target_type: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Check the writer (`actor=`, `patient=`), then run the write in one transaction.

    The check runs before the transaction opens: a refusal writes an access_denied audit
    row, and that row must survive the rollback of the refused write.
    """

    def decorate(write: Callable[P, R]) -> Callable[P, R]:
        atomic_write = transaction.atomic(write)

        @functools.wraps(write)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            actor, patient = cast(User, kwargs["actor"]), cast(Patient, kwargs["patient"])
            require_chart_editor(actor=actor, patient=patient, target_type=target_type)
            return atomic_write(*args, **kwargs)

        return checked

    return decorate


def required_reason(reason: str, *, what: str, example: str) -> str:
    reason = reason.strip()
    if not reason:
        message = f"Give a reason for {what}, for example '{example}'."
        raise ApplicationError(message, field_errors={"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = f"Keep the reason under {REASON_MAX_LENGTH} characters."
        raise ApplicationError(message, field_errors={"reason": [message]})
    return reason


def site_today(patient: Patient) -> dt.date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(patient.site.time_zone))


def not_found(
    what: str, *, actor: User, patient: Patient, model: type[models.Model], record_id: int
) -> NotFoundError:
    """Missing here, or another patient's record (then audited against that patient)."""
    return not_in_chart(
        user=actor,
        patient=patient,
        model=model,
        record_id=record_id,
        target_type=what.replace(" ", "_"),
        message=f"No {what} with that id in this patient's chart.",
    )


def already_closed(what: str, when: dt.datetime | dt.date | None) -> ApplicationError:
    day = when.date() if isinstance(when, dt.datetime) else when
    return ApplicationError(
        f"This {what} was already closed on {day:%Y-%m-%d}: nothing to change.",
        code=ErrorCode.CONFLICT,
    )

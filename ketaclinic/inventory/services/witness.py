"""Second people: the waste witness and the second counter re-enter their password then."""

from __future__ import annotations

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record_refusal
from ketaclinic.core.errors import ApplicationError


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, field_errors={field: [message]})


def second_person_verify(
    *,
    actor: User,
    person: User | None,
    password: str,
    site: Site,
    perm: Perm,
    role_label: str,
    field: str,
) -> User:
    """Check that `person` is someone else, may act as `role_label` at `site`, and typed their
    own password just now. A wrong password is audited (and survives the rollback)."""
    if person is None:
        raise _refuse(field, f"A {role_label} is required: pick a colleague who is present.")
    if person.pk == actor.pk:
        raise _refuse(
            field, f"You cannot be your own {role_label}: pick a colleague who is present."
        )
    if not person.has_role_perm(perm) or site.pk not in person.site_ids:
        raise _refuse(
            field,
            f"{person} cannot act as {role_label} at {site.name}: pick a physician or nurse "
            "of this site.",
        )
    if not password or not person.check_password(password):
        error = _refuse(
            f"{field}_password",
            f"The {role_label}'s password is not correct: ask {person} to type it again.",
        )
        _audit_failed_password(error, actor=actor, person=person, site=site, role_label=role_label)
        raise error
    return person


def _audit_failed_password(
    error: ApplicationError, *, actor: User, person: User, site: Site, role_label: str
) -> None:
    audit_record_refusal(
        error,
        actor=actor,
        action=Action.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
        site=site,
        target_type="inventory_second_person",
        target_id=person.pk,
        detail=f"{role_label} password wrong",
    )

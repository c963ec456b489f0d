"""Clinic admins write protocol versions here: create (a draft copy), edit a draft, activate.

A version that a treatment course uses is never edited: its course must keep meaning what
it meant. Changes go into a new version, which the admin activates (the previous active
version is retired). The permission check runs before the transaction opens, so its audited
denial survives the refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError, ErrorCode, validated
from ketaclinic.protocols.dosing import IV_LABEL_MAX_INDUCTION_MG_PER_KG, label, version_problems
from ketaclinic.protocols.models import (
    PhaseKind,
    ProtocolPhase,
    ProtocolTemplate,
    ProtocolVersion,
    Route,
    VersionStatus,
)
from ketaclinic.questionnaires.library import packaged_definitions
from ketaclinic.questionnaires.models import Instrument
from ketaclinic.questionnaires.models.schedule import ScheduleEvent

_TARGET = "protocol_version"

# The fields a clinic admin may change in a new version (the rest is bookkeeping).
EDITABLE_FIELDS: tuple[str, ...] = (
    "route",
    "sessions_planned",
    "session_spacing_days",
    "schedule_description",
    "adjunct_therapy",
    "entry_condition",
    "entry_min_hours_abstinent",
    "max_mg_per_kg",
    "max_total_mg",
    "min_infusion_minutes",
    "vitals_interval_intra_minutes",
    "vitals_interval_post_minutes",
    "min_observation_minutes",
    "instrument_schedule",
    "outcome_set",
    "source",
    "notes",
)

_IV_KINDS = {PhaseKind.BOLUS.value, PhaseKind.INFUSION.value}


@dataclass(frozen=True)
class PhaseSpec:
    """One phase of a version being written (see `ProtocolPhase`)."""

    kind: str
    mg_per_kg: Decimal | None
    minutes: int | None
    order: int = 1
    session_number: int = 0


def phase_specs(version: ProtocolVersion) -> list[PhaseSpec]:
    return [
        PhaseSpec(
            kind=p.kind,
            mg_per_kg=p.mg_per_kg,
            minutes=p.minutes,
            order=p.order,
            session_number=p.session_number,
        )
        for p in sorted(version.phases.all(), key=lambda p: (p.session_number, p.order))
    ]


def _audit(*, actor: User, action: Action, version: ProtocolVersion, detail: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        site=None,
        target_type=_TARGET,
        target_id=version.pk,
        detail=f"{label(version)}: {detail}",
    )


def _refusal(problems: dict[str, list[str]], prefix: str) -> ApplicationError:
    summary = " ".join(m for messages in problems.values() for m in messages)
    return ApplicationError(f"{prefix}: {summary}", field_errors=problems)


def _check_phases(
    *, route: str, sessions_planned: int, phases: Sequence[PhaseSpec]
) -> dict[str, list[str]]:
    problems: list[str] = []
    if not phases:
        problems.append("Add at least one phase (for example one infusion with its mg/kg).")
    allowed = _IV_KINDS if route == Route.IV else {PhaseKind.INJECTION.value}
    for phase in phases:
        if phase.kind not in allowed:
            route_label = Route(route).label if route in Route.values else route
            problems.append(
                f"A {phase.kind} phase does not fit the route {route_label}: IV protocols have "
                "bolus and infusion phases, IM protocols an injection."
            )
        if phase.mg_per_kg is not None and (
            not phase.mg_per_kg.is_finite() or phase.mg_per_kg <= 0
        ):
            problems.append("A phase dose must be more than 0 mg/kg, or empty if not yet set.")
        if phase.minutes is not None and phase.minutes <= 0:
            problems.append("Phase minutes must be more than 0, or empty when not given.")
        if phase.session_number > sessions_planned:
            problems.append(
                f"A phase is for session {phase.session_number} but only {sessions_planned} "
                "are planned: use 0 (every session) or a planned session number."
            )
    groups: dict[int, list[int]] = {}
    for phase in phases:
        groups.setdefault(phase.session_number, []).append(phase.order)
    for session, orders in sorted(groups.items()):
        if sorted(orders) != list(range(1, len(orders) + 1)):
            where = "every session" if session == 0 else f"session {session}"
            problems.append(f"Number the phases of {where} 1, 2, 3... in the order they are given.")
    uncovered = [s for s in range(1, sessions_planned + 1) if 0 not in groups and s not in groups]
    if phases and uncovered:
        problems.append(
            f"Session(s) {', '.join(map(str, uncovered))} have no phase: add a phase for "
            "every session (0), or one for each of those sessions."
        )
    return {"phases": problems} if problems else {}


def _known_instruments() -> set[str]:
    installed = set(Instrument.objects.values_list("code", flat=True))
    return installed | {str(d["code"]) for d in packaged_definitions()}


def _check_schedule(schedule: object) -> dict[str, list[str]]:
    hint = 'Use a list like [{"instrument": "meq30", "event": "post_infusion"}].'
    if not isinstance(schedule, list) or not all(
        isinstance(i, dict) and set(i) == {"instrument", "event"} for i in schedule
    ):
        return {"instrument_schedule": [f"The instrument schedule is not readable. {hint}"]}
    problems: list[str] = []
    known = _known_instruments()
    for item in schedule:
        if item["instrument"] not in known:
            problems.append(
                f"Unknown instrument {item['instrument']!r}: use one of {', '.join(sorted(known))}."
            )
        if item["event"] not in ScheduleEvent.values:
            problems.append(
                f"Unknown event {item['event']!r}: use one of {', '.join(ScheduleEvent.values)}."
            )
    return {"instrument_schedule": problems} if problems else {}


_CEILING = f"{IV_LABEL_MAX_INDUCTION_MG_PER_KG.normalize():f} mg/kg"
_CEILING_WHY = (
    f"the upper IV induction dose on the anaesthetic label (IV 1-{_CEILING}, far above these "
    "protocols: DOMAIN.md section 1). That is a plausibility ceiling, not a clinical "
    "recommendation: check the entry and its unit (0.5, not 50)."
)


def _check_iv_ceiling(
    version: ProtocolVersion, phases: Sequence[PhaseSpec]
) -> dict[str, list[str]]:
    """IV doses above the label's upper induction dose are typing errors (DOMAIN.md s. 1)."""
    if version.route != Route.IV:
        return {}
    problems: dict[str, list[str]] = {}
    ceiling = IV_LABEL_MAX_INDUCTION_MG_PER_KG
    maximum = version.max_mg_per_kg
    if maximum is not None and maximum.is_finite() and maximum > ceiling:
        problems["max_mg_per_kg"] = [
            f"Maximum {maximum.normalize():f} mg/kg is above {_CEILING}, {_CEILING_WHY}"
        ]
    for phase in phases:
        dose = phase.mg_per_kg
        if phase.kind in _IV_KINDS and dose is not None and dose.is_finite() and dose > ceiling:
            session = phase.session_number
            where = "every session" if session == 0 else f"session {session}"
            problems.setdefault("phases", []).append(
                f"The IV {phase.kind} dose {dose.normalize():f} mg/kg ({where}, phase "
                f"{phase.order}) is above {_CEILING}, {_CEILING_WHY}"
            )
    return problems


def _check_limits(version: ProtocolVersion, phases: Sequence[PhaseSpec]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if version.route == Route.IM and version.min_infusion_minutes is not None:
        problems["min_infusion_minutes"] = [
            "Minimum infusion minutes applies to IV protocols: leave it empty for IM."
        ]
    for session in range(1, version.sessions_planned + 1):
        chosen = [p for p in phases if p.session_number == session] or [
            p for p in phases if p.session_number == 0
        ]
        iv = [p for p in chosen if p.kind in _IV_KINDS]
        minutes = [p.minutes for p in iv]
        if (
            version.route == Route.IV
            and version.min_infusion_minutes is not None
            and iv
            and None not in minutes
            and version.min_infusion_minutes > sum(m for m in minutes if m is not None)
        ):
            problems.setdefault("min_infusion_minutes", []).append(
                f"Minimum infusion minutes ({version.min_infusion_minutes}) is longer than the "
                f"phases of session {session} last ({sum(m for m in minutes if m is not None)} "
                "min): lower it or lengthen the phases."
            )
        doses = [p.mg_per_kg for p in chosen]
        if version.max_mg_per_kg is not None and chosen and None not in doses:
            total = sum((d for d in doses if d is not None), Decimal(0))
            if total > version.max_mg_per_kg:
                problems.setdefault("max_mg_per_kg", []).append(
                    f"Session {session} gives {total.normalize():f} mg/kg, above the maximum of "
                    f"{version.max_mg_per_kg.normalize():f} mg/kg: every dose plan would be "
                    "refused. Lower the phase doses or raise the maximum."
                )
    for field in ("max_mg_per_kg", "max_total_mg"):
        value = getattr(version, field)
        if value is not None and value <= 0:
            problems[field] = ["A maximum must be more than 0, or empty when not set."]
    return problems


def _check(version: ProtocolVersion, phases: Sequence[PhaseSpec]) -> None:
    problems: dict[str, list[str]] = {}
    if not version.change_reason.strip():
        problems["change_reason"] = [
            "Reason for the change is missing: say what changed and why (for example 'dose "
            "set by the medical director')."
        ]
    if not version.source.strip():
        problems["source"] = ["Source is missing: cite the publication or clinic decision."]
    problems |= _check_phases(
        route=version.route, sessions_planned=version.sessions_planned, phases=phases
    )
    problems |= _check_schedule(version.instrument_schedule)
    problems |= _check_limits(version, phases)
    for field, messages in _check_iv_ceiling(version, phases).items():
        problems.setdefault(field, []).extend(messages)
    if problems:
        raise _refusal(problems, f"Cannot save {label(version)}")
    validated(version, exclude=("template", "created_by"))


def _apply(version: ProtocolVersion, changes: Mapping[str, object]) -> None:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ApplicationError(
            f"These fields cannot be changed: {', '.join(unknown)}.",
            field_errors={field: ["This field cannot be changed."] for field in unknown},
        )
    for field, value in changes.items():
        setattr(version, field, value.strip() if isinstance(value, str) else value)


def _write_phases(version: ProtocolVersion, phases: Sequence[PhaseSpec]) -> None:
    version.phases.all().delete()
    ProtocolPhase.objects.bulk_create(
        ProtocolPhase(
            version=version,
            session_number=p.session_number,
            order=p.order,
            kind=p.kind,
            mg_per_kg=p.mg_per_kg,
            minutes=p.minutes,
        )
        for p in phases
    )


def protocol_version_create(
    *,
    actor: User,
    template: ProtocolTemplate,
    from_version: ProtocolVersion,
    changes: Mapping[str, object] | None = None,
    phases: Sequence[PhaseSpec] | None = None,
    change_reason: str,
) -> ProtocolVersion:
    """A draft copy of `from_version` with `changes` (EDITABLE_FIELDS) and `phases` applied.

    The next number of its protocol; nothing else changes until it is activated."""
    require_perm(user=actor, perm=Perm.PROTOCOL_MANAGE, target_type=_TARGET)
    if from_version.template_id != template.pk:
        raise ApplicationError(
            f"Version {label(from_version)} belongs to another protocol than {template.code}: "
            "copy a version of the same protocol."
        )
    specs = list(phases) if phases is not None else phase_specs(from_version)
    with transaction.atomic():
        _lock_template(template.pk)
        numbers = ProtocolVersion.objects.filter(template=template)
        number = max(numbers.values_list("number", flat=True), default=0) + 1
        version = ProtocolVersion(
            template=template,
            number=number,
            status=VersionStatus.DRAFT,
            created_by=actor,
            change_reason=change_reason.strip(),
            **{field: getattr(from_version, field) for field in EDITABLE_FIELDS},
        )
        version.instrument_schedule = list(from_version.instrument_schedule)
        _apply(version, changes or {})
        _check(version, specs)
        version.save()
        _write_phases(version, specs)
        detail = f"draft copied from v{from_version.number}; {len(specs)} phase(s)"
        _audit(actor=actor, action=Action.CREATE, version=version, detail=detail)
    return version


def _lock_template(template_id: int) -> None:
    """Serialise writers of one protocol: version numbers and the single active version."""
    list(ProtocolTemplate.objects.select_for_update().filter(pk=template_id).values_list("pk"))


def _locked(version: ProtocolVersion) -> ProtocolVersion:
    _lock_template(version.template_id)
    return (
        ProtocolVersion.objects.select_for_update(of=("self",))
        .select_related("template")
        .get(pk=version.pk)
    )


def edit_refusal(version: ProtocolVersion, *, in_use: bool) -> str:
    """Why this version cannot be edited in place ("" when it can)."""
    if in_use:
        return (
            f"{label(version)} is used by a treatment course and is never edited: create a "
            "new version from it instead."
        )
    if version.status != VersionStatus.DRAFT:
        return (
            f"{label(version)} is {version.get_status_display().lower()}: only a draft can be "
            "edited. Create a new version from it instead."
        )
    return ""


def protocol_version_update(
    *,
    actor: User,
    version: ProtocolVersion,
    changes: Mapping[str, object] | None = None,
    phases: Sequence[PhaseSpec] | None = None,
    change_reason: str | None = None,
) -> ProtocolVersion:
    """Edit a draft in place. Active, retired and used versions are refused."""
    require_perm(user=actor, perm=Perm.PROTOCOL_MANAGE, target_type=_TARGET, target_id=version.pk)
    with transaction.atomic():
        locked = _locked(version)
        refusal = edit_refusal(locked, in_use=locked.courses.exists())
        if refusal:
            raise ApplicationError(refusal, code=ErrorCode.CONFLICT)
        specs = list(phases) if phases is not None else phase_specs(locked)
        _apply(locked, changes or {})
        if change_reason is not None:
            locked.change_reason = change_reason.strip()
        _check(locked, specs)
        locked.save()
        _write_phases(locked, specs)
        _audit(
            actor=actor,
            action=Action.UPDATE,
            version=locked,
            detail=f"draft edited; {len(specs)} phase(s)",
        )
    return locked


def protocol_version_activate(*, actor: User, version: ProtocolVersion) -> ProtocolVersion:
    """Make a draft the version new courses and dose plans use; the active one is retired.

    A draft that cannot be used (no dose, no IV duration) is refused: fix it first."""
    require_perm(user=actor, perm=Perm.PROTOCOL_MANAGE, target_type=_TARGET, target_id=version.pk)
    with transaction.atomic():
        locked = _locked(version)
        if locked.status != VersionStatus.DRAFT:
            raise ApplicationError(
                f"{label(locked)} is {locked.get_status_display().lower()}: only a draft can be "
                "activated. Create a new version from it and activate that.",
                code=ErrorCode.CONFLICT,
            )
        problems = version_problems(locked)
        if problems:
            raise ApplicationError(
                f"{label(locked)} cannot be activated yet. " + " ".join(problems),
                field_errors={"protocol": problems},
            )
        previous = ProtocolVersion.objects.select_for_update().filter(
            template=locked.template, status=VersionStatus.ACTIVE
        )
        for old in previous:
            old.status = VersionStatus.RETIRED
            old.save(update_fields=["status"])
            _audit(
                actor=actor,
                action=Action.UPDATE,
                version=old,
                detail=f"retired by activation of v{locked.number}",
            )
        locked.status = VersionStatus.ACTIVE
        locked.save(update_fields=["status"])
        _audit(actor=actor, action=Action.UPDATE, version=locked, detail="activated")
    return locked

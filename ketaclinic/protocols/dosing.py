"""Weight-based dose planning for a protocol version: pure `Decimal` arithmetic, no writes.

The arithmetic (issue 5 item 5; every rounding is ROUND_HALF_UP via `Decimal.quantize`,
never a float):

1. Phases: the version's phases for the requested session, in `order`. A phase with
   `session_number` 0 applies to every session; if any phase names this session number,
   only those phases are used (AZHARI-CANN-2021's second infusion), else the 0 ones.
2. Phase dose: `dose_mg = round(weight_kg x mg_per_kg, 0.1 mg)`.
3. `total_mg` = the sum of the rounded phase doses (what is actually given, so the numbers
   the nurse sees add up); `total_mg_per_kg` = the sum of the phases' mg/kg (0.001).
4. Volume of drug: `volume_ml = round(dose_mg / concentration_mg_per_ml, 0.01 mL)` per
   phase, and `total_volume_ml = round(total_mg / concentration_mg_per_ml, 0.01 mL)`.
5. IV pump rate: the whole session's dose is diluted in one bag of `bag_volume_ml`; a phase
   runs its share of the bag over its minutes:
   `rate_ml_per_h = round(bag_volume_ml x (dose_mg / total_mg) x 60 / minutes, 0.1 mL/h)`.
   IM injections have no rate; an IV phase without minutes has none either, with a warning.
   `total_minutes` is the sum of the phase minutes (None when any is unknown).

Refused (`ApplicationError`, nothing computed): missing, zero, negative or implausible
inputs; a session number outside 1..sessions_planned; a version with a phase without a dose
(DAS-2019 as published) or without a `max_mg_per_kg` (no upper limit); `total_mg_per_kg`
above the version's `max_mg_per_kg`; `total_mg` above its `max_total_mg`.

Intermediate quotients are computed with 50 significant digits, so a result that is exactly
halfway (x.x5) is recognised as such and rounded up, as exact arithmetic would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models.measurement import WEIGHT_KG_MAX, WEIGHT_KG_MIN
from ketaclinic.protocols.models import PhaseKind, ProtocolPhase, ProtocolVersion, Route

MG = Decimal("0.1")
ML = Decimal("0.01")
RATE = Decimal("0.1")
MG_PER_KG = Decimal("0.001")

# Plausibility bounds that catch typing errors, not clinical limits. Ketamine vials are
# sold at 10, 50 and 100 mg/mL (Ketalar US label); a prediluted syringe may be weaker.
CONCENTRATION_MG_PER_ML_MIN, CONCENTRATION_MG_PER_ML_MAX = Decimal("0.1"), Decimal("100")
BAG_VOLUME_ML_MIN, BAG_VOLUME_ML_MAX = Decimal("10"), Decimal("1000")

# The anaesthetic label's upper IV induction dose (label range IV 1-4.5 mg/kg, "far above
# these protocols": DOMAIN.md section 1). A plausibility ceiling that catches typing errors
# (50 for 0.50) in a protocol version, not a clinical recommendation: the medical director
# sets each version's own `max_mg_per_kg`, far below it.
IV_LABEL_MAX_INDUCTION_MG_PER_KG = Decimal("4.5")

NO_MAXIMUM_PROBLEM = (
    "No maximum mg/kg set: the medical director must set one before the version can be used."
)

_PRECISION = 50
_SIXTY = Decimal(60)


@dataclass(frozen=True)
class PhasePlan:
    order: int
    kind: str
    mg_per_kg: Decimal
    minutes: int | None
    dose_mg: Decimal
    volume_ml: Decimal
    rate_ml_per_h: Decimal | None


@dataclass(frozen=True)
class DosePlan:
    protocol_code: str
    version_number: int
    route: str
    session_number: int
    weight_kg: Decimal
    concentration_mg_per_ml: Decimal
    bag_volume_ml: Decimal | None
    phases: tuple[PhasePlan, ...]
    total_mg: Decimal
    total_mg_per_kg: Decimal
    total_volume_ml: Decimal
    total_minutes: int | None
    max_mg_per_kg: Decimal | None
    max_total_mg: Decimal | None
    warnings: tuple[str, ...]


def round_half_up(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)


def _divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    with localcontext(prec=_PRECISION):
        return numerator / denominator


def _plain(value: Decimal) -> str:
    """A limit without trailing zeros: 0.8, 0.71, 2 (not 0.800 or 2E+0)."""
    text = f"{value.normalize():f}"
    return text


def label(version: ProtocolVersion) -> str:
    return f"{version.template.code} v{version.number}"


def session_phases(version: ProtocolVersion, session_number: int) -> list[ProtocolPhase]:
    """The phases given at `session_number` (see step 1 of the module docstring)."""
    phases = list(version.phases.all())  # prefetch-friendly
    specific = [p for p in phases if p.session_number == session_number]
    chosen = specific or [p for p in phases if p.session_number == 0]
    return sorted(chosen, key=lambda p: p.order)


def _sessions(version: ProtocolVersion) -> Iterable[int]:
    return range(1, version.sessions_planned + 1)


def _dose_problem(version: ProtocolVersion, phases: Sequence[ProtocolPhase]) -> str | None:
    if not phases:
        return (
            f"The protocol {label(version)} has no dose for this session: the clinic's medical "
            "director must set one in a new version before it can be used."
        )
    if any(p.mg_per_kg is None for p in phases):
        return (
            f"The protocol {label(version)} has no dose: the clinic's medical director must "
            "set one in a new version before it can be used."
        )
    return None


def _minutes_problem(version: ProtocolVersion, phases: Sequence[ProtocolPhase]) -> str | None:
    missing = [p for p in phases if p.kind != PhaseKind.INJECTION and p.minutes is None]
    if version.route != Route.IV or not missing:
        return None
    return (
        f"The protocol {label(version)} gives no duration for its IV "
        f"{missing[0].get_kind_display().lower()}: the pump rate cannot be computed. The "
        "clinic's medical director must set the minutes in a new version."
    )


def version_problems(version: ProtocolVersion) -> list[str]:
    """Why this version cannot be used for treatment; empty when it can.

    A missing dose blocks dose planning altogether, and so does a missing `max_mg_per_kg`
    (the version would have no upper limit); a missing IV duration leaves the plan without
    a pump rate, so the version is not offered for enrolment either.
    """
    problems: list[str] = []
    for session in _sessions(version):
        phases = session_phases(version, session)
        for problem in (_dose_problem(version, phases), _minutes_problem(version, phases)):
            if problem and problem not in problems:
                problems.append(problem)
    if version.max_mg_per_kg is None:
        problems.append(NO_MAXIMUM_PROBLEM)
    return problems


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, field_errors={field: [message]})


def _check_input(
    value: Decimal | None, *, field: str, name: str, unit: str, low: Decimal, high: Decimal
) -> Decimal:
    if value is None:
        raise _refuse(field, f"{name} is missing: enter it in {unit}.")
    if not value.is_finite() or value <= 0:
        raise _refuse(field, f"{name} must be a positive number of {unit}: check the entry.")
    if not low <= value <= high:
        raise _refuse(
            field,
            f"{name} {_plain(value)} {unit} is not plausible: it must be between {_plain(low)} "
            f"and {_plain(high)} {unit}. Check the entry and its unit.",
        )
    return value


def _check_inputs(
    *,
    version: ProtocolVersion,
    weight_kg: Decimal | None,
    concentration_mg_per_ml: Decimal | None,
    bag_volume_ml: Decimal | None,
    session_number: int,
) -> tuple[Decimal, Decimal, Decimal | None]:
    weight = _check_input(
        weight_kg,
        field="weight_kg",
        name="Weight",
        unit="kg",
        low=WEIGHT_KG_MIN,
        high=WEIGHT_KG_MAX,
    )
    concentration = _check_input(
        concentration_mg_per_ml,
        field="concentration_mg_per_ml",
        name="Concentration",
        unit="mg/mL",
        low=CONCENTRATION_MG_PER_ML_MIN,
        high=CONCENTRATION_MG_PER_ML_MAX,
    )
    bag: Decimal | None = None
    if bag_volume_ml is not None or version.route == Route.IV:
        bag = _check_input(
            bag_volume_ml,
            field="bag_volume_ml",
            name="Bag volume",
            unit="mL",
            low=BAG_VOLUME_ML_MIN,
            high=BAG_VOLUME_ML_MAX,
        )
    if not 1 <= session_number <= version.sessions_planned:
        planned = version.sessions_planned
        choice = "session 1" if planned == 1 else f"a session from 1 to {planned}"
        raise _refuse(
            "session_number",
            f"Session {session_number} is outside {label(version)}, which plans {planned} "
            f"session{'s' if planned != 1 else ''}: choose {choice}.",
        )
    return weight, concentration, bag


def _check_limits(version: ProtocolVersion, total_mg: Decimal, total_mg_per_kg: Decimal) -> None:
    if version.max_mg_per_kg is not None and total_mg_per_kg > version.max_mg_per_kg:
        raise _refuse(
            "max_mg_per_kg",
            f"The dose {_plain(total_mg_per_kg)} mg/kg is above this protocol's maximum of "
            f"{_plain(version.max_mg_per_kg)} mg/kg: it cannot be given. Ask the clinic's "
            f"medical director to review {label(version)}.",
        )
    if version.max_total_mg is not None and total_mg > version.max_total_mg:
        raise _refuse(
            "max_total_mg",
            f"The dose {total_mg} mg is above this protocol's maximum of "
            f"{round_half_up(version.max_total_mg, MG)} mg: it cannot be given. Check the "
            "weight; if it is right, the medical director decides whether a new version with "
            "another maximum applies.",
        )


def plan_dose(
    *,
    version: ProtocolVersion,
    weight_kg: Decimal | None,
    concentration_mg_per_ml: Decimal | None,
    bag_volume_ml: Decimal | None,
    session_number: int = 1,
) -> DosePlan:
    """The dose of one session of `version` for a patient of `weight_kg` (module docstring).

    `bag_volume_ml` is required for IV protocols and optional for IM ones.
    """
    weight, concentration, bag = _check_inputs(
        version=version,
        weight_kg=weight_kg,
        concentration_mg_per_ml=concentration_mg_per_ml,
        bag_volume_ml=bag_volume_ml,
        session_number=session_number,
    )
    phases = session_phases(version, session_number)
    problem = _dose_problem(version, phases)
    if problem is None and version.max_mg_per_kg is None:
        problem = NO_MAXIMUM_PROBLEM
    if problem:
        raise ApplicationError(problem, field_errors={"protocol": [problem]})

    with localcontext(prec=_PRECISION):
        doses = [round_half_up(weight * _dose(p), MG) for p in phases]
        total_mg = sum(doses, Decimal("0.0"))
        total_mg_per_kg = round_half_up(sum((_dose(p) for p in phases), Decimal(0)), MG_PER_KG)
    _check_limits(version, total_mg, total_mg_per_kg)

    warnings: list[str] = []
    plans: list[PhasePlan] = []
    for phase, dose_mg in zip(phases, doses, strict=True):
        rate: Decimal | None = None
        if version.route == Route.IV and bag is not None:
            if phase.minutes is None:
                warnings.append(
                    f"Phase {phase.order} ({phase.get_kind_display().lower()}) has no duration "
                    "in this protocol: the pump rate cannot be computed. The medical director "
                    "must set the minutes in a new version."
                )
            else:
                share = _divide(bag * dose_mg * _SIXTY, total_mg * phase.minutes)
                rate = round_half_up(share, RATE)
        plans.append(
            PhasePlan(
                order=phase.order,
                kind=phase.kind,
                mg_per_kg=_dose(phase),
                minutes=phase.minutes,
                dose_mg=dose_mg,
                volume_ml=round_half_up(_divide(dose_mg, concentration), ML),
                rate_ml_per_h=rate,
            )
        )
    minutes = [p.minutes for p in phases]
    return DosePlan(
        protocol_code=version.template.code,
        version_number=version.number,
        route=version.route,
        session_number=session_number,
        weight_kg=weight,
        concentration_mg_per_ml=concentration,
        bag_volume_ml=bag,
        phases=tuple(plans),
        total_mg=total_mg,
        total_mg_per_kg=total_mg_per_kg,
        total_volume_ml=round_half_up(_divide(total_mg, concentration), ML),
        total_minutes=None if None in minutes else sum(m for m in minutes if m is not None),
        max_mg_per_kg=version.max_mg_per_kg,
        max_total_mg=version.max_total_mg,
        warnings=tuple(warnings),
    )


def _dose(phase: ProtocolPhase) -> Decimal:
    if phase.mg_per_kg is None:  # _dose_problem refused these before any arithmetic
        raise ValueError("phase without a dose")
    return phase.mg_per_kg

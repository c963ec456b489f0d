"""The protocol library of DOMAIN.md section 1, installed as version 1 of each protocol.

Every value below comes from DOMAIN.md section 1 (which cites the publication) or is clinic
configuration labelled as such in the version's `notes`:

- `max_mg_per_kg` is the published per-session maximum of the protocol;
- `max_total_mg` is left empty: the clinic's medical director sets it;
- `min_infusion_minutes` is the published IV duration (none for IM, none where unpublished);
- vitals every 10 minutes during and 15 after: DOMAIN.md section 2 gives published practice
  as every 10-15 minutes during the infusion and every 15 after; seeded at the stricter end;
- 120 minutes minimum observation: an example following esketamine's 2-hour observation,
  which the medical director sets.

KRUPITSKY-ALC is not installed: a 1990s non-randomised study with an unconfirmed dose.

`library_install` takes the model classes so the data migration can pass its historical
models; `seed_library` repairs the library after a test flush. Both are idempotent: a
protocol that already has a version 1 is left exactly as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_VITALS_INTRA_MINUTES = 10
_VITALS_POST_MINUTES = 15
_OBSERVATION_MINUTES = 120

_COMMON_NOTES = (
    "Maximum total mg is not set: the clinic's medical director sets it. "
    "Vitals every 10 minutes during the infusion and every 15 minutes after: published "
    "practice is every 10-15 minutes during and every 15 after (DOMAIN.md section 2), seeded "
    "at the stricter end; the clinic may adjust both. Minimum observation 120 minutes: "
    "example following esketamine's 2-hour observation; the medical director sets it."
)

# Instruments due around each infusion (questionnaire schedule events).
_INSTRUMENTS: list[dict[str, str]] = [
    {"instrument": "craving", "event": "pre_infusion"},
    {"instrument": "meq30", "event": "post_infusion"},
    {"instrument": "craving", "event": "post_infusion"},
]


@dataclass(frozen=True)
class _Phase:
    kind: str
    mg_per_kg: Decimal | None
    minutes: int | None
    session_number: int = 0
    order: int = 1


@dataclass(frozen=True)
class _Protocol:
    code: str
    name: str
    indication: str
    source: str
    route: str
    sessions_planned: int
    session_spacing_days: int
    schedule_description: str
    adjunct_therapy: str
    entry_condition: str
    entry_min_hours_abstinent: int | None
    max_mg_per_kg: Decimal | None
    min_infusion_minutes: int | None
    outcome_set: str
    notes: str
    phases: tuple[_Phase, ...]


LIBRARY: tuple[_Protocol, ...] = (
    _Protocol(
        code="kare-2022",
        name="KARE: ketamine with relapse-prevention therapy",
        indication="Severe alcohol use disorder, recently detoxified",
        source="Grabski M et al. Am J Psychiatry 2022 (KARE trial)",
        route="iv",
        sessions_planned=3,
        session_spacing_days=7,
        schedule_description="3 infusions, weekly",
        adjunct_therapy="7 sessions of mindfulness-based relapse-prevention therapy",
        entry_condition="Abstinent for at least 24 hours",
        entry_min_hours_abstinent=24,
        max_mg_per_kg=Decimal("0.800"),
        min_infusion_minutes=40,
        outcome_set=(
            "% days abstinent at 6 months: +10.1 points vs placebo; relapse at 6 months "
            "not different"
        ),
        notes="Infusion over 40 minutes as published; the trial registry says 45 minutes.",
        phases=(_Phase("infusion", Decimal("0.800"), 40),),
    ),
    _Protocol(
        code="dakwar-alc-2020",
        name="Ketamine with motivational enhancement therapy (alcohol)",
        indication="Alcohol dependence",
        source="Dakwar E et al. Am J Psychiatry 2020",
        route="iv",
        sessions_planned=1,
        session_spacing_days=0,
        schedule_description="1 infusion, in week 2 of a 5-week programme",
        adjunct_therapy="5 weeks of motivational enhancement therapy",
        entry_condition="Quit day, at least 24 hours after the last drink",
        entry_min_hours_abstinent=24,
        max_mg_per_kg=Decimal("0.710"),
        min_infusion_minutes=52,
        outcome_set=(
            "Abstinence over 21 days (TLFB + urine EtG), heavy drinking days, time to "
            "relapse; mystical-type effects mediated the benefit"
        ),
        notes="0.71 mg/kg in total: a 0.11 mg/kg bolus over 2 minutes, then 0.60 mg/kg over "
        "50 minutes (52 minutes in all).",
        phases=(
            _Phase("bolus", Decimal("0.110"), 2, order=1),
            _Phase("infusion", Decimal("0.600"), 50, order=2),
        ),
    ),
    _Protocol(
        code="dakwar-coc-2019",
        name="Ketamine with mindfulness-based relapse prevention (cocaine)",
        indication="Cocaine dependence",
        source="Dakwar E et al. Am J Psychiatry 2019",
        route="iv",
        sessions_planned=1,
        session_spacing_days=0,
        schedule_description="1 infusion, on day 2 of a 5-day in-patient stay",
        adjunct_therapy="5 weeks of mindfulness-based relapse prevention",
        entry_condition="Detoxified in-patient",
        entry_min_hours_abstinent=None,
        max_mg_per_kg=Decimal("0.500"),
        min_infusion_minutes=40,
        outcome_set="Abstinent in the last 2 weeks: 48.2 % vs 10.7 %; relapse hazard ratio 0.47",
        notes="",
        phases=(_Phase("infusion", Decimal("0.500"), 40),),
    ),
    _Protocol(
        code="krupitsky-her-2007",
        name="Ketamine-assisted psychotherapy, repeated sessions (heroin)",
        indication="Heroin dependence after detoxification",
        source="Krupitsky EM et al. J Psychoactive Drugs 2007",
        route="im",
        sessions_planned=3,
        session_spacing_days=30,
        schedule_description="3 sessions, monthly",
        adjunct_therapy="2 addiction counselling sessions, monthly",
        entry_condition="Detoxified",
        entry_min_hours_abstinent=None,
        max_mg_per_kg=Decimal("2.000"),
        min_infusion_minutes=None,
        outcome_set="Abstinent at 1 year: 50 % vs 22.2 % with one session",
        notes="Single intramuscular injection (no pump rate); the session lasted 90-120 "
        "minutes in the source.",
        phases=(_Phase("injection", Decimal("2.000"), None),),
    ),
    _Protocol(
        code="das-2019",
        name="Ketamine after memory retrieval (reconsolidation)",
        indication="Hazardous drinking (not dependent)",
        source="Das RK et al. Nat Commun 2019",
        route="iv",
        sessions_planned=1,
        session_spacing_days=0,
        schedule_description=(
            "1 infusion, right after a memory-retrieval (reconsolidation) procedure with the "
            "drinking cue"
        ),
        adjunct_therapy="",
        entry_condition="",
        entry_min_hours_abstinent=None,
        max_mg_per_kg=None,
        min_infusion_minutes=30,
        outcome_set="Reduced drinking for up to 9 months",
        notes="The source gives no confirmed dose: the clinic's medical director must set one "
        "in a new version before this protocol can be used. Infusion about 30 minutes.",
        phases=(_Phase("infusion", None, 30),),
    ),
    _Protocol(
        code="azhari-cann-2021",
        name="Ketamine with MET and MBRP (cannabis)",
        indication="Cannabis dependence",
        source="Azhari N et al. Am J Drug Alcohol Abuse 2021",
        route="iv",
        sessions_planned=2,
        session_spacing_days=0,
        schedule_description=(
            "1-2 infusions: the second (1.41 mg/kg) only for non-responders to the first"
        ),
        adjunct_therapy=(
            "Motivational enhancement therapy + mindfulness-based relapse prevention, 6 weeks"
        ),
        entry_condition="",
        entry_min_hours_abstinent=None,
        max_mg_per_kg=Decimal("1.410"),
        min_infusion_minutes=None,
        outcome_set="Fewer use days",
        notes="The source gives no infusion duration or spacing: the pump rate cannot be "
        "computed until the medical director sets the minutes in a new version.",
        phases=(
            _Phase("infusion", Decimal("0.710"), None, session_number=1),
            _Phase("infusion", Decimal("1.410"), None, session_number=2),
        ),
    ),
)


def library_install(*, template_model: Any, version_model: Any, phase_model: Any) -> int:
    """Install version 1 of each missing protocol; returns how many versions were created."""
    created = 0
    for protocol in LIBRARY:
        template, _ = template_model.objects.get_or_create(
            code=protocol.code,
            defaults={"name": protocol.name, "indication": protocol.indication},
        )
        if version_model.objects.filter(template=template, number=1).exists():
            continue
        has_active = version_model.objects.filter(template=template, status="active").exists()
        version = version_model.objects.create(
            template=template,
            number=1,
            status="retired" if has_active else "active",
            route=protocol.route,
            sessions_planned=protocol.sessions_planned,
            session_spacing_days=protocol.session_spacing_days,
            schedule_description=protocol.schedule_description,
            adjunct_therapy=protocol.adjunct_therapy,
            entry_condition=protocol.entry_condition,
            entry_min_hours_abstinent=protocol.entry_min_hours_abstinent,
            max_mg_per_kg=protocol.max_mg_per_kg,
            max_total_mg=None,
            min_infusion_minutes=protocol.min_infusion_minutes,
            vitals_interval_intra_minutes=_VITALS_INTRA_MINUTES,
            vitals_interval_post_minutes=_VITALS_POST_MINUTES,
            min_observation_minutes=_OBSERVATION_MINUTES,
            instrument_schedule=[dict(item) for item in _INSTRUMENTS],
            outcome_set=protocol.outcome_set,
            source=protocol.source,
            notes=" ".join(part for part in (protocol.notes, _COMMON_NOTES) if part),
            change_reason="Published protocol (DOMAIN.md section 1)",
        )
        for phase in protocol.phases:
            phase_model.objects.create(
                version=version,
                session_number=phase.session_number,
                order=phase.order,
                kind=phase.kind,
                mg_per_kg=phase.mg_per_kg,
                minutes=phase.minutes,
            )
        created += 1
    return created


def seed_library() -> int:
    """The library (the migration installs it; this repairs a flush). Idempotent."""
    from ketaclinic.protocols.models import ProtocolPhase, ProtocolTemplate, ProtocolVersion

    return library_install(
        template_model=ProtocolTemplate, version_model=ProtocolVersion, phase_model=ProtocolPhase
    )

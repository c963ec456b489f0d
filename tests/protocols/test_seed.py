from __future__ import annotations

from decimal import Decimal as D

from ketaclinic.protocols.models import ProtocolPhase, ProtocolTemplate, ProtocolVersion
from ketaclinic.protocols.seed import seed_library
from ketaclinic.questionnaires.models import Instrument
from ketaclinic.questionnaires.models.schedule import ScheduleEvent

CODES = [
    "azhari-cann-2021",
    "dakwar-alc-2020",
    "dakwar-coc-2019",
    "das-2019",
    "kare-2022",
    "krupitsky-her-2007",
]


def _v1(code: str) -> ProtocolVersion:
    return ProtocolVersion.objects.get(template__code=code, number=1)


def _phases(code: str) -> list[tuple[int, int, str, D | None, int | None]]:
    return [
        (p.session_number, p.order, p.kind, p.mg_per_kg, p.minutes)
        for p in ProtocolPhase.objects.filter(version=_v1(code)).order_by("session_number", "order")
    ]


def test_the_migration_installs_six_active_protocols_and_seeding_again_adds_nothing():
    """Given the migrated database, when seed_library runs again, nothing is added."""
    counts = (ProtocolTemplate.objects.count(), ProtocolVersion.objects.count())

    assert seed_library() == 0
    assert sorted(ProtocolTemplate.objects.values_list("code", flat=True)) == CODES
    assert (ProtocolTemplate.objects.count(), ProtocolVersion.objects.count()) == counts
    assert set(ProtocolVersion.objects.values_list("number", "status")) == {(1, "active")}
    assert not ProtocolTemplate.objects.filter(code__startswith="krupitsky-alc").exists()


def test_seed_reinstalls_after_the_library_was_removed():
    ProtocolPhase.objects.all().delete()
    ProtocolVersion.objects.all().delete()

    assert seed_library() == 6
    assert ProtocolVersion.objects.filter(status="active").count() == 6


def test_published_values_per_protocol():
    rows = {
        code: (
            v.route,
            v.sessions_planned,
            v.session_spacing_days,
            v.entry_min_hours_abstinent,
            v.max_mg_per_kg,
            v.max_total_mg,
            v.min_infusion_minutes,
        )
        for code in CODES
        for v in [_v1(code)]
    }

    assert rows == {
        "kare-2022": ("iv", 3, 7, 24, D("0.800"), None, 40),
        "dakwar-alc-2020": ("iv", 1, 0, 24, D("0.710"), None, 52),
        "dakwar-coc-2019": ("iv", 1, 0, None, D("0.500"), None, 40),
        "krupitsky-her-2007": ("im", 3, 30, None, D("2.000"), None, None),
        "das-2019": ("iv", 1, 0, None, None, None, 30),
        "azhari-cann-2021": ("iv", 2, 0, None, D("1.410"), None, None),
    }


def test_phases_per_protocol():
    assert _phases("kare-2022") == [(0, 1, "infusion", D("0.800"), 40)]
    assert _phases("dakwar-alc-2020") == [
        (0, 1, "bolus", D("0.110"), 2),
        (0, 2, "infusion", D("0.600"), 50),
    ]
    assert _phases("dakwar-coc-2019") == [(0, 1, "infusion", D("0.500"), 40)]
    assert _phases("krupitsky-her-2007") == [(0, 1, "injection", D("2.000"), None)]
    assert _phases("das-2019") == [(0, 1, "infusion", None, 30)]
    assert _phases("azhari-cann-2021") == [
        (1, 1, "infusion", D("0.710"), None),
        (2, 1, "infusion", D("1.410"), None),
    ]


def test_every_version_names_its_source_and_labels_clinic_settings():
    for code in CODES:
        version = _v1(code)
        assert version.source.strip(), code
        assert (
            version.vitals_interval_intra_minutes,
            version.vitals_interval_post_minutes,
            version.min_observation_minutes,
        ) == (10, 15, 120)
        assert "the medical director sets it" in version.notes
        assert "Maximum total mg is not set" in version.notes
        assert "clinic may adjust" in version.notes
    assert _v1("kare-2022").source == "Grabski M et al. Am J Psychiatry 2022 (KARE trial)"
    assert "registry says 45" in _v1("kare-2022").notes
    assert _v1("kare-2022").adjunct_therapy == (
        "7 sessions of mindfulness-based relapse-prevention therapy"
    )
    assert _v1("krupitsky-her-2007").schedule_description == "3 sessions, monthly"
    assert "non-responders" in _v1("azhari-cann-2021").schedule_description
    assert _v1("dakwar-coc-2019").outcome_set == (
        "Abstinent in the last 2 weeks: 48.2 % vs 10.7 %; relapse hazard ratio 0.47"
    )


def test_instrument_schedule_uses_installed_instruments_and_known_events():
    installed = set(Instrument.objects.values_list("code", flat=True))

    for code in CODES:
        schedule = _v1(code).instrument_schedule
        assert schedule == [
            {"instrument": "craving", "event": "pre_infusion"},
            {"instrument": "meq30", "event": "post_infusion"},
            {"instrument": "craving", "event": "post_infusion"},
        ]
        assert {item["instrument"] for item in schedule} <= installed
        assert {item["event"] for item in schedule} <= set(ScheduleEvent.values)

"""Dose arithmetic for every seeded protocol, computed by hand in each test.

Rounding is half up: mg to 0.1, mL to 0.01, mL/h to 0.1. The rate of a phase is
bag_volume x (phase dose / total dose) x 60 / phase minutes.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ketaclinic.core.errors import ApplicationError
from ketaclinic.protocols.dosing import DosePlan, PhasePlan, plan_dose, version_problems
from ketaclinic.protocols.models import ProtocolVersion
from ketaclinic.protocols.selectors import active_version
from tests.protocols.factories import draft_from, infusion


def _plan(
    code: str,
    weight: str = "70",
    concentration: str = "10",
    bag: str | None = "100",
    session: int = 1,
    version: ProtocolVersion | None = None,
) -> DosePlan:
    return plan_dose(
        version=version or active_version(code=code),
        weight_kg=D(weight),
        concentration_mg_per_ml=D(concentration),
        bag_volume_ml=None if bag is None else D(bag),
        session_number=session,
    )


def _refusal(code: str, **kwargs: object) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        _plan(code, **kwargs)  # type: ignore[arg-type]  # test passes through typed kwargs
    return caught.value


def test_kare_70_kg_one_infusion_over_40_minutes():
    """Given KARE-2022 (0.8 mg/kg over 40 min), 70 kg, 10 mg/mL and a 100 mL bag,
    then 70 x 0.8 = 56.0 mg, 56 / 10 = 5.60 mL, and the bag runs over 40 min:
    100 x 60 / 40 = 150.0 mL/h."""
    plan = _plan("kare-2022")

    assert plan.phases == (
        PhasePlan(
            order=1,
            kind="infusion",
            mg_per_kg=D("0.800"),
            minutes=40,
            dose_mg=D("56.0"),
            volume_ml=D("5.60"),
            rate_ml_per_h=D("150.0"),
        ),
    )
    assert (plan.total_mg, plan.total_mg_per_kg, plan.total_volume_ml) == (
        D("56.0"),
        D("0.800"),
        D("5.60"),
    )
    assert (plan.total_minutes, plan.max_mg_per_kg, plan.max_total_mg) == (40, D("0.800"), None)
    assert (plan.protocol_code, plan.version_number, plan.route) == ("kare-2022", 1, "iv")
    assert plan.warnings == ()


def test_kare_83_4_kg_50_mg_per_ml_250_ml_bag_rounds_each_quantity_half_up():
    """83.4 x 0.8 = 66.72 -> 66.7 mg; 66.7 / 50 = 1.334 -> 1.33 mL;
    250 x 60 / 40 = 375.0 mL/h (one phase holds the whole bag)."""
    plan = _plan("kare-2022", weight="83.4", concentration="50", bag="250", session=3)

    (phase,) = plan.phases
    assert (phase.dose_mg, phase.volume_ml, phase.rate_ml_per_h) == (
        D("66.7"),
        D("1.33"),
        D("375.0"),
    )
    assert plan.session_number == 3


def test_dakwar_alc_two_phases_share_one_bag():
    """Bolus 0.11 mg/kg over 2 min then 0.60 mg/kg over 50 min, 70 kg, 10 mg/mL, 100 mL:
    bolus 7.7 mg (0.77 mL), infusion 42.0 mg (4.20 mL), total 49.7 mg = 0.710 mg/kg, 4.97 mL;
    bolus rate 100 x 7.7/49.7 x 60/2 = 464.788... -> 464.8 mL/h;
    infusion rate 100 x 42/49.7 x 60/50 = 101.408... -> 101.4 mL/h; 52 minutes in all."""
    plan = _plan("dakwar-alc-2020")

    assert [(p.order, p.kind, p.mg_per_kg, p.minutes) for p in plan.phases] == [
        (1, "bolus", D("0.110"), 2),
        (2, "infusion", D("0.600"), 50),
    ]
    assert [(p.dose_mg, p.volume_ml, p.rate_ml_per_h) for p in plan.phases] == [
        (D("7.7"), D("0.77"), D("464.8")),
        (D("42.0"), D("4.20"), D("101.4")),
    ]
    assert (plan.total_mg, plan.total_mg_per_kg, plan.total_volume_ml, plan.total_minutes) == (
        D("49.7"),
        D("0.710"),
        D("4.97"),
        52,
    )


def test_dakwar_alc_total_is_the_sum_of_the_rounded_phase_doses():
    """63.9 kg: bolus 63.9 x 0.11 = 7.029 -> 7.0 mg; infusion 63.9 x 0.6 = 38.34 -> 38.3 mg;
    total 45.3 mg, not round(63.9 x 0.71 = 45.369) = 45.4: the nurse's numbers add up.
    45.3 / 10 = 4.53 mL; bolus 100 x 7.0/45.3 x 60/2 = 463.576... -> 463.6 mL/h;
    infusion 100 x 38.3/45.3 x 60/50 = 101.456... -> 101.5 mL/h."""
    plan = _plan("dakwar-alc-2020", weight="63.9")

    assert [p.dose_mg for p in plan.phases] == [D("7.0"), D("38.3")]
    assert plan.total_mg == D("45.3")
    assert plan.total_mg_per_kg == D("0.710")
    assert plan.total_volume_ml == D("4.53")
    assert [p.rate_ml_per_h for p in plan.phases] == [D("463.6"), D("101.5")]


def test_dakwar_coc_0_5_mg_per_kg_over_40_minutes():
    """92 kg x 0.5 = 46.0 mg; 46 / 10 = 4.60 mL; 50 mL bag: 50 x 60 / 40 = 75.0 mL/h."""
    plan = _plan("dakwar-coc-2019", weight="92", bag="50")

    (phase,) = plan.phases
    assert (phase.dose_mg, phase.volume_ml, phase.rate_ml_per_h) == (
        D("46.0"),
        D("4.60"),
        D("75.0"),
    )
    assert (plan.total_mg_per_kg, plan.total_minutes) == (D("0.500"), 40)


def test_krupitsky_im_injection_has_volume_but_no_rate():
    """2.0 mg/kg IM, 70 kg, 100 mg/mL: 140.0 mg, 1.40 mL, no pump rate, no bag needed."""
    plan = _plan("krupitsky-her-2007", concentration="100", bag=None, session=2)

    (phase,) = plan.phases
    assert (phase.kind, phase.dose_mg, phase.volume_ml, phase.rate_ml_per_h) == (
        "injection",
        D("140.0"),
        D("1.40"),
        None,
    )
    assert (plan.route, plan.total_minutes, plan.bag_volume_ml, plan.warnings) == (
        "im",
        None,
        None,
        (),
    )


def test_azhari_session_1_and_2_use_their_own_dose_without_a_rate():
    """Session 1: 0.71 mg/kg, 80 kg -> 56.8 mg, 5.68 mL; session 2 (non-responders):
    1.41 mg/kg -> 112.8 mg, 11.28 mL. The source gives no minutes: no rate, a warning."""
    first = _plan("azhari-cann-2021", weight="80", session=1)
    second = _plan("azhari-cann-2021", weight="80", session=2)

    assert [(p.dose_mg, p.volume_ml, p.rate_ml_per_h) for p in first.phases] == [
        (D("56.8"), D("5.68"), None)
    ]
    assert [(p.dose_mg, p.volume_ml, p.rate_ml_per_h) for p in second.phases] == [
        (D("112.8"), D("11.28"), None)
    ]
    assert (first.total_mg_per_kg, second.total_mg_per_kg) == (D("0.710"), D("1.410"))
    assert first.warnings == (
        "Phase 1 (infusion) has no duration in this protocol: the pump rate cannot be "
        "computed. The medical director must set the minutes in a new version.",
    )
    assert first.total_minutes is None


def test_das_is_refused_until_the_medical_director_sets_a_dose(das):
    error = _refusal("das-2019")

    assert error.message == (
        "The protocol das-2019 v1 has no dose: the clinic's medical director must set one in "
        "a new version before it can be used."
    )
    assert version_problems(das) == [
        error.message,
        "No maximum mg/kg set: the medical director must set one before the version can be used.",
    ]


def test_das_with_a_dose_set_in_version_2_plans(das, clinic_admin):
    """A new version with 0.5 mg/kg over 30 min (maximum 0.5 mg/kg): 60 kg -> 30.0 mg,
    3.00 mL, 200.0 mL/h."""
    v2 = draft_from(
        actor=clinic_admin, version=das, phases=[infusion("0.5", 30)], max_mg_per_kg=D("0.5")
    )

    plan = _plan("das-2019", weight="60", version=v2)

    assert [(p.dose_mg, p.volume_ml, p.rate_ml_per_h) for p in plan.phases] == [
        (D("30.0"), D("3.00"), D("200.0"))
    ]


@pytest.mark.parametrize(
    ("weight", "expected_mg"),
    [
        # 0.8 x 70.0625 = 56.05 exactly: half up gives 56.1 (half-even would give 56.0).
        ("70.0625", D("56.1")),
        # 0.8 x 70.0624 = 56.04992 -> 56.0
        ("70.0624", D("56.0")),
        # 0.8 x 70.1875 = 56.15 exactly -> 56.2 (half-even would also give 56.2)
        ("70.1875", D("56.2")),
        # 0.8 x 20 = 16.0 (lowest plausible weight)
        ("20", D("16.0")),
        # 0.8 x 400 = 320.0 (highest plausible weight)
        ("400", D("320.0")),
    ],
)
def test_dose_rounds_half_up_to_0_1_mg(weight, expected_mg):
    assert _plan("kare-2022", weight=weight).total_mg == expected_mg


def test_volume_rounds_half_up_to_0_01_ml():
    """70 kg x 0.5 = 35.0 mg at 8 mg/mL = 4.375 mL exactly -> 4.38 mL (half-even: 4.38);
    at 16 mg/mL = 2.1875 -> 2.19; 70.5 kg -> 35.3 mg at 8 = 4.4125 -> 4.41."""
    assert _plan("dakwar-coc-2019", concentration="8").phases[0].volume_ml == D("4.38")
    assert _plan("dakwar-coc-2019", concentration="16").phases[0].volume_ml == D("2.19")
    assert _plan("dakwar-coc-2019", weight="70.5", concentration="8").total_volume_ml == D("4.41")


def test_rate_rounds_half_up_to_0_1_ml_per_h():
    """KARE, 40 min: rate = bag x 1.5. A 100.3 mL bag: 150.45 exactly -> 150.5 (half-even
    would give 150.4); a 100.1 mL bag: 150.15 -> 150.2."""
    assert _plan("kare-2022", bag="100.3").phases[0].rate_ml_per_h == D("150.5")
    assert _plan("kare-2022", bag="100.1").phases[0].rate_ml_per_h == D("150.2")


def test_volume_of_0_005_rounds_up_not_to_even():
    """Dakwar-coc 0.5 mg/kg x 20.25 kg = 10.125 -> 10.1 mg; 10.1 / 4 = 2.525 -> 2.53 mL."""
    plan = _plan("dakwar-coc-2019", weight="20.25", concentration="4")

    assert (plan.total_mg, plan.total_volume_ml) == (D("10.1"), D("2.53"))


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"weight": "0"}, "weight_kg", "Weight must be a positive number of kg: check the entry."),
        (
            {"weight": "-70"},
            "weight_kg",
            "Weight must be a positive number of kg: check the entry.",
        ),
        (
            {"weight": "19.9"},
            "weight_kg",
            "Weight 19.9 kg is not plausible: it must be between 20 and 400 kg. Check the "
            "entry and its unit.",
        ),
        (
            {"weight": "700"},
            "weight_kg",
            "Weight 700 kg is not plausible: it must be between 20 and 400 kg. Check the "
            "entry and its unit.",
        ),
        (
            {"concentration": "0"},
            "concentration_mg_per_ml",
            "Concentration must be a positive number of mg/mL: check the entry.",
        ),
        (
            {"concentration": "500"},
            "concentration_mg_per_ml",
            "Concentration 500 mg/mL is not plausible: it must be between 0.1 and 100 mg/mL. "
            "Check the entry and its unit.",
        ),
        ({"bag": None}, "bag_volume_ml", "Bag volume is missing: enter it in mL."),
        (
            {"bag": "5"},
            "bag_volume_ml",
            "Bag volume 5 mL is not plausible: it must be between 10 and 1000 mL. Check the "
            "entry and its unit.",
        ),
        (
            {"session": 4},
            "session_number",
            "Session 4 is outside kare-2022 v1, which plans 3 sessions: choose a session from "
            "1 to 3.",
        ),
        (
            {"session": 0},
            "session_number",
            "Session 0 is outside kare-2022 v1, which plans 3 sessions: choose a session from "
            "1 to 3.",
        ),
    ],
)
def test_implausible_inputs_are_refused_with_the_fix(kwargs, field, message):
    error = _refusal("kare-2022", **kwargs)

    assert (error.message, error.field_errors) == (message, {field: [message]})


def test_missing_weight_and_nan_are_refused(kare):
    with pytest.raises(ApplicationError, match=r"Weight is missing: enter it in kg\."):
        plan_dose(
            version=kare, weight_kg=None, concentration_mg_per_ml=D("10"), bag_volume_ml=D("100")
        )
    with pytest.raises(ApplicationError, match="Weight must be a positive number"):
        plan_dose(
            version=kare,
            weight_kg=D("NaN"),
            concentration_mg_per_ml=D("10"),
            bag_volume_ml=D("100"),
        )


def test_dose_above_max_mg_per_kg_is_refused(kare, clinic_admin):
    """A draft giving 0.9 mg/kg with a 1.0 maximum, then the maximum lowered in the object
    (as a stale form could): the plan refuses 0.9 above 0.8."""
    version = draft_from(
        actor=clinic_admin,
        version=kare,
        phases=[infusion("0.9", 40)],
        max_mg_per_kg=D("1.000"),
    )
    version.max_mg_per_kg = D("0.800")

    with pytest.raises(ApplicationError) as caught:
        _plan("kare-2022", version=version)

    assert caught.value.message == (
        "The dose 0.9 mg/kg is above this protocol's maximum of 0.8 mg/kg: it cannot be "
        "given. Ask the clinic's medical director to review kare-2022 v2."
    )


def test_dose_above_max_total_mg_is_refused_showing_both_numbers(kare, clinic_admin):
    """A version with a 150 mg maximum: 210 kg x 0.8 = 168.0 mg is refused; 187.5 kg gives
    150.0 mg exactly and is allowed."""
    version = draft_from(actor=clinic_admin, version=kare, max_total_mg=D("150.0"))

    with pytest.raises(ApplicationError) as caught:
        _plan("kare-2022", weight="210", version=version)
    allowed = _plan("kare-2022", weight="187.5", version=version)

    assert caught.value.message == (
        "The dose 168.0 mg is above this protocol's maximum of 150.0 mg: it cannot be given. "
        "Check the weight; if it is right, the medical director decides whether a new "
        "version with another maximum applies."
    )
    assert caught.value.field_errors == {"max_total_mg": [caught.value.message]}
    assert (allowed.total_mg, allowed.max_total_mg) == (D("150.0"), D("150.0"))


def test_version_problems_lists_missing_doses_and_durations():
    assert [
        version_problems(active_version(code=c)) for c in ("kare-2022", "azhari-cann-2021")
    ] == [
        [],
        [
            "The protocol azhari-cann-2021 v1 gives no duration for its IV infusion: the "
            "pump rate cannot be computed. The clinic's medical director must set the "
            "minutes in a new version."
        ],
    ]


def test_session_specific_phases_replace_the_every_session_ones(kare, clinic_admin):
    """Session 2 has its own 0.5 mg/kg phase; sessions 1 and 3 keep the 0.8 mg/kg one."""
    from ketaclinic.protocols.services import PhaseSpec

    version = draft_from(
        actor=clinic_admin,
        version=kare,
        phases=[
            infusion("0.8", 40),
            PhaseSpec(kind="infusion", mg_per_kg=D("0.5"), minutes=40, session_number=2),
        ],
    )

    doses = [_plan("kare-2022", version=version, session=s).total_mg for s in (1, 2, 3)]

    assert doses == [D("56.0"), D("35.0"), D("56.0")]

"""QA fixes (issue 5): a version needs a maximum mg/kg, IV doses have a plausibility ceiling,
the library shows unset limits without units, and the reason for a version stays visible."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ketaclinic.audit.models import AuditEvent
from ketaclinic.core.errors import ApplicationError
from ketaclinic.protocols import services
from ketaclinic.protocols.dosing import plan_dose, version_problems
from ketaclinic.protocols.models import ProtocolPhase, ProtocolVersion
from ketaclinic.protocols.selectors import active_version, usable_versions
from ketaclinic.protocols.services import PhaseSpec
from tests.protocols.factories import draft_from, infusion
from tests.protocols.test_views import _form

NO_MAX = "No maximum mg/kg set: the medical director must set one before the version can be used."
CEILING_WHY = (
    "the upper IV induction dose on the anaesthetic label (IV 1-4.5 mg/kg, far above these "
    "protocols: DOMAIN.md section 1). That is a plausibility ceiling, not a clinical "
    "recommendation: check the entry and its unit (0.5, not 50)."
)


def _counts() -> tuple[int, int, int]:
    return (
        ProtocolVersion.objects.count(),
        ProtocolPhase.objects.count(),
        AuditEvent.objects.filter(target_type="protocol_version").count(),
    )


def test_a_version_without_a_maximum_is_not_usable(kare, clinic_admin):
    """Given a KARE copy whose maximum mg/kg was cleared, then it has exactly one problem,
    cannot be activated (nothing written) and is not offered for treatment."""
    copy = draft_from(actor=clinic_admin, version=kare, max_mg_per_kg=None)
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        services.protocol_version_activate(actor=clinic_admin, version=copy)

    assert version_problems(copy) == [NO_MAX]
    assert refused.value.message == f"kare-2022 v2 cannot be activated yet. {NO_MAX}"
    assert refused.value.field_errors == {"protocol": [NO_MAX]}
    assert _counts() == before
    copy.refresh_from_db()
    assert copy.status == "draft"


def test_every_seeded_version_but_das_has_a_maximum_and_keeps_its_problems():
    """The seeded library: only DAS-2019 gains the missing-maximum problem."""
    problems = {
        code: version_problems(active_version(code=code))
        for code in (
            "azhari-cann-2021",
            "dakwar-alc-2020",
            "dakwar-coc-2019",
            "das-2019",
            "kare-2022",
            "krupitsky-her-2007",
        )
    }

    assert [code for code, found in problems.items() if NO_MAX in found] == ["das-2019"]
    assert [str(v) for v in usable_versions()] == [
        "dakwar-alc-2020 v1",
        "dakwar-coc-2019 v1",
        "kare-2022 v1",
        "krupitsky-her-2007 v1",
    ]


def test_dose_plan_is_refused_for_a_version_without_a_maximum(das, clinic_admin):
    """Given DAS v2 with 0.5 mg/kg but no maximum, the plan is refused: no upper limit."""
    v2 = draft_from(actor=clinic_admin, version=das, phases=[infusion("0.5", 30)])

    with pytest.raises(ApplicationError) as refused:
        plan_dose(
            version=v2,
            weight_kg=D("70"),
            concentration_mg_per_ml=D("10"),
            bag_volume_ml=D("100"),
        )

    assert refused.value.message == NO_MAX
    assert refused.value.field_errors == {"protocol": [NO_MAX]}


def test_an_iv_maximum_above_the_label_induction_dose_is_refused_and_writes_nothing(
    das, clinic_admin
):
    """Given the QA case (DAS v3 saved with 50 mg/kg), the save is refused."""
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        draft_from(
            actor=clinic_admin, version=das, phases=[infusion("0.5", 30)], max_mg_per_kg=D("50")
        )

    message = f"Maximum 50 mg/kg is above 4.5 mg/kg, {CEILING_WHY}"
    assert refused.value.message == f"Cannot save das-2019 v2: {message}"
    assert refused.value.field_errors == {"max_mg_per_kg": [message]}
    assert _counts() == before


def test_an_iv_phase_dose_above_the_label_induction_dose_is_refused_and_writes_nothing(
    kare, clinic_admin
):
    copy = draft_from(actor=clinic_admin, version=kare, reason="Draft to edit")
    before = _counts()

    with pytest.raises(ApplicationError) as refused:
        services.protocol_version_update(
            actor=clinic_admin,
            version=copy,
            phases=[
                PhaseSpec(kind="bolus", mg_per_kg=D("5"), minutes=2, order=1),
                PhaseSpec(kind="infusion", mg_per_kg=D("0.5"), minutes=40, order=2),
            ],
            changes={"max_mg_per_kg": D("4.5")},
        )

    assert refused.value.field_errors["phases"] == [
        f"The IV bolus dose 5 mg/kg (every session, phase 1) is above 4.5 mg/kg, {CEILING_WHY}"
    ]
    assert _counts() == before
    copy.refresh_from_db()
    assert (copy.max_mg_per_kg, [p.mg_per_kg for p in copy.phases.all()]) == (
        D("0.800"),
        [D("0.800")],
    )


def test_the_ceiling_itself_is_accepted_and_an_im_version_is_not_held_to_it(clinic_admin, kare):
    """4.5 mg/kg IV is the label's upper induction dose, still plausible; the ceiling is IV's
    (KRUPITSKY-HER-2007 is IM)."""
    iv = draft_from(
        actor=clinic_admin, version=kare, phases=[infusion("4.5", 40)], max_mg_per_kg=D("4.5")
    )
    im = draft_from(
        actor=clinic_admin,
        version=active_version(code="krupitsky-her-2007"),
        max_mg_per_kg=D("5"),
    )

    assert (iv.max_mg_per_kg, im.max_mg_per_kg) == (D("4.500"), D("5.000"))


def test_library_shows_unset_limits_without_units(nurse, client_for):
    html = client_for(nurse).get("/protocols/").content.decode()

    assert "not set mg" not in html
    assert "not set min" not in html
    assert "Max not set · max total not set · min infusion 30 min" in html
    assert "Max 0.800 mg/kg · max total not set · min infusion 40 min" in html
    assert NO_MAX in html


def test_version_detail_shows_the_reason_for_a_copied_version_first(clinic_admin, das, client_for):
    """A copy of DAS keeps the note 'The source gives no confirmed dose', so the reason for
    the new version stands at the top of its page."""
    draft_from(
        actor=clinic_admin,
        version=das,
        phases=[infusion("0.5", 30)],
        reason="Dose set by the medical director",
        max_mg_per_kg=D("0.5"),
    )

    html = client_for(clinic_admin).get("/protocols/das-2019/v2/").content.decode()

    reason = html.index("<strong>Reason for version 2:</strong> Dose set by the medical director")
    assert reason < html.index("<h2>Dose</h2>") < html.index("The source gives no confirmed dose")
    assert "Maximum mg/kg per session</dt><dd>0.500 mg/kg</dd>" in html
    assert "Maximum total mg per session</dt><dd>not set</dd>" in html


def test_editing_a_draft_prefills_its_reason_and_keeps_the_typed_one_on_refusal(
    clinic_admin, kare, client_for
):
    copy = draft_from(actor=clinic_admin, version=kare, reason="Reason typed at creation")
    client = client_for(clinic_admin)
    before = _counts()

    shown = client.get("/protocols/kare-2022/v2/edit/")
    refused = client.post(
        "/protocols/kare-2022/v2/edit/",
        _form(copy, **{"phase1-mg_per_kg": "9", "change_reason": "Newly typed reason"}),
    )

    assert 'name="change_reason" value="Reason typed at creation"' in shown.content.decode()
    html = refused.content.decode()
    assert refused.status_code == 422
    assert 'name="change_reason" value="Newly typed reason"' in html
    assert "The IV infusion dose 9 mg/kg (every session, phase 1) is above 4.5 mg/kg" in html
    assert _counts() == before


def test_a_new_version_form_starts_with_an_empty_reason(clinic_admin, client_for):
    html = client_for(clinic_admin).get("/protocols/kare-2022/v1/new-version/").content.decode()

    assert 'name="change_reason" maxlength="300"' in html
    assert "The notes are copied as they are" in html

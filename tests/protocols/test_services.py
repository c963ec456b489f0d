from __future__ import annotations

from decimal import Decimal as D

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.protocols import services
from ketaclinic.protocols.dosing import plan_dose
from ketaclinic.protocols.models import ProtocolPhase, ProtocolVersion
from ketaclinic.protocols.selectors import active_version, usable_versions
from ketaclinic.protocols.services import PhaseSpec
from tests.factories import PatientFactory
from tests.protocols.factories import course_using, draft_from, infusion


def _counts() -> tuple[int, int, int]:
    return (
        ProtocolVersion.objects.count(),
        ProtocolPhase.objects.count(),
        AuditEvent.objects.filter(target_type="protocol_version").count(),
    )


def test_create_copies_the_version_as_a_draft_with_the_next_number_and_audits(kare, clinic_admin):
    """Given KARE v1, when the admin makes a copy with a 4-session change, then v2 is a
    draft with the change and v1's phases, and one CREATE row is written (no site)."""
    version = draft_from(
        actor=clinic_admin, version=kare, reason="Four sessions at our clinic", sessions_planned=4
    )

    assert (version.number, version.status, version.sessions_planned) == (2, "draft", 4)
    assert (version.source, version.created_by, version.change_reason) == (
        kare.source,
        clinic_admin,
        "Four sessions at our clinic",
    )
    assert [(p.kind, p.mg_per_kg, p.minutes) for p in version.phases.all()] == [
        ("infusion", D("0.800"), 40)
    ]
    event = AuditEvent.objects.get(target_type="protocol_version", action=Action.CREATE)
    assert (event.actor, event.site_id, event.patient_id, event.target_id, event.detail) == (
        clinic_admin,
        None,
        None,
        str(version.pk),
        "kare-2022 v2: draft copied from v1; 1 phase(s)",
    )
    kare.refresh_from_db()
    assert (kare.status, kare.sessions_planned) == ("active", 3)


def test_create_without_a_reason_is_refused_and_writes_nothing(kare, clinic_admin):
    before = _counts()

    with pytest.raises(ApplicationError) as caught:
        draft_from(actor=clinic_admin, version=kare, reason="  ")

    assert caught.value.field_errors["change_reason"] == [
        "Reason for the change is missing: say what changed and why (for example 'dose set by "
        "the medical director')."
    ]
    assert _counts() == before


@pytest.mark.parametrize(
    ("changes", "phases", "field", "fragment"),
    [
        (
            {"route": "im"},
            None,
            "phases",
            "A infusion phase does not fit the route Intramuscular (IM)",
        ),
        (
            {},
            [infusion("0.8", 40, order=2)],
            "phases",
            "Number the phases of every session 1, 2, 3... in the order they are given.",
        ),
        ({}, [], "phases", "Add at least one phase"),
        (
            {"min_infusion_minutes": 45},
            None,
            "min_infusion_minutes",
            "Minimum infusion minutes (45) is longer than the phases of session 1 last (40 min)",
        ),
        (
            {"max_mg_per_kg": D("0.700")},
            None,
            "max_mg_per_kg",
            "Session 1 gives 0.8 mg/kg, above the maximum of 0.7 mg/kg",
        ),
        (
            {"instrument_schedule": [{"instrument": "nope", "event": "post_infusion"}]},
            None,
            "instrument_schedule",
            "Unknown instrument 'nope'",
        ),
        ({"max_total_mg": D("0")}, None, "max_total_mg", "A maximum must be more than 0"),
    ],
)
def test_invalid_versions_are_refused_with_the_field_and_write_nothing(
    kare, clinic_admin, changes, phases, field, fragment
):
    before = _counts()

    with pytest.raises(ApplicationError) as caught:
        draft_from(actor=clinic_admin, version=kare, phases=phases, **changes)

    assert fragment in " ".join(caught.value.field_errors[field])
    assert _counts() == before


def test_unknown_fields_cannot_be_changed(kare, clinic_admin):
    with pytest.raises(ApplicationError, match=r"These fields cannot be changed: status\."):
        draft_from(actor=clinic_admin, version=kare, status="active")


def test_a_nurse_cannot_create_versions_and_the_denial_is_audited(kare, nurse):
    before = ProtocolVersion.objects.count()

    with pytest.raises(PermissionDeniedError):
        draft_from(actor=nurse, version=kare)

    assert ProtocolVersion.objects.count() == before
    denial = AuditEvent.objects.get(actor=nurse, outcome=Outcome.DENIED)
    assert (denial.target_type, denial.detail) == (
        "protocol_version",
        "missing permission protocol.manage",
    )


def test_a_version_used_by_a_course_is_never_edited(kare, clinic_admin, physician, boston):
    """Even a draft (which enrolment would not offer) is refused once a course uses it."""
    draft = draft_from(actor=clinic_admin, version=kare)
    course_using(version=draft, patient=PatientFactory(site=boston), physician=physician)
    before = _counts()

    with pytest.raises(ApplicationError) as caught:
        services.protocol_version_update(
            actor=clinic_admin, version=draft, changes={"notes": "changed"}
        )

    assert caught.value.message == (
        "kare-2022 v2 is used by a treatment course and is never edited: create a new version "
        "from it instead."
    )
    draft.refresh_from_db()
    assert draft.notes == kare.notes
    assert _counts() == before


def test_an_active_version_is_never_edited(kare, clinic_admin):
    with pytest.raises(ApplicationError, match="kare-2022 v1 is active: only a draft can be"):
        services.protocol_version_update(actor=clinic_admin, version=kare, changes={"notes": "x"})


def test_update_edits_a_draft_and_its_phases(kare, clinic_admin):
    draft = draft_from(actor=clinic_admin, version=kare)

    services.protocol_version_update(
        actor=clinic_admin,
        version=draft,
        changes={"notes": "Edited"},
        phases=[infusion("0.75", 40)],
        change_reason="Lower dose",
    )

    draft.refresh_from_db()
    assert (draft.notes, draft.change_reason) == ("Edited", "Lower dose")
    assert [p.mg_per_kg for p in draft.phases.all()] == [D("0.750")]
    assert AuditEvent.objects.filter(target_type="protocol_version", action="update").count() == 1


def test_activate_retires_the_previous_active_version_and_audits_both(kare, clinic_admin):
    draft = draft_from(actor=clinic_admin, version=kare)

    services.protocol_version_activate(actor=clinic_admin, version=draft)

    kare.refresh_from_db()
    draft.refresh_from_db()
    assert (kare.status, draft.status) == ("retired", "active")
    assert active_version(code="kare-2022") == draft
    assert sorted(
        AuditEvent.objects.filter(action=Action.UPDATE, target_type="protocol_version").values_list(
            "detail", flat=True
        )
    ) == ["kare-2022 v1: retired by activation of v2", "kare-2022 v2: activated"]


def test_activating_a_version_twice_or_without_a_dose_is_refused_and_writes_nothing(
    das, clinic_admin
):
    copy = draft_from(actor=clinic_admin, version=das, reason="Notes only")
    before = _counts()

    with pytest.raises(ApplicationError) as no_dose:
        services.protocol_version_activate(actor=clinic_admin, version=copy)
    with pytest.raises(ApplicationError) as active:
        services.protocol_version_activate(actor=clinic_admin, version=das)

    assert no_dose.value.message == (
        "das-2019 v2 cannot be activated yet. The protocol das-2019 v2 has no dose: the "
        "clinic's medical director must set one in a new version before it can be used. "
        "No maximum mg/kg set: the medical director must set one before the version can be "
        "used."
    )
    assert active.value.message.startswith("das-2019 v1 is active: only a draft can be")
    assert _counts() == before
    das.refresh_from_db()
    assert das.status == "active"


def test_medical_director_flow_makes_das_usable(das, clinic_admin):
    """Given DAS-2019 without a dose, when v2 sets 0.5 mg/kg over 30 min and is activated,
    then it is offered for enrolment and the dose plan works: 70 kg -> 35.0 mg."""
    assert das not in usable_versions()
    v2 = draft_from(
        actor=clinic_admin,
        version=das,
        phases=[infusion("0.5", 30)],
        reason="Dose set by the medical director",
        max_mg_per_kg=D("0.500"),
    )

    services.protocol_version_activate(actor=clinic_admin, version=v2)

    current = active_version(code="das-2019")
    assert current.number == 2
    assert current in usable_versions()
    plan = plan_dose(
        version=current,
        weight_kg=D("70"),
        concentration_mg_per_ml=D("10"),
        bag_volume_ml=D("100"),
    )
    assert (plan.total_mg, plan.phases[0].rate_ml_per_h) == (D("35.0"), D("200.0"))


def test_azhari_two_session_phases_stay_valid_in_a_new_version(clinic_admin):
    """Session-specific phases must cover every planned session."""
    azhari = active_version(code="azhari-cann-2021")

    version = draft_from(
        actor=clinic_admin,
        version=azhari,
        phases=[
            PhaseSpec("infusion", D("0.71"), 40, session_number=1),
            PhaseSpec("infusion", D("1.41"), 40, session_number=2),
        ],
    )
    with pytest.raises(ApplicationError, match=r"Session\(s\) 2 have no phase"):
        draft_from(
            actor=clinic_admin,
            version=azhari,
            phases=[PhaseSpec("infusion", D("0.71"), 40, session_number=1)],
        )

    assert version.phases.count() == 2

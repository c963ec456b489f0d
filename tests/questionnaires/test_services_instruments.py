from __future__ import annotations

import copy
from typing import Any

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.questionnaires.library import packaged_definitions
from ketaclinic.questionnaires.models import Instrument, InstrumentSiteSetting
from ketaclinic.questionnaires.selectors import instruments_enabled
from ketaclinic.questionnaires.services import instrument_import, instrument_site_setting_set


def _phq9() -> dict[str, Any]:
    return copy.deepcopy(next(d for d in packaged_definitions() if d["code"] == "phq9"))


def test_the_migration_installs_every_packaged_instrument_as_active_version_1(db):
    rows = Instrument.objects.order_by("code").values_list("code", "version", "is_active")

    assert list(rows) == [
        (code, "1.0", True)
        for code in [
            "audit",
            "auditc",
            "craving",
            "cssrs_screen",
            "dast10",
            "gad7",
            "meq30",
            "pacs",
            "pgsi",
            "phq9",
        ]
    ]


def test_import_of_a_new_version_activates_it_and_carries_site_switches_over(
    db, clinic_admin, boston
):
    """Given PHQ-9 off at Boston, when version 1.1 is imported, then 1.1 is active and off."""
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="phq9", enabled=False
    )
    definition = _phq9() | {"version": "1.1"}

    new = instrument_import(definition=definition)

    versions = Instrument.objects.filter(code="phq9").values_list("version", "is_active")
    assert sorted(versions) == [("1.0", False), ("1.1", True)]
    assert InstrumentSiteSetting.objects.get(instrument=new, site=boston).enabled is False
    event = AuditEvent.objects.get(target_type="instrument")
    assert (event.actor_username, event.target_id, event.action) == (
        "instrument import",
        "phq9 v1.1",
        Action.CREATE,
    )


def test_importing_the_same_definition_again_changes_nothing(db):
    before = list(Instrument.objects.values_list("pk", "is_active"))

    instrument = instrument_import(definition=_phq9())

    assert (instrument.code, instrument.version) == ("phq9", "1.0")
    assert list(Instrument.objects.values_list("pk", "is_active")) == before
    assert not AuditEvent.objects.exists()


def test_changing_an_installed_version_is_refused(db):
    definition = _phq9()
    definition["title"] = "PHQ-9 (edited)"

    with pytest.raises(ApplicationError) as refused:
        instrument_import(definition=definition)

    assert refused.value.field_errors == {
        "definition": [
            "version: phq9 version 1.0 is already installed with different content; give the "
            "changed definition a new version"
        ]
    }
    assert Instrument.objects.get(code="phq9").title == "PHQ-9"


def test_an_invalid_definition_is_refused_with_its_problems(db):
    definition = _phq9() | {"version": "2.0", "bands": []}
    definition["scoring"] = {"method": "median"}

    with pytest.raises(ApplicationError) as refused:
        instrument_import(definition=definition)

    assert refused.value.field_errors["definition"] == [
        "scoring.method: must be one of sum, mean, highest_positive"
    ]
    assert Instrument.objects.filter(code="phq9").count() == 1


def test_a_new_instrument_is_a_data_change(db, boston):
    """Given a definition for an instrument the code has never heard of, it can be given."""
    definition = _phq9() | {"code": "phq2", "title": "PHQ-2", "bands": []}
    definition["items"] = definition["items"][:2]
    definition["safety_rules"] = []

    instrument_import(definition=definition)

    assert "phq2" in [i.code for i in instruments_enabled(site_id=boston.pk)]


def test_clinic_admin_switches_an_instrument_off_and_on_at_a_site_audited(clinic_admin, boston):
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="gad7", enabled=False
    )
    off = [i.code for i in instruments_enabled(site_id=boston.pk)]
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="gad7", enabled=True
    )

    assert "gad7" not in off
    assert "gad7" in [i.code for i in instruments_enabled(site_id=boston.pk)]
    events = AuditEvent.objects.filter(target_type="instrument_site_setting").order_by("id")
    assert list(events.values_list("action", "site_id", "target_id", "detail")) == [
        (Action.UPDATE, boston.pk, "gad7", "gad7 disabled at this site"),
        (Action.UPDATE, boston.pk, "gad7", "gad7 enabled at this site"),
    ]


def test_a_nurse_cannot_switch_instruments_and_nothing_changes(nurse, boston):
    with pytest.raises(PermissionDeniedError) as refused:
        instrument_site_setting_set(
            actor=nurse, site_id=boston.pk, instrument_code="gad7", enabled=False
        )

    assert refused.value.message.startswith("Only a clinic admin can switch instruments")
    assert not InstrumentSiteSetting.objects.exists()
    assert AuditEvent.objects.get().outcome == Outcome.DENIED


def test_an_admin_cannot_switch_instruments_at_a_site_that_is_not_theirs(
    clinic_admin, west_hartford
):
    with pytest.raises(NotFoundError):
        instrument_site_setting_set(
            actor=clinic_admin, site_id=west_hartford.pk, instrument_code="gad7", enabled=False
        )

    assert not InstrumentSiteSetting.objects.exists()
    assert AuditEvent.objects.get().action == Action.ACCESS_DENIED

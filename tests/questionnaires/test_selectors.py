from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import NotFoundError, PermissionDeniedError
from ketaclinic.questionnaires.selectors import (
    instrument_settings_list,
    patient_response_get,
    response_answer_rows,
    safety_alerts_open,
)
from ketaclinic.questionnaires.services import (
    instrument_site_setting_set,
    safety_alert_acknowledge,
)
from tests.questionnaires.factories import CSSRS_HIGH, PHQ9_ITEM9, submit


def test_open_alerts_are_most_urgent_first_then_oldest_and_exclude_acknowledged(
    nurse, physician, patient, patient_factory, boston
):
    """Given two same-day alerts, one immediate and one acknowledged, then the immediate
    one leads, the older same-day one follows, and the acknowledged one is gone."""
    other = patient_factory(site=boston)
    older = submit(nurse, patient, "phq9", PHQ9_ITEM9).safety_alerts.get()
    newer = submit(nurse, other, "phq9", PHQ9_ITEM9).safety_alerts.get()
    immediate = submit(nurse, other, "cssrs_screen", CSSRS_HIGH).safety_alerts.get()
    done = submit(nurse, patient, "phq9", PHQ9_ITEM9).safety_alerts.get()
    safety_alert_acknowledge(actor=physician, alert_id=done.pk, action_taken="Seen today")

    assert list(safety_alerts_open(user=physician)) == [immediate, older, newer]


def test_open_alerts_need_patient_view(clinic_admin):
    with pytest.raises(PermissionDeniedError):
        safety_alerts_open(user=clinic_admin)

    assert AuditEvent.objects.get().action == Action.ACCESS_DENIED


def test_answer_rows_show_skipped_items_as_not_asked(nurse, patient):
    response = submit(nurse, patient, "cssrs_screen", {"cssrs_1": 1, "cssrs_2": 0, "cssrs_6": 0})

    rows = response_answer_rows(response=response)

    assert [(r.number, r.value, r.label) for r in rows] == [
        (1, 1, "Yes"),
        (2, 0, "No"),
        (3, None, "Not asked"),
        (4, None, "Not asked"),
        (5, None, "Not asked"),
        (6, 0, "No"),
    ]


def test_response_get_is_scoped_to_the_patient_in_the_url(nurse, patient, patient_factory, boston):
    other = patient_factory(site=boston)
    response = submit(
        nurse, other, "craving", [3], completed_at=timezone.now() - dt.timedelta(days=1)
    )

    with pytest.raises(NotFoundError) as refused:
        patient_response_get(user=nurse, patient_id=patient.pk, response_id=response.pk)

    assert (
        refused.value.message == "No questionnaire response with that id in this patient's chart."
    )


def test_instrument_settings_list_shows_each_instrument_at_each_admin_site(
    make_user, boston, west_hartford
):
    from ketaclinic.accounts.roles import Role

    admin = make_user(Role.CLINIC_ADMIN, boston, west_hartford)
    instrument_site_setting_set(
        actor=admin, site_id=west_hartford.pk, instrument_code="pacs", enabled=False
    )

    rows = {row.instrument.code: row.sites for row in instrument_settings_list(user=admin)}

    assert len(rows) == 10
    assert rows["pacs"] == [(boston, True), (west_hartford, False)]
    assert rows["phq9"] == [(boston, True), (west_hartford, True)]

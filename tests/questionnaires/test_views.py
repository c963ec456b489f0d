from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.questionnaires.models import (
    InstrumentSiteSetting,
    QuestionnaireResponse,
    SafetyAlert,
)
from ketaclinic.questionnaires.services import instrument_site_setting_set
from tests.questionnaires.factories import PHQ9_ITEM9, PHQ9_MODERATE, submit
from tests.questionnaires.helpers import answers_for


def _new_url(patient, code: str) -> str:
    return f"/questionnaires/patients/{patient.pk}/new/{code}/"


def test_entry_page_renders_each_item_as_a_labelled_radio_group(nurse, patient, client_for):
    response = client_for(nurse).get(_new_url(patient, "phq9"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") == 9
    assert html.count('type="radio"') == 36
    assert "<legend><strong>9.</strong> Thoughts that you would be better off dead" in html
    assert 'name="phq9_1" value="3"' in html


def test_entry_saves_and_redirects_to_the_response(nurse, patient, client_for):
    data = {k: str(v) for k, v in answers_for("phq9", PHQ9_MODERATE).items()}

    response = client_for(nurse).post(_new_url(patient, "phq9"), data)

    stored = QuestionnaireResponse.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/questionnaires/patients/{patient.pk}/responses/{stored.pk}/"
    assert (stored.source, stored.entered_by, stored.total) == ("staff_entry", nurse, Decimal(10))


def test_a_missing_item_re_renders_with_a_message_per_item_and_answers_kept(
    nurse, patient, client_for
):
    data = {k: str(v) for k, v in answers_for("phq9", PHQ9_MODERATE).items()}
    del data["phq9_3"], data["phq9_7"]

    response = client_for(nurse).post(_new_url(patient, "phq9"), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Not answered: item 3 (phq9_3), item 7 (phq9_7)." in html
    assert "<li>Item 3: Answer this item.</li>" in html
    assert "<li>Item 7: Answer this item.</li>" in html
    assert 'name="phq9_6" value="2" id="id_phq9_6_2" checked' in html
    assert not QuestionnaireResponse.objects.exists()


def test_cssrs_skip_logic_is_applied_on_the_server(nurse, patient, client_for):
    """Given item 2 = No, then items 3-5 are skipped: shown disabled on re-render, and an
    answer left in them is not stored."""
    client = client_for(nurse)
    data = {"cssrs_1": "1", "cssrs_2": "0", "cssrs_3": "1", "cssrs_6": "0"}

    refreshed = client.post(
        _new_url(patient, "cssrs_screen"), data | {"_refresh": "1"}, headers={"HX-Request": "true"}
    )
    saved = client.post(_new_url(patient, "cssrs_screen"), data)

    html = refreshed.content.decode()
    assert refreshed.status_code == 200
    assert html.count(" disabled aria-describedby") == 3
    assert "Skipped: Asked only if item 2 is answered &#x27;Yes&#x27;." in html
    assert "<html" not in html
    assert saved.status_code == 302
    stored = QuestionnaireResponse.objects.get()
    assert stored.answers == {"cssrs_1": 1, "cssrs_2": 0, "cssrs_6": 0}
    assert stored.band_code == "low"


def test_a_disabled_instrument_cannot_be_opened_for_entry(
    nurse, clinic_admin, patient, boston, client_for
):
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="pgsi", enabled=False
    )
    client = client_for(nurse)

    page = client.get(_new_url(patient, "pgsi"))
    post = client.post(_new_url(patient, "pgsi"), {f"pgsi_{n}": "0" for n in range(1, 10)})

    assert (page.status_code, post.status_code) == (400, 400)
    assert "PGSI) is switched off at Boston, MA by your clinic admin" in page.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_chart_section_lists_responses_alerts_entry_links_and_trajectories(
    nurse, physician, clinic_admin, patient, boston, client_for
):
    instrument_site_setting_set(
        actor=clinic_admin, site_id=boston.pk, instrument_code="pgsi", enabled=False
    )
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()

    response = client_for(physician).get(f"/questionnaires/patients/{patient.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="questionnaire-alerts"' in html
    assert f'action="/questionnaires/alerts/{alert.pk}/"' in html
    assert _new_url(patient, "phq9") in html
    assert _new_url(patient, "pgsi") not in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "style=" not in html
    assert "Moderate depression" in html
    read = AuditEvent.objects.get(action=Action.READ)
    assert (read.patient_id, read.target_type) == (patient.pk, "questionnaire_chart")


def test_chart_section_runs_the_same_number_of_queries_for_1_and_12_responses(
    nurse, patient, client_for
):
    client = client_for(nurse)
    url = f"/questionnaires/patients/{patient.pk}/"
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for code, values in [("phq9", PHQ9_ITEM9), ("gad7", [1] * 7), ("craving", [5])] * 4:
        submit(nurse, patient, code, values)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(one) == len(many)


def test_phq9_item_9_shows_exactly_one_alert_on_the_dashboard_of_the_care_team_site(
    nurse, physician, wh_therapist, patient, client_for
):
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()

    mine = client_for(physician).get("/questionnaires/alerts/")
    theirs = client_for(wh_therapist).get("/questionnaires/alerts/")

    assert list(mine.context["page"].object_list) == [alert]
    assert mine.content.decode().count(f'href="/questionnaires/alerts/{alert.pk}/"') == 1
    assert patient.get_absolute_url() in mine.content.decode()
    assert list(theirs.context["page"].object_list) == []
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="safety_alert_list")
    assert list(reads.values_list("actor__username", "patient_id")) == [("physician", patient.pk)]


def test_dashboard_runs_the_same_number_of_queries_for_1_and_8_alerts(
    nurse, physician, boston, patient_factory, client_for
):
    client = client_for(physician)
    submit(nurse, patient_factory(site=boston), "phq9", PHQ9_ITEM9)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/questionnaires/alerts/").status_code == 200
    for _ in range(7):
        submit(nurse, patient_factory(site=boston), "phq9", PHQ9_ITEM9)
    with CaptureQueriesContext(connection) as eight:
        assert client.get("/questionnaires/alerts/").status_code == 200

    assert len(one) == len(eight)


def test_opening_and_acknowledging_an_alert_audits_and_removes_it_from_the_dashboard(
    nurse, physician, patient, client_for
):
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()
    client = client_for(physician)
    url = f"/questionnaires/alerts/{alert.pk}/"

    opened = client.get(url)
    done = client.post(url, {"action_taken": "Phoned; no plan or intent; safety plan reviewed."})

    assert opened.status_code == 200
    assert 'name="action_taken"' in opened.content.decode()
    assert (done.status_code, done["Location"]) == (302, "/questionnaires/alerts/")
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.action_taken) == (
        physician,
        "Phoned; no plan or intent; safety plan reviewed.",
    )
    event = AuditEvent.objects.get(action=Action.UPDATE, target_type="safety_alert")
    assert (event.actor, event.patient_id) == (physician, patient.pk)
    assert list(client.get("/questionnaires/alerts/").context["page"].object_list) == []


def test_acknowledging_without_action_taken_re_renders_with_a_message_and_changes_nothing(
    nurse, physician, patient, client_for
):
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()

    response = client_for(physician).post(
        f"/questionnaires/alerts/{alert.pk}/", {"action_taken": "", "next": "/patients/1/"}
    )

    assert response.status_code == 400
    assert "Say what you did about this alert before acknowledging it" in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_acknowledging_from_the_chart_returns_to_the_chart(nurse, physician, patient, client_for):
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()

    response = client_for(physician).post(
        f"/questionnaires/alerts/{alert.pk}/",
        {"action_taken": "Seen in clinic", "next": patient.get_absolute_url()},
    )
    outside = client_for(physician).post(
        f"/questionnaires/alerts/{alert.pk}/", {"action_taken": "x", "next": "https://evil.example"}
    )

    assert response["Location"] == patient.get_absolute_url()
    assert outside.status_code == 400  # already acknowledged; never redirected off-site


def test_front_desk_sees_the_alert_but_no_acknowledge_form(nurse, front_desk, patient, client_for):
    submit(nurse, patient, "phq9", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()

    response = client_for(front_desk).get(f"/questionnaires/alerts/{alert.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="action_taken"' not in html
    assert "tell a physician, nurse or therapist now" in html


def test_response_detail_shows_answers_and_a_superseded_response_links_its_correction(
    nurse, patient, client_for
):
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    client = client_for(nurse)
    correct_url = f"/questionnaires/patients/{patient.pk}/responses/{original.pk}/correct/"
    form = client.get(correct_url)
    data = {k: str(v) for k, v in answers_for("phq9", [0] * 9).items()}

    saved = client.post(
        correct_url, data | {"correction_reason": "entered for the wrong patient form"}
    )
    detail = client.get(original.get_absolute_url())

    assert 'name="phq9_6" value="2" id="id_phq9_6_2" checked' in form.content.decode()
    correction = QuestionnaireResponse.objects.exclude(pk=original.pk).get()
    assert (saved.status_code, correction.supersedes) == (302, original)
    html = detail.content.decode()
    assert "Superseded: corrected by" in html
    assert "entered for the wrong patient form" in html
    assert "<td>6</td><td>Feeling bad about yourself" in html
    assert "Correct this response" not in html


def test_a_correction_without_reason_is_refused_on_the_page(nurse, patient, client_for):
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    data = {k: str(v) for k, v in answers_for("phq9", [0] * 9).items()}

    response = client_for(nurse).post(
        f"/questionnaires/patients/{patient.pk}/responses/{original.pk}/correct/", data
    )

    assert response.status_code == 400
    assert "Give a reason for the correction" in response.content.decode()
    assert QuestionnaireResponse.objects.count() == 1


def test_clinic_admin_switches_an_instrument_off_on_the_instruments_page(
    clinic_admin, boston, client_for
):
    client = client_for(clinic_admin)

    page = client.get("/questionnaires/instruments/")
    switched = client.post(
        "/questionnaires/instruments/", {"site_id": boston.pk, "instrument_code": "dast10"}
    )

    assert page.status_code == 200
    assert "Switch DAST-10 off at Boston, MA" in page.content.decode()
    assert switched.status_code == 302
    setting = InstrumentSiteSetting.objects.get()
    assert (setting.site, setting.instrument.code, setting.enabled) == (boston, "dast10", False)


def test_a_nurse_cannot_open_the_instruments_page(nurse, client_for):
    response = client_for(nurse).get("/questionnaires/instruments/")

    assert response.status_code == 403
    assert AuditEvent.objects.get().outcome == Outcome.DENIED


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/questionnaires/patients/{pk}/"),
        ("get", "/questionnaires/patients/{pk}/new/phq9/"),
        ("post", "/questionnaires/patients/{pk}/new/phq9/"),
        ("get", "/questionnaires/patients/{pk}/responses/{rid}/"),
        ("get", "/questionnaires/patients/{pk}/responses/{rid}/correct/"),
        ("get", "/questionnaires/alerts/{aid}/"),
        ("post", "/questionnaires/alerts/{aid}/"),
    ],
)
def test_west_hartford_staff_get_404_for_a_boston_patient_and_the_denial_is_audited(
    nurse, wh_therapist, patient, client_for, method, path
):
    response = submit(nurse, patient, "phq9", PHQ9_ITEM9)
    alert = SafetyAlert.objects.get()
    url = path.format(pk=patient.pk, rid=response.pk, aid=alert.pk)
    client = client_for(wh_therapist)

    answer = client.get(url) if method == "get" else client.post(url, {"action_taken": "x"})

    assert answer.status_code == 404
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.outcome) == (
        wh_therapist,
        patient.pk,
        Outcome.DENIED,
    )
    assert QuestionnaireResponse.objects.count() == 1
    alert.refresh_from_db()
    assert alert.acknowledged_at is None

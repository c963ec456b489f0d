from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.questionnaires.models import DueStatus, QuestionnaireResponse, SafetyAlert
from tests.questionnaires.factories import PHQ9_ITEM9, PHQ9_MODERATE, DueQuestionnaireFactory
from tests.questionnaires.helpers import answers_for

THANKS = "Thank you. Your care team will review your answers."
CRISIS = (
    "If you are thinking about harming yourself, call or text 988 (Suicide & Crisis Lifeline), "
    "or call 911 in an emergency."
)


def _url(item, suffix: str = "") -> str:
    return f"/questionnaires/me/{item.pk}/{suffix}"


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _form(code: str, values) -> dict[str, str]:
    return {k: str(v) for k, v in answers_for(code, values).items()}


def test_the_url_names_the_portal_links_to():
    assert reverse("questionnaires:my_due") == "/questionnaires/me/"
    assert reverse("questionnaires:self_complete", args=[12]) == "/questionnaires/me/12/"


def test_the_patient_sees_their_due_questionnaires_and_not_those_still_to_come(
    patient, patient_user, client_for
):
    due = DueQuestionnaireFactory(patient=patient, instrument="phq9")
    later = DueQuestionnaireFactory(
        patient=patient, instrument="gad7", due_at=timezone.now() + dt.timedelta(days=2)
    )

    response = client_for(patient_user).get("/questionnaires/me/")

    html = _text(response)
    assert response.status_code == 200
    assert f'href="{_url(due)}"' in html
    assert f'href="{_url(later)}"' not in html
    assert "9 questions · waiting since" in html
    read = AuditEvent.objects.get(action=Action.READ)
    assert (read.actor, read.patient_id, read.target_type) == (
        patient_user,
        patient.pk,
        "due_questionnaire_list",
    )


def test_the_list_says_so_when_nothing_is_due(patient_user, client_for):
    response = client_for(patient_user).get("/questionnaires/me/")

    assert "Nothing to answer right now. Thank you." in _text(response)


def test_the_list_runs_the_same_number_of_queries_for_1_and_6_items(
    patient, patient_user, client_for
):
    client = client_for(patient_user)
    DueQuestionnaireFactory(patient=patient, instrument="phq9")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/questionnaires/me/").status_code == 200
    for code in ["gad7", "audit", "dast10", "pacs", "craving"]:
        DueQuestionnaireFactory(patient=patient, instrument=code)
    with CaptureQueriesContext(connection) as six:
        assert client.get("/questionnaires/me/").status_code == 200

    assert len(one) == len(six)


def test_the_form_shows_every_item_with_large_options_and_no_score(
    patient, patient_user, client_for
):
    item = DueQuestionnaireFactory(patient=patient, instrument="phq9")

    response = client_for(patient_user).get(_url(item))

    html = _text(response)
    assert response.status_code == 200
    assert html.count("<fieldset") == 9
    assert html.count(' class="option">') == 36
    assert "/static/questionnaires/self_completion.css" in html
    assert "Send my answers" in html
    assert "style=" not in html


def test_submitting_stores_the_response_and_shows_only_a_thank_you(
    patient, patient_user, client_for
):
    item = DueQuestionnaireFactory(patient=patient, instrument="phq9")
    client = client_for(patient_user)

    posted = client.post(_url(item), _form("phq9", PHQ9_MODERATE))
    done = client.get(posted["Location"])

    assert (posted.status_code, posted["Location"]) == (302, _url(item, "done/"))
    stored = QuestionnaireResponse.objects.get()
    assert (stored.source, stored.entered_by, stored.completed_by_patient) == (
        "patient_self",
        None,
        True,
    )
    item.refresh_from_db()
    assert item.status == DueStatus.COMPLETED
    html = _text(done)
    assert done.status_code == 200
    assert THANKS in html
    assert CRISIS not in html
    assert "Moderate depression" not in html
    assert "score" not in html.lower()


def test_a_suicide_risk_answer_shows_crisis_resources_at_once_and_raises_the_alert(
    patient, patient_user, client_for
):
    """Given PHQ-9 item 9 answered 1 by the patient, then the care team gets the same-day
    alert, and the patient sees the thank-you and crisis resources, but no score and none of
    the alert's clinical wording."""
    item = DueQuestionnaireFactory(patient=patient, instrument="phq9")
    client = client_for(patient_user)

    posted = client.post(_url(item), _form("phq9", PHQ9_ITEM9))
    done = client.get(posted["Location"])

    alert = SafetyAlert.objects.get()
    assert (alert.patient, alert.level) == (patient, "same_day")
    html = _text(done)
    assert THANKS in html
    assert CRISIS in html
    assert 'href="tel:988"' in html
    assert alert.message not in html
    assert "Moderate depression" not in html


def test_a_cssrs_yes_to_wishing_to_be_dead_shows_crisis_resources(
    patient, patient_user, client_for
):
    item = DueQuestionnaireFactory(patient=patient, instrument="cssrs_screen")
    client = client_for(patient_user)

    posted = client.post(_url(item), {"cssrs_1": "1", "cssrs_2": "0", "cssrs_6": "0"})
    done = client.get(posted["Location"])

    assert QuestionnaireResponse.objects.get().band_code == "low"
    assert not SafetyAlert.objects.exists()
    assert CRISIS in _text(done)


def test_a_cssrs_with_every_answer_no_shows_no_crisis_resources(patient, patient_user, client_for):
    item = DueQuestionnaireFactory(patient=patient, instrument="cssrs_screen")
    client = client_for(patient_user)

    posted = client.post(_url(item), {"cssrs_1": "0", "cssrs_2": "0", "cssrs_6": "0"})
    done = client.get(posted["Location"])

    assert THANKS in _text(done)
    assert CRISIS not in _text(done)


def test_a_missing_answer_re_renders_with_answers_kept_and_a_message_per_question(
    patient, patient_user, client_for
):
    item = DueQuestionnaireFactory(patient=patient, instrument="phq9")
    data = _form("phq9", PHQ9_MODERATE)
    del data["phq9_3"], data["phq9_7"]

    response = client_for(patient_user).post(_url(item), data)

    html = _text(response)
    assert response.status_code == 400
    assert (
        "Some questions still need an answer: questions 3, 7. Answer them, then press Send. "
        "Nothing was sent yet."
    ) in html
    assert "<li>Question 3: Please answer this question.</li>" in html
    assert "<li>Question 7: Please answer this question.</li>" in html
    assert 'name="phq9_6" value="2" id="id_phq9_6_2" checked' in html
    assert not QuestionnaireResponse.objects.exists()
    item.refresh_from_db()
    assert item.status == DueStatus.OPEN


def test_skip_logic_re_renders_the_form_with_htmx(patient, patient_user, client_for):
    item = DueQuestionnaireFactory(patient=patient, instrument="cssrs_screen")

    response = client_for(patient_user).post(
        _url(item),
        {"cssrs_1": "1", "cssrs_2": "0", "_refresh": "1"},
        headers={"HX-Request": "true"},
    )

    html = _text(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.count(" disabled aria-describedby") == 3
    assert "Skipped: Asked only if question 2 is answered 'Yes'." in html
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("suffix", ["", "done/"])
def test_another_patients_item_is_a_404_and_the_attempt_is_audited(
    patient, other_patient_user, client_for, suffix
):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")

    response = client_for(other_patient_user).get(_url(item, suffix))

    assert response.status_code == 404
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.outcome) == (
        other_patient_user,
        patient.pk,
        Outcome.DENIED,
    )


def test_posting_to_another_patients_item_stores_nothing(patient, other_patient_user, client_for):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")

    response = client_for(other_patient_user).post(_url(item), {"craving_1": "3"})

    assert response.status_code == 404
    assert not QuestionnaireResponse.objects.exists()
    item.refresh_from_db()
    assert item.status == DueStatus.OPEN


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", None), ("get", ""), ("post", ""), ("get", "done/")]
)
def test_staff_get_403_on_the_patients_pages_and_it_is_audited(
    nurse, patient, client_for, method, suffix
):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")
    url = "/questionnaires/me/" if suffix is None else _url(item, suffix)
    client = client_for(nurse)

    response = client.get(url) if method == "get" else client.post(url, {"craving_1": "3"})

    assert response.status_code == 403
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.target_type) == (nurse, "patient_self_completion")
    assert not QuestionnaireResponse.objects.exists()


def test_the_thank_you_page_of_an_unanswered_item_is_a_404(patient, patient_user, client_for):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")

    assert client_for(patient_user).get(_url(item, "done/")).status_code == 404


def test_an_answered_item_cannot_be_opened_again(patient, patient_user, client_for):
    item = DueQuestionnaireFactory(patient=patient, instrument="craving")
    client = client_for(patient_user)
    client.post(_url(item), {"craving_1": "3"})

    again = client.get(_url(item))

    assert again.status_code == 400
    assert "You have already answered this questionnaire." in _text(again)
    assert QuestionnaireResponse.objects.count() == 1

from __future__ import annotations

import datetime as dt

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.eligibility.choices import AsamLevel
from ketaclinic.eligibility.models import (
    ContraindicationScreen,
    EligibilityDecision,
    LevelOfCareAssessment,
    Referral,
    RiskBenefitAssessment,
)
from ketaclinic.eligibility.selectors import active_definitions
from ketaclinic.eligibility.services import referral_create


def _screen_post(present=(), unknown=(), skip=()):
    data = {"note": "Screened in clinic"}
    for d in active_definitions():
        if d.code in skip:
            continue
        answer = "present" if d.code in present else "unknown" if d.code in unknown else "absent"
        data[f"answer_{d.code}"] = answer
        data[f"note_{d.code}"] = f"n-{d.code}" if d.code in present else ""
    return data


def _level_post(values, **extra):
    keys = [
        "intoxication_withdrawal",
        "biomedical",
        "emotional_behavioural",
        "readiness_to_change",
        "relapse_potential",
        "recovery_environment",
    ]
    data = {f"{key}_rating": str(value) for key, value in zip(keys, values, strict=True)}
    data |= {f"{key}_note": f"note {key}" for key in keys}
    return data | extra


def test_chart_section_shows_every_part_and_audits_the_read(
    physician, patient, client_for, record_screen, decide, record_risk_benefit, assess_level
):
    """Given a patient with all records, when the chart loads the section, then each shows."""
    record_screen(patient, present=["uncontrolled_hypertension", "psychosis"])
    decide(patient, override_reason="Cardiology cleared.")
    record_risk_benefit(patient, little_support=True, peers_who_use=True, legal_problems=True)
    assessment = assess_level(patient, (4, 1, 1, 1, 1, 1), AsamLevel.MEDICALLY_MONITORED)
    referral_create(
        actor=physician,
        patient=patient,
        destination="Example Detox Unit",
        referred_on=dt.date(2026, 2, 1),
        assessment_id=assessment.pk,
    )

    response = client_for(physician).get(
        f"/eligibility/patients/{patient.pk}/", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "eligibility/_chart_section.html"
    html = response.content.decode()
    assert html.count('class="contraindication-present"') == 2
    assert "Significant or uncontrolled hypertension" in html
    assert "Eligible" in html
    assert "Cardiology cleared." in html
    assert "Derived by rule &#x27;example-v1&#x27;: 3 risk factors -&gt; moderate." in html
    assert "Example rule — set by your medical director; no published consensus" in html
    assert "Not signed" in html
    assert "3.7 Medically monitored intensive in-patient" in html
    assert "Refer to in-patient care." in html
    assert "Example Detox Unit" in html
    read = AuditEvent.objects.filter(action=Action.READ, target_type="eligibility").get()
    assert (read.actor, read.patient_id) == (physician, patient.pk)


def test_chart_section_without_htmx_is_a_full_page(physician, patient, client_for):
    response = client_for(physician).get(f"/eligibility/patients/{patient.pk}/")

    assert response.status_code == 200
    assert b"<html" in response.content
    assert b"No contraindication screen yet." in response.content


def test_nurse_sees_no_decision_link(nurse, patient, client_for):
    html = client_for(nurse).get(f"/eligibility/patients/{patient.pk}/").content.decode()

    assert "Record a contraindication screen" in html
    assert "Record an eligibility decision" not in html


def test_screen_page_saves_a_new_version(nurse, patient, client_for):
    url = f"/eligibility/patients/{patient.pk}/screen/new/"
    client = client_for(nurse)
    assert client.get(url).status_code == 200

    response = client.post(url, _screen_post(present=["psychosis"]))

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/"
    screen = ContraindicationScreen.objects.get()
    assert (screen.version, screen.recorded_by, screen.note) == (1, nurse, "Screened in clinic")
    assert screen.answers.get(definition__code="psychosis").note == "n-psychosis"


def test_screen_page_with_a_missing_answer_keeps_every_value(nurse, patient, client_for):
    data = _screen_post(present=["psychosis"], skip=["maoi_use"])

    response = client_for(nurse).post(f"/eligibility/patients/{patient.pk}/screen/new/", data)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["answer_maoi_use"] == ["Choose present, absent or unknown."]
    assert form["answer_psychosis"].value() == "present"
    assert form["note_psychosis"].value() == "n-psychosis"
    assert form["note"].value() == "Screened in clinic"
    assert ContraindicationScreen.objects.count() == 0


def test_decision_page_refuses_eligible_over_an_absolute_contraindication(
    physician, patient, client_for, record_screen
):
    """The page refuses with the reason, keeps what was typed and saves nothing."""
    screen = record_screen(patient, present=["recent_cerebrovascular_event"])
    url = f"/eligibility/patients/{patient.pk}/decision/new/"
    client = client_for(physician)
    page = client.get(url)
    assert b"Absolute contraindication present:" in page.content

    response = client.post(
        url, {"outcome": "eligible", "reasoning": "Keen to start.", "screen_id": screen.pk}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Recent cerebrovascular event (recent_cerebrovascular_event)" in html
    assert "write an override reason" in html
    form = response.context["form"]
    assert (form["outcome"].value(), form["reasoning"].value()) == ("eligible", "Keen to start.")
    assert EligibilityDecision.objects.count() == 0
    assert not AuditEvent.objects.filter(target_type="eligibility_override").exists()


def test_decision_page_saves_an_override_and_audits_it(
    physician, patient, client_for, record_screen
):
    screen = record_screen(patient, present=["recent_cerebrovascular_event"])

    response = client_for(physician).post(
        f"/eligibility/patients/{patient.pk}/decision/new/",
        {
            "outcome": "eligible",
            "reasoning": "Neurology reviewed.",
            "override_reason": "Event was 3 years ago per neurology.",
            "screen_id": screen.pk,
        },
    )

    assert response.status_code == 302
    assert EligibilityDecision.objects.get().override_reason == (
        "Event was 3 years ago per neurology."
    )
    assert AuditEvent.objects.get(target_type="eligibility_override").detail == (
        "absolute contraindication override: recent_cerebrovascular_event"
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_nurse_cannot_open_or_post_the_decision_page(
    nurse, patient, client_for, record_screen, method
):
    record_screen(patient)

    response = getattr(client_for(nurse), method)(
        f"/eligibility/patients/{patient.pk}/decision/new/",
        {"outcome": "eligible", "reasoning": "x"},
    )

    assert response.status_code == 403
    assert EligibilityDecision.objects.count() == 0
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.detail) == (
        nurse,
        patient.pk,
        "missing permission eligibility.decide",
    )


def test_risk_benefit_page_saves_then_the_sign_page_signs(physician, patient, client_for):
    client = client_for(physician)
    page = client.get(f"/eligibility/patients/{patient.pk}/risk-benefit/new/")
    assert "example-v1" in page.content.decode()

    saved = client.post(
        f"/eligibility/patients/{patient.pk}/risk-benefit/new/",
        {
            "prior_ketamine_use": "past",
            "family_history": "several",
            "unstable_housing": "on",
            "current_substances": ["alcohol", "cannabis"],
            "benefits_discussed": "Craving relief.",
            "monitoring_plan": "Weekly drug screens.",
        },
    )

    assessment = RiskBenefitAssessment.objects.get()
    assert (
        saved["Location"]
        == f"/eligibility/patients/{patient.pk}/risk-benefit/{assessment.pk}/sign/"
    )
    assert assessment.derivation == "Derived by rule 'example-v1': 3 risk factors -> moderate"
    sign_url = saved["Location"]
    assert b"3 risk factors" in client.get(sign_url).content
    signed = client.post(
        sign_url,
        {
            "signature_name": physician.get_full_name(),
            "patient_name": "Ann Alderwood",
            "confirm": "on",
        },
    )
    assert signed.status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_signed


def test_sign_page_with_a_wrong_name_keeps_the_typed_values(
    physician, patient, client_for, record_risk_benefit
):
    assessment = record_risk_benefit(patient)

    response = client_for(physician).post(
        f"/eligibility/patients/{patient.pk}/risk-benefit/{assessment.pk}/sign/",
        {"signature_name": "Dr Nobody", "patient_name": "Ann Alderwood", "confirm": "on"},
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert (form["signature_name"].value(), form["patient_name"].value()) == (
        "Dr Nobody",
        "Ann Alderwood",
    )
    assert form.errors["signature_name"] == [
        f"Type your full name as on your account ({physician.get_full_name()}) to sign."
    ]
    assessment.refresh_from_db()
    assert not assessment.is_signed


def test_level_of_care_preview_shows_the_recommendation_and_saves_nothing(
    therapist, patient, client_for
):
    response = client_for(therapist).post(
        f"/eligibility/patients/{patient.pk}/level-of-care/new/",
        _level_post((4, 0, 0, 0, 0, 0), action="preview"),
    )

    assert response.status_code == 200
    assert b"Recommended: 3.7 or 4." in response.content
    assert b"Refer to in-patient care." in response.content
    assert LevelOfCareAssessment.objects.count() == 0


def test_level_of_care_disagreeing_without_a_reason_keeps_the_values(
    therapist, patient, client_for
):
    response = client_for(therapist).post(
        f"/eligibility/patients/{patient.pk}/level-of-care/new/",
        _level_post((4, 0, 0, 0, 0, 0), action="save", decided_level="1"),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["disagreement_reason"] == ["Say why you chose a different level."]
    assert (form["decided_level"].value(), form["intoxication_withdrawal_rating"].value()) == (
        "1",
        "4",
    )
    assert LevelOfCareAssessment.objects.count() == 0


def test_level_of_care_in_patient_decision_leads_to_the_referral_form(
    physician, patient, client_for
):
    client = client_for(physician)

    response = client.post(
        f"/eligibility/patients/{patient.pk}/level-of-care/new/",
        _level_post((4, 0, 0, 0, 0, 0), action="save", decided_level="4"),
    )

    assert response["Location"] == f"/eligibility/patients/{patient.pk}/referrals/new/"
    created = client.post(
        response["Location"],
        {"destination": "Example Hospital", "referred_on": "2026-03-01", "status": "sent"},
    )
    assert created.status_code == 302
    referral = Referral.objects.select_related("assessment").get()
    assert (referral.destination, referral.status) == ("Example Hospital", "sent")
    assert referral.assessment == LevelOfCareAssessment.objects.get(decided_level="4")


def test_referral_status_page_moves_the_referral_on(physician, patient, client_for):
    referral = referral_create(
        actor=physician, patient=patient, destination="Unit", referred_on=dt.date(2026, 3, 1)
    )

    response = client_for(physician).post(
        f"/eligibility/patients/{patient.pk}/referrals/{referral.pk}/status/",
        {"status": "accepted", "note": "Bed on Monday"},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("", "get"),
        ("screen/new/", "get"),
        ("screen/new/", "post"),
        ("decision/new/", "get"),
        ("decision/new/", "post"),
        ("risk-benefit/new/", "get"),
        ("risk-benefit/new/", "post"),
        ("risk-benefit/{rb}/sign/", "get"),
        ("risk-benefit/{rb}/sign/", "post"),
        ("level-of-care/new/", "get"),
        ("level-of-care/new/", "post"),
        ("referrals/new/", "get"),
        ("referrals/new/", "post"),
        ("referrals/{ref}/status/", "get"),
        ("referrals/{ref}/status/", "post"),
    ],
)
def test_west_hartford_staff_get_404_on_every_page_and_it_is_audited(
    wh_physician, physician, patient, client_for, record_risk_benefit, path, method
):
    rb = record_risk_benefit(patient)
    ref = referral_create(
        actor=physician, patient=patient, destination="Unit", referred_on=dt.date(2026, 3, 1)
    )
    counts = (ContraindicationScreen.objects.count(), RiskBenefitAssessment.objects.count())
    url = f"/eligibility/patients/{patient.pk}/" + path.format(rb=rb.pk, ref=ref.pk)

    response = getattr(client_for(wh_physician), method)(url, {"status": "sent"})

    assert response.status_code == 404
    assert b"No patient with that id at your sites." in response.content
    assert b"Alderwood" not in response.content
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.patient_id, denial.detail, denial.outcome) == (
        wh_physician,
        patient.pk,
        "outside user's sites",
        Outcome.DENIED,
    )
    assert (ContraindicationScreen.objects.count(), RiskBenefitAssessment.objects.count()) == counts
    assert Referral.objects.get().status == "planned"


def test_a_new_screen_starts_blank_even_when_one_exists(
    patient, physician, client_for, record_screen
):
    """Copied answers would be saved without being examined: every item starts unanswered."""
    record_screen(patient, present=["uncontrolled_hypertension"])

    response = client_for(physician).get(f"/eligibility/patients/{patient.pk}/screen/new/")

    assert response.status_code == 200
    assert " checked" not in response.content.decode()
    form = response.context["form"]
    assert all(form[name].value() in (None, "") for name in form.fields)

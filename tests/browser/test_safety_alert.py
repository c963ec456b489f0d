"""A patient's suicide-risk answer reaches the physician the same day, who acts on it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.portal.models import PatientAccount
from ketaclinic.questionnaires.models import QuestionnaireResponse, SafetyAlert
from ketaclinic.questionnaires.services import schedule_event
from tests.browser.helpers import LOGIN_PATH, main_nav, sign_in, submit_login
from tests.factories import UserFactory

PATIENT_LOGIN = "casey.brightwater@example.org"
ACTION_TAKEN = "Called the patient, assessed risk, safety plan reviewed, seen tomorrow."


def test_patient_phq9_item_9_raises_an_alert_the_physician_acknowledges(
    page: Page, live_server, boston, physician, patient_factory
):
    """Given a patient with a PHQ-9 due and a portal login, when they answer item 9 "Several
    days" in the portal, then they see crisis resources and no score; and the physician sees
    the alert under Safety alerts, opens it, acknowledges it with the action taken, and the
    acknowledgement is in the audit log."""
    patient = patient_factory(
        site=boston, first_name="Casey", last_name="Brightwater", email=PATIENT_LOGIN
    )
    user = UserFactory(username=PATIENT_LOGIN, first_name="Casey", last_name="Brightwater")
    PatientAccount.objects.create(
        user=user,
        patient=patient,
        invited_at=timezone.now(),
        invited_by=physician,
        activated_at=timezone.now(),
    )
    schedule_event(
        actor=physician,
        patient=patient,
        event="pre_infusion",
        at=timezone.now() + dt.timedelta(hours=12),
        reference="infusion:demo",
    )

    # The patient signs in (the phone capitalised the address) and lands in the portal.
    page.goto(LOGIN_PATH)
    submit_login(page, "Casey.Brightwater@example.org")
    expect(page).to_have_url(f"{live_server.url}/portal/")
    page.get_by_role("link", name="PHQ-9").click()
    for number in range(1, 9):
        page.locator(f"#item-phq9_{number}").get_by_label("Not at all").check()
    page.locator("#item-phq9_9").get_by_label("Several days").check()
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("status")).to_have_text(
        "Thank you. Your care team will review your answers."
    )
    expect(page.locator("#crisis-resources")).to_contain_text("call or text 988")
    expect(page.locator("main")).not_to_contain_text("score")
    page.get_by_role("button", name="Sign out").click()

    # The physician sees the alert on the dashboard, opens it and acknowledges it.
    sign_in(page, "physician")
    main_nav(page).get_by_role("link", name="Safety alerts").click()
    row = page.get_by_role("row").filter(has_text="Brightwater, Casey")
    expect(row).to_contain_text("PHQ-9")
    row.get_by_role("button", name="Open").click()
    page.get_by_label("Action taken").fill(ACTION_TAKEN)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Alert acknowledged; your action is recorded."
    )
    expect(page.locator("main")).to_contain_text("No open safety alerts at your sites.")

    alert = SafetyAlert.objects.get(patient=patient)
    response = QuestionnaireResponse.objects.get(patient=patient)
    assert (response.instrument.code, response.answers["phq9_9"], response.entered_by) == (
        "phq9",
        1,
        None,
    )
    assert (alert.code, alert.acknowledged_by, alert.action_taken) == (
        "suicide_risk",
        physician,
        ACTION_TAKEN,
    )
    acknowledged = AuditEvent.objects.filter(
        actor=physician, patient=patient, action=Action.UPDATE, target_type="safety_alert"
    )
    assert acknowledged.count() == 1

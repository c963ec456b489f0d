"""From first contact to ready-for-treatment, clicked through the way the clinic's staff would.

An anonymous visitor sends the Boston inquiry form; front desk converts the inquiry into a
patient; the physician records the contraindication screen, the eligibility decision and a
signed risk-benefit assessment, and witnesses the treatment consent; the nurse records a
weight; the chart then says the patient is ready for enrolment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.consent.seed import ensure_example_templates
from ketaclinic.eligibility.seed import seed_configuration
from ketaclinic.eligibility.selectors import active_definitions
from ketaclinic.intake.models import Inquiry
from ketaclinic.intake.services.submission import PUBLIC_FORM_ACTOR
from ketaclinic.patients.models import Patient
from tests.browser.helpers import (
    expect_chart_loaded,
    main_nav,
    open_chart_from_search,
    sign_in,
    sign_out,
)

FIRST, LAST = "Testy", "Inquirer"
FULL_NAME = f"{FIRST} {LAST}"
DISPLAY_NAME = f"{LAST}, {FIRST}"
BIRTH_DATE = dt.date(1985, 3, 14)
EMAIL = "testy.inquirer@example.org"
PHONE = "617-555-0142"
_MINUTE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"  # how pages show a time: 2026-11-21 22:01
MRN = "BOS000001"  # the first MRN conversion assigns at Boston (prefix from the slug)


def test_inquiry_becomes_a_patient_ready_for_enrolment(
    page: Page,
    live_server,
    boston: Site,
    west_hartford: Site,
    physician: User,
    make_user: Callable[..., User],
):
    """Given Boston and West Hartford, Boston's front desk, physician and nurse, the
    contraindication checklist and the example consent templates,
    when an anonymous visitor sends the Boston inquiry form,
    then the confirmation page says what happens next;
    when front desk opens "Inquiries", opens the inquiry and converts it,
    then the new patient's chart shows MRN BOS000001 and readiness lists 4 missing items;
    when the physician finds the patient in Patients and, from the chart's eligibility
    section, records a screen with every item absent, decides "Eligible" and records and signs
    a risk-benefit assessment with the patient, then signs the treatment consent as witness,
    then each record shows on the chart and readiness lists only the baseline weight missing;
    when the nurse records a weight in the chart's clinical section,
    then the chart says "Ready for enrolment in a treatment course",
    and the database holds one such patient, linked to its inquiry, with audit rows for each
    record by the user who made it."""
    seed_configuration()  # live_server's flush removed the data migrations' rows
    ensure_example_templates()
    frontdesk = make_user(Role.FRONT_DESK, boston, username="frontdesk")
    nurse = make_user(Role.NURSE, boston, username="nurse")
    checklist_size = len(active_definitions())
    assert checklist_size > 0

    _visitor_sends_the_boston_inquiry(page, live_server.url)
    _front_desk_converts_the_inquiry(page, live_server.url)
    _physician_evaluates(page, physician, checklist_size)
    _physician_witnesses_the_treatment_consent(page, physician)
    _nurse_records_a_weight_and_sees_the_patient_ready(page)

    patient = Patient.objects.get(first_name=FIRST, last_name=LAST)
    assert (patient.site, patient.mrn, patient.date_of_birth) == (boston, MRN, BIRTH_DATE)
    assert (patient.email, patient.phone) == (EMAIL, "(617) 555-0142")
    inquiry = Inquiry.objects.get()
    assert inquiry.patient == patient
    assert inquiry.converted_at is not None
    _assert_audited(patient, inquiry, frontdesk=frontdesk, physician=physician, nurse=nurse)


def _visitor_sends_the_boston_inquiry(page: Page, base_url: str) -> None:
    page.goto("/inquire/boston/")
    expect(page).to_have_title("Contact us · Boston, MA")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact Boston, MA")

    page.get_by_label("First name").fill(FIRST)
    page.get_by_label("Last name").fill(LAST)
    page.get_by_label("Date of birth").fill(BIRTH_DATE.isoformat())
    # "Phone" and "Email" are also the names of contact-method radio buttons below.
    page.get_by_role("textbox", name="Phone").fill(PHONE)
    page.get_by_role("textbox", name="Email").fill(EMAIL)
    _group(page, "How should we contact you?").get_by_label("Email", exact=True).check()
    _group(page, "What would you like help with?").get_by_label("Alcohol", exact=True).check()
    for question in (
        "Do you have high blood pressure that is not under control?",
        "Have you ever had psychosis",
        "Are you pregnant, or could you be?",
        "Have you ever used ketamine other than as prescribed",
    ):
        _group(page, question).get_by_label("No", exact=True).check()
    _group(page, "Are you having thoughts of harming yourself").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("button", name="Send my inquiry").click()

    expect(page).to_have_url(f"{base_url}/inquire/boston/thanks/")
    expect(page).to_have_title("Thank you · Boston, MA")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: we have your inquiry")
    expect(page.get_by_role("heading", level=2)).to_have_text("What happens next")
    expect(page.locator("main ol li").first).to_have_text(
        "Our front desk at Boston, MA contacts you within one business day, the way you "
        "asked us to: by phone, email or text."
    )
    expect(page.locator("#crisis-resources")).to_have_count(0)


def _front_desk_converts_the_inquiry(page: Page, base_url: str) -> None:
    sign_in(page, "frontdesk")
    main_nav(page).get_by_role("link", name="Inquiries").click()
    expect(page).to_have_url(f"{base_url}/intake/")
    expect(page.locator("#inquiry-count")).to_have_text("1 inquiry.")
    rows = page.locator("#inquiry-results tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    # Columns: Received, Name, Help with, Contact by, Pre-screen yes, Status.
    expect(cells.nth(0)).to_have_text(re.compile(rf"^{_MINUTE}$"))
    expect(cells.nth(1)).to_have_text(DISPLAY_NAME)
    expect(cells.nth(2)).to_have_text("Alcohol")
    expect(cells.nth(3)).to_have_text("Email")
    expect(cells.nth(4)).to_have_text("—")
    expect(cells.nth(5)).to_have_text("New")

    rows.first.get_by_role("link", name=DISPLAY_NAME).click()
    expect(page).to_have_title(f"Inquiry from {DISPLAY_NAME} · Ketaclinic")
    expect(page.get_by_role("heading", level=1)).to_have_text(DISPLAY_NAME)
    expect(page.get_by_role("alert")).to_have_count(0)  # no urgent banner
    page.get_by_role("button", name="Convert to patient").click()

    expect(page).to_have_title("Convert inquiry to patient · Ketaclinic")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Convert {DISPLAY_NAME} to a patient"
    )
    # Everything is filled in from the inquiry: nothing to retype.
    expect(page.get_by_label("First name")).to_have_value(FIRST)
    expect(page.get_by_label("Last name")).to_have_value(LAST)
    expect(page.get_by_label("Date of birth")).to_have_value(BIRTH_DATE.isoformat())
    expect(page.get_by_label("Phone")).to_have_value("(617) 555-0142")
    expect(page.get_by_label("Email")).to_have_value(EMAIL)
    expect(page.locator("#duplicates-heading")).to_have_count(0)
    page.get_by_role("button", name="Create patient").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/patients/\d+/$"))
    expect(page.get_by_role("status")).to_have_text(f"Registered as patient {MRN}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(DISPLAY_NAME)
    expect(page.locator(".chart-header p")).to_have_text(
        f"MRN {MRN} · born {BIRTH_DATE.isoformat()} · Unknown · Boston, MA"
    )
    expect(page.locator("#readiness-status")).to_have_text("Not ready: 4 items missing")
    expect_chart_loaded(page)
    sign_out(page)


def _physician_evaluates(page: Page, physician: User, checklist_size: int) -> None:
    sign_in(page, "physician")
    open_chart_from_search(page, LAST, DISPLAY_NAME)
    expect(page.locator(".chart-header p")).to_contain_text(f"MRN {MRN}")
    eligibility = page.locator("#eligibility-section")
    expect(eligibility.locator("#screen-heading ~ p.muted")).to_have_text(
        "No contraindication screen yet."
    )

    # The contraindication screen: every item answered "Absent".
    eligibility.get_by_role("link", name="Record a contraindication screen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contraindication screen")
    items = page.locator("article.contraindication-item")
    expect(items).to_have_count(checklist_size)
    for index in range(checklist_size):
        items.nth(index).get_by_label("Absent", exact=True).check()
    page.get_by_role("button", name="Save screen").click()

    expect(page.get_by_role("status")).to_have_text("Contraindication screen version 1 saved.")
    screen_section = page.locator("#eligibility-section section").nth(0)
    recorder = re.escape(physician.get_full_name())
    expect(screen_section.locator("p").first).to_have_text(
        re.compile(rf"^Version 1, recorded {_MINUTE} by {recorder} ·\s+Complete$")
    )
    expect(screen_section.locator("tbody tr")).to_have_count(checklist_size)
    expect(screen_section.locator("tbody tr.contraindication-absent")).to_have_count(checklist_size)

    # The eligibility decision, on that screen.
    page.locator("#eligibility-section").get_by_role(
        "link", name="Record an eligibility decision"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eligibility decision")
    expect(page.locator("main")).to_contain_text(
        "Deciding on contraindication screen version 1 (complete)."
    )
    expect(page.get_by_role("alert")).to_have_count(0)  # no absolute contraindication
    _group(page, "Outcome").get_by_label("Eligible", exact=True).check()
    page.get_by_label("Reasoning").fill(
        "Screen complete with no contraindications; alcohol use disorder, motivated."
    )
    page.get_by_role("button", name="Save decision").click()

    expect(page.get_by_role("status")).to_have_text("Eligibility decision version 1 saved.")
    decision_section = page.locator("#eligibility-section section").nth(1)
    expect(decision_section.locator(".outcome-eligible")).to_have_text("Eligible")
    expect(decision_section).to_contain_text("on screen version 1")
    expect(decision_section.locator("dd").first).to_have_text(
        "Screen complete with no contraindications; alcohol use disorder, motivated."
    )

    # The risk-benefit assessment, then signing it with the patient.
    page.locator("#eligibility-section").get_by_role(
        "link", name="Record a risk-benefit assessment"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ketamine-misuse risk-benefit assessment"
    )
    _group(page, "Prior ketamine or dissociative use").get_by_label("Never", exact=True).check()
    _group(page, "Family history of addiction").get_by_label("None known", exact=True).check()
    _group(page, "Current substances").get_by_label("Alcohol", exact=True).check()
    page.get_by_label("Benefits discussed").fill("Less craving; fewer heavy drinking days.")
    page.get_by_label("Monitoring plan").fill("Breathalyser before each session.")
    page.get_by_role("button", name="Save and go to signing").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the risk-benefit assessment")
    expect(page.get_by_role("status")).to_contain_text("Version 1 saved.")
    expect(page.locator("main .risk-low")).to_have_text("Low")
    page.get_by_label("Patient: type your first and last name to acknowledge").fill(FULL_NAME)
    page.get_by_label("Physician: type your full name to sign").fill(physician.get_full_name())
    page.get_by_label("I discussed these risks, benefits and the monitoring plan").check()
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("Risk-benefit assessment version 1 signed.")
    risk_section = page.locator("#eligibility-section section").nth(2)
    expect(risk_section.locator(".risk-low")).to_have_text("Low")
    expect(risk_section).to_contain_text(
        f"signed by {physician.get_full_name()} (typed “{physician.get_full_name()}”)"
    )
    expect(risk_section).to_contain_text(f"typed “{FULL_NAME}”")
    expect(risk_section.get_by_role("link", name="Sign with the patient")).to_have_count(0)

    readiness = page.locator("#readiness-section")
    expect(readiness.locator("#readiness-status")).to_have_text("Not ready: 2 items missing")
    expect(_readiness_item(page, "eligibility")).to_have_class("done")
    expect(_readiness_item(page, "risk_benefit")).to_have_class("done")
    expect(_readiness_item(page, "treatment_consent")).to_have_class("missing")
    expect(_readiness_item(page, "baseline_weight")).to_have_class("missing")


def _physician_witnesses_the_treatment_consent(page: Page, physician: User) -> None:
    consents = page.locator("#consent-section")
    expect(consents.locator("#consent-table tbody")).to_have_text("No consents recorded yet.")
    consents.get_by_role("button", name="Sign treatment consent").click()

    expect(page).to_have_title("Informed consent for ketamine treatment · Ketaclinic")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Informed consent for ketamine treatment"
    )
    expect(page.locator("main")).to_contain_text(f"Patient: {DISPLAY_NAME} · MRN {MRN}")
    expect(page.locator("#template-title")).not_to_be_empty()
    page.get_by_label("Signature: patient types their full name").fill(FULL_NAME)
    page.get_by_label("I witnessed the patient sign").check()
    page.get_by_role("button", name="Save signed consent").click()

    expect(page.get_by_role("status")).to_have_text(
        "Saved: Informed consent for ketamine treatment."
    )
    rows = page.locator("#consent-section #consent-table tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    # Columns: Consent, Status, Signed, Signer and witness, Expiry, Actions.
    expect(cells.nth(0)).to_contain_text("Informed consent for ketamine treatment")
    expect(cells.nth(1)).to_have_text("Valid")
    # The signer's typed name, a line break, then the witness.
    expect(cells.nth(3)).to_have_text(f"{FULL_NAME}witnessed by {physician.get_full_name()}")
    expect(cells.nth(4)).to_have_text("No expiry")
    expect(page.locator("#readiness-status")).to_have_text("Not ready: 1 item missing")
    expect(_readiness_item(page, "baseline_weight")).to_contain_text(
        "No weight on file: weigh the patient and record it in the chart."
    )
    sign_out(page)


def _nurse_records_a_weight_and_sees_the_patient_ready(page: Page) -> None:
    sign_in(page, "nurse")
    open_chart_from_search(page, MRN, DISPLAY_NAME)
    clinical = page.locator("#clinical-section")
    expect(clinical).to_contain_text("Latest weight: none recorded")
    clinical.get_by_text("Record weight or height").click()
    weight_form = clinical.locator("#add-measurement")
    expect(weight_form.get_by_label("Measured at (clinic time)")).not_to_have_value("")
    weight_form.get_by_label("Weight (kg)").fill("72.5")
    weight_form.get_by_role("button", name="Save").click()

    expect(clinical.locator("#measurements-heading + p")).to_contain_text(
        "Latest weight: 72.50 kg on"
    )
    # The weight form re-renders only the clinical section; the readiness section above it
    # keeps saying "No weight on file" until the chart is loaded again, so the nurse reloads.
    page.reload()
    readiness = page.locator("#readiness-section")
    expect(readiness.locator("#readiness-status")).to_have_text(
        "Ready for enrolment in a treatment course"
    )
    expect(readiness.locator("li.done")).to_have_count(4)
    expect(_readiness_item(page, "baseline_weight")).to_contain_text("72.50 kg on")
    expect_chart_loaded(page)  # no request still running when the database is checked


def _assert_audited(
    patient: Patient, inquiry: Inquiry, *, frontdesk: User, physician: User, nurse: User
) -> None:
    def created(target_type: str) -> list[tuple[int | None, str, int | None]]:
        """(actor, username, patient) of each "create" audit row for that kind of record."""
        return list(
            AuditEvent.objects.filter(action=Action.CREATE, target_type=target_type)
            .order_by("id")
            .values_list("actor_id", "actor_username", "patient_id")
        )

    assert created("inquiry") == [(None, PUBLIC_FORM_ACTOR, None)]
    assert created("patient") == [(frontdesk.pk, "frontdesk", patient.pk)]
    assert created("contraindication_screen") == [(physician.pk, "physician", patient.pk)]
    assert created("eligibility_decision") == [(physician.pk, "physician", patient.pk)]
    assert created("eligibility_override") == []
    assert created("risk_benefit_assessment") == [(physician.pk, "physician", patient.pk)]
    assert created("patient_consent") == [(physician.pk, "physician", patient.pk)]
    assert created("body_measurement") == [(nurse.pk, "nurse", patient.pk)]

    linked = AuditEvent.objects.get(
        action=Action.UPDATE, target_type="inquiry", target_id=str(inquiry.pk)
    )
    assert (linked.actor_id, linked.patient_id, linked.detail) == (
        frontdesk.pk,
        patient.pk,
        "converted to new patient",
    )
    signed = AuditEvent.objects.get(action=Action.UPDATE, target_type="risk_benefit_assessment")
    assert (signed.actor_id, signed.patient_id, signed.detail) == (
        physician.pk,
        patient.pk,
        "signed version 1; patient acknowledged",
    )


def _group(page: Page, legend: str) -> Locator:
    """The fieldset (role "group") whose legend contains `legend`."""
    return page.get_by_role("group", name=legend)


def _readiness_item(page: Page, code: str) -> Locator:
    return page.locator(f"#readiness-section li[data-code='{code}']")

"""Today's infusion from the chair board to the therapist's integration list (issue 5).

The nurse opens the infusion from the chair board, computes the dose, charts the baseline
and the checklist; the physician verifies the dose; the nurse starts the infusion, charts
vitals on the protocol clock, answers the alerts a high blood pressure raises, restarts,
ends, scores recovery, discharges and signs; the therapist then finds the integration due.

KARE asks for 120 minutes of observation after the end, so the nurse charts the infusion
afterwards: each time is typed in the site's time zone (America/New_York), each after the
entry before it, the end more than two hours ago, so the discharge "now" is allowed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.infusions.models import (
    AlertAction,
    AlertEvent,
    ChecklistItem,
    Infusion,
    InfusionStatus,
)
from ketaclinic.infusions.services import infusion_schedule
from ketaclinic.therapy.models import IntegrationSession
from tests.browser.helpers import (
    main_nav,
    open_flowsheet_from_chair_board,
    sign_in,
    sign_out,
    site_minute,
)
from tests.factories import PatientFactory
from tests.treatment import (
    SignedPreparationFactory,
    TreatmentCourseFactory,
    protocol_version,
    ready_patient,
)

CHECKLIST_SIZE = len(ChecklistItem)
PAUSE_RESPONSE = "Paused the pump, patient resting, BP to be rechecked in 5 minutes."
CALL_RESPONSE = "Called Dr Physician at the bedside: continue at the same rate once BP settles."


def test_nurse_charts_todays_infusion_and_the_therapist_finds_the_integration_due(
    page: Page, boston: Site, physician: User, make_user: Callable[..., User]
) -> None:
    """Given a ready Boston patient (70 kg) in an active KARE course with a signed preparation
    and session 1 booked today in Chair 2,
    when the nurse opens it from the chair board and computes the dose,
    then the flowsheet shows 56.0 mg;
    when she charts a baseline and confirms the checklist, the physician verifies the dose
    and she confirms the weight-and-dose item,
    then every gate is done; when she starts it, the status is "Running";
    when she charts vitals on the clock and then 190/96 (an adverse-event note half typed),
    then the flowsheet moves her to the alerts, asking to pause the infusion and to call
    the physician, and her half-typed note is still there;
    when she answers both (pausing with the first), restarts, ends, rates dissociation,
    scores recovery 10/10, discharges and signs,
    then the flowsheet is signed, and the therapist sees the integration due in 72 hours."""
    nurse = make_user(Role.NURSE, boston, username="nurse")
    make_user(Role.THERAPIST, boston, username="therapist")
    patient = ready_patient(
        patient=PatientFactory(site=boston, first_name="Robin", last_name="Flowsheet"),
        physician=physician,
        weight_kg=Decimal("70.00"),
    )
    course = TreatmentCourseFactory(
        patient=patient,
        protocol_version=protocol_version("kare-2022"),
        supervising_physician=physician,
    )
    SignedPreparationFactory(course=course, physician=physician)
    now = timezone.now()
    infusion = infusion_schedule(
        actor=nurse, course=course, session_number=1, scheduled_at=now, chair="Chair 2"
    )
    patient_label = str(patient)  # "Flowsheet, Robin (MRN)", as the chair board lists it

    def typed(minutes_ago: int) -> str:
        return site_minute(now - dt.timedelta(minutes=minutes_ago))

    # The nurse: dose, baseline and every checklist item the dose check does not need.
    sign_in(page, "nurse")
    open_flowsheet_from_chair_board(page, infusion.pk, patient_label)
    expect(page.locator("#flowsheet-heading")).to_have_text(
        f"Infusion 1 of {course.sessions_planned}: {patient_label}"
    )
    expect(page.locator("#fs-chair")).to_have_text("Chair 2")
    expect(page.locator("#fs-status")).to_have_text("Scheduled")
    page.get_by_role("button", name="Compute dose").click()
    expect(page.locator("#dose-total strong").first).to_have_text("56.0 mg")
    expect(page.locator("#dose-verification")).to_contain_text("Not verified")

    _enter_vitals(page, at=typed(190), sbp=128, dbp=78, hr=72, spo2=98, rr=14, moaas=5)
    expect(page.locator("#vitals-table tbody tr")).to_have_count(1)
    expect(page.locator("#vitals-table tbody tr").first).to_contain_text("Before")
    confirmed = 0
    for item in ChecklistItem:
        if item == ChecklistItem.WEIGHT_DOSE:
            continue
        _confirm(page, item, confirmed)
        confirmed += 1
    expect(page.locator("#gate-course_active")).to_have_class("gate-passed")
    expect(page.locator("#problem-dose")).to_have_text(
        "Missing: The dose is not verified: a second clinician must verify it."
    )
    sign_out(page)

    # The physician verifies the dose.
    sign_in(page, "physician")
    open_flowsheet_from_chair_board(page, infusion.pk, patient_label)
    page.get_by_role("button", name="Verify dose").click()
    verification = page.locator("#dose-verification")
    expect(verification.locator(".badge")).to_have_text("Verified")
    expect(verification).to_contain_text(f"Verified by {physician.get_full_name()} at")
    sign_out(page)

    # The nurse confirms the dose check, sees every gate done and starts.
    sign_in(page, "nurse")
    open_flowsheet_from_chair_board(page, infusion.pk, patient_label)
    _confirm(page, ChecklistItem.WEIGHT_DOSE, confirmed)
    gates = page.locator("#gates li")
    expect(gates).to_have_count(7)
    for index in range(7):
        expect(gates.nth(index)).to_have_class("gate-passed")
        expect(gates.nth(index).locator("strong")).to_contain_text("Done: ")
    start = page.locator("#form-start")
    start.get_by_label("Lot or vial number").fill("LOT-KC-0421")
    start.get_by_label("Start time").fill(typed(185))
    start.get_by_role("button", name="Start infusion").click()
    expect(page.locator("#fs-status")).to_have_text("Running")
    expect(page.locator("#lot-number")).to_have_text("LOT-KC-0421")
    expect(page.locator("#gates")).to_have_count(0)

    # Vitals on the protocol clock (every 10 minutes), then a high blood pressure.
    _enter_vitals(page, at=typed(175), sbp=126, dbp=80, hr=76, spo2=97, rr=14, moaas=4)
    expect(page.locator("#vitals-next-due")).to_contain_text("(every 10 min)")
    # She has started describing a headache in the adverse-event form when the reading is
    # due: saving the vitals must not throw that half-typed text away.
    adverse = page.locator("#adverse-events")
    adverse.get_by_text("Record an adverse event").click()
    adverse.get_by_label("Description").fill("Headache since 10 minutes (typed, not saved)")
    _enter_vitals(page, at=typed(165), sbp=190, dbp=96, hr=88, spo2=97, rr=16, moaas=4)
    alerts = page.locator("#alerts")
    expect(alerts).to_be_focused()
    expect(page.locator("#adverse-events").get_by_label("Description")).to_have_value(
        "Headache since 10 minutes (typed, not saved)"
    )
    expect(alerts.locator("h2")).to_have_text("Alerts needing a response")
    expect(alerts.locator("article")).to_have_count(2)
    pause_alert = _alert(page, "Pause the infusion")
    call_alert = _alert(page, "Call the physician")
    expect(pause_alert.locator(".action")).to_have_text("Pause the infusion")
    expect(pause_alert).to_contain_text("Systolic BP (mmHg) 190 at ")
    expect(pause_alert).to_contain_text("example rule: the medical director must confirm")
    expect(call_alert.locator(".action")).to_have_text("Call the physician")
    last_row = page.locator("#vitals-table tbody tr").last
    expect(last_row.locator("td").nth(2)).to_have_text("190/96")
    expect(last_row.locator(".badge")).to_have_text(["Pause the infusion", "Call the physician"])

    pause_alert.get_by_label("Response").fill(PAUSE_RESPONSE)
    pause_alert.get_by_label("Pause the infusion now").check()
    pause_alert.get_by_label("Time").fill(typed(163))
    pause_alert.get_by_role("button", name="Record response").click()
    expect(page.locator("#fs-status")).to_have_text("Paused")
    expect(page.locator("#alerts article")).to_have_count(1)
    call_alert = _alert(page, "Call the physician")
    call_alert.get_by_label("Response").fill(CALL_RESPONSE)
    call_alert.get_by_label("Time").fill(typed(162))
    call_alert.get_by_role("button", name="Record response").click()
    expect(page.locator("#alerts")).to_have_count(0)

    _enter_vitals(page, at=typed(157), sbp=142, dbp=86, hr=80, spo2=98, rr=14, moaas=4)
    expect(page.locator("#alerts")).to_have_count(0)
    restart = page.locator("#form-restart")
    restart.get_by_label("Reason").fill("BP 142/86 after rest; physician agreed to continue.")
    restart.get_by_label("Time").fill(typed(155))
    restart.get_by_role("button", name="Restart infusion").click()
    expect(page.locator("#fs-status")).to_have_text("Running")
    _enter_vitals(page, at=typed(145), sbp=134, dbp=82, hr=78, spo2=98, rr=14, moaas=4)

    # The end: this site keeps no register here, so the form asks only for the dose.
    stop = page.locator("#form-stop")
    expect(stop.get_by_label("Drawn from (lot, location)")).to_have_count(0)
    expect(stop.get_by_label("Dose given (mg)")).to_have_value("56.0")
    stop.get_by_label("Reason").fill("Completed as planned")
    stop.get_by_label("Time").fill(typed(135))
    stop.get_by_role("button", name="End infusion").click()
    expect(page.locator("#fs-status")).to_have_text("Infusion ended, recovering")
    expect(page.locator("#events li")).to_have_count(4)  # start, pause, restart, end

    # Recovery: dissociation, vitals, modified Aldrete, discharge, signature.
    dissociation = page.locator("#form-dissociation")
    dissociation.get_by_label("Instrument").select_option(label="CADSS")
    dissociation.get_by_label("Total score").fill("12")
    dissociation.get_by_label("Time").fill(typed(130))
    dissociation.get_by_role("button", name="Save dissociation rating").click()
    expect(page.locator("#recovery ul").first).to_contain_text("CADSS 12")
    _enter_vitals(page, at=typed(125), sbp=128, dbp=80, hr=74, spo2=98, rr=14, moaas=5)
    recovery = page.locator("#form-recovery")
    for score in ("Activity", "Respiration", "Circulation", "Consciousness", "SpO2"):
        recovery.get_by_label(re.compile(rf"^{score}\s*\*?$")).select_option("2")
    recovery.get_by_label("Time").fill(typed(120))
    recovery.get_by_role("button", name="Save recovery score").click()
    expect(page.locator("#aldrete-scores li")).to_have_count(1)
    expect(page.locator("#aldrete-scores li strong")).to_have_text("10/10")
    expect(page.locator("#aldrete-scores")).to_contain_text("(discharge-ready)")

    discharge = page.locator("#form-discharge")
    for box in (
        "Escort present",
        "No-driving advice given",
        "Sedation resolved",
        "Dissociation resolved",
    ):
        discharge.get_by_label(box).check()
    discharge.get_by_label("Minutes until ready to leave").fill("10")
    discharge.get_by_role("button", name="Discharge patient").click()
    expect(page.locator("#fs-status")).to_have_text("Discharged")
    expect(page.locator("#discharge-record")).to_contain_text(
        "escort present, no-driving advice given, sedation and dissociation resolved; "
        "ready to leave after 10 min."
    )
    page.locator("#form-sign").get_by_role("button", name="Sign flowsheet").click()
    expect(page.locator("#fs-status")).to_have_text("Signed")
    expect(page.locator("#signed")).to_have_text(
        re.compile(
            rf"^Signed by {re.escape(nurse.get_full_name())} at \d{{4}}-\d\d-\d\d \d\d:\d\d\.$"
        )
    )
    sign_out(page)

    # The therapist finds the integration session due.
    sign_in(page, "therapist")
    expect(page.locator("#integrations-card")).to_contain_text("None overdue")
    main_nav(page).get_by_role("link", name="Integrations due").click()
    page.wait_for_url("/therapy/integrations/due/")
    later = page.locator("#integrations-later tbody tr")
    expect(later).to_have_count(1)
    expect(later.locator("td").first).to_contain_text(patient.display_name)
    expect(later.locator("td").nth(2)).to_have_text("1")

    infusion.refresh_from_db()
    assert infusion.status == InfusionStatus.SIGNED
    assert (infusion.planned_total_mg, infusion.administered_mg) == (
        Decimal("56.0"),
        Decimal("56.0"),
    )
    assert (infusion.lot_number, infusion.signed_by, infusion.dose_verified_by) == (
        "LOT-KC-0421",
        nurse,
        physician,
    )
    answered = AlertEvent.objects.filter(infusion=infusion).order_by("action")
    assert [(a.action, a.responded_by, a.response) for a in answered] == [
        (AlertAction.CALL_PHYSICIAN, nurse, CALL_RESPONSE),
        (AlertAction.PAUSE_INFUSION, nurse, PAUSE_RESPONSE),
    ]
    session = IntegrationSession.objects.get(infusion=infusion)
    assert infusion.signed_at is not None
    assert session.due_at == infusion.signed_at + dt.timedelta(hours=72)
    assert later.locator("td").nth(3).inner_text() == site_minute(session.due_at)
    assert Infusion.objects.filter(patient=patient).count() == 1


def _enter_vitals(page: Page, *, at: str, **values: int) -> None:
    """Type one reading into the vitals row and wait until the table shows it."""
    rows = page.locator("#vitals-table tbody tr")
    before = 0 if page.locator("#vitals-table tbody tr td.muted").count() else rows.count()
    form = page.locator("#vitals-entry")
    form.get_by_label("Time").fill(at)
    labels = {
        "sbp": "Systolic (mmHg)",
        "dbp": "Diastolic (mmHg)",
        "hr": "Heart rate (/min)",
        "spo2": "SpO2 (%)",
        "rr": "Resp. rate (/min)",
        "moaas": "MOAA/S (0-5)",
    }
    for name, value in values.items():
        form.get_by_label(labels[name]).fill(str(value))
    form.get_by_role("button", name="Save vitals").click()
    expect(rows).to_have_count(before + 1)
    expect(rows.filter(has_text=at[-5:])).not_to_have_count(0)


def _confirm(page: Page, item: ChecklistItem, done_before: int) -> None:
    """Click "Confirm" on one checklist row and wait for the count in the heading to move."""
    row = page.locator(f"#checklist-{item.value}")
    if item == ChecklistItem.ENTRY_CONDITION:
        row.get_by_label("Hours since last alcohol or drug use").fill("36")
    row.get_by_role("button", name=f"Confirm: {item.label}").click()
    expect(page.locator("#checklist-heading")).to_have_text(
        f"Pre-infusion checklist ({done_before + 1} of {CHECKLIST_SIZE} confirmed)"
    )
    expect(page.locator(f"#checklist-{item.value} .badge")).to_have_text("Confirmed")


def _alert(page: Page, action: str) -> Locator:
    return page.locator("#alerts article").filter(
        has=page.locator(".action", has_text=re.compile(f"^{action}$"))
    )

"""A chart at another site is a plain 404, and compliance at that site sees the attempt."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from tests.browser.helpers import LOGIN_PATH, main_nav, sign_in


def test_foreign_chart_is_not_found_and_the_denial_shows_in_the_audit_log(
    page: Page, live_server, boston, wh_therapist, compliance, patient_factory
):
    """Given a Boston-only patient, when the West Hartford therapist opens the chart's URL,
    then the page is "Not found" (404) without any patient data; and when Boston's compliance
    officer filters the audit log by "Access denied", then the attempt is listed with the
    therapist, the patient's MRN and the outcome "Denied"."""
    patient = patient_factory(site=boston, first_name="Ann", last_name="Alderwood", mrn="BOS000314")

    sign_in(page, "wh-therapist")
    response = page.goto(f"/patients/{patient.pk}/")

    assert response is not None
    assert response.status == 404
    expect(page).to_have_title("Not found · Ketaclinic")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_role("alert")).to_have_text("No patient with that id at your sites.")
    expect(page.locator("main")).not_to_contain_text("Alderwood")
    expect(page.locator("main")).not_to_contain_text("BOS000314")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")

    sign_in(page, "compliance")
    main_nav(page).get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(f"{live_server.url}/audit/")
    page.get_by_label("Action").select_option(label="Access denied")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(
        f"{live_server.url}/audit/?start=&end=&actor=&patient=&action=access_denied"
    )
    expect(page.get_by_label("Action")).to_have_value("access_denied")
    rows = page.locator("#audit-table tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    # Columns: When, Who, Roles, Site, Patient, Action, Target, Outcome, IP, Detail.
    expect(cells.nth(1)).to_have_text("wh-therapist")
    expect(cells.nth(2)).to_have_text("therapist")
    expect(cells.nth(3)).to_have_text("boston")
    expect(cells.nth(4)).to_have_text("BOS000314")
    expect(cells.nth(5)).to_have_text("Access denied")
    expect(cells.nth(6)).to_have_text(f"patient {patient.pk}")
    expect(cells.nth(7)).to_have_text("Denied")
    expect(cells.nth(8)).to_have_text("127.0.0.1")
    expect(cells.nth(9)).to_have_text("outside user's sites")

    denied = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denied.actor_id, denied.patient_id, denied.outcome) == (
        wh_therapist.pk,
        patient.pk,
        Outcome.DENIED,
    )

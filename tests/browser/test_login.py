"""Signing in, finding a patient and opening the chart; wrong passwords and the lockout."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from playwright.sync_api import Page, expect

from ketaclinic.patients.models import Sex
from tests.browser.helpers import LOGIN_PATH, main_nav, submit_login

WRONG_PASSWORD = "not-the-right-password-1"


def test_physician_signs_in_searches_patients_and_opens_a_chart(
    page: Page, live_server, physician, boston, west_hartford, patient_factory
):
    """Given three Boston patients and a West Hartford one sharing a name prefix,
    when the Boston physician signs in, opens Patients and types part of a last name,
    then only the matching Boston patient is listed, and clicking the name opens a chart
    showing the MRN and date of birth."""
    patient_factory(site=boston, first_name="Ann", last_name="Alderwood", mrn="BOS000001")
    patient_factory(site=boston, first_name="Ben", last_name="Cedarholm", mrn="BOS000002")
    patient_factory(
        site=boston,
        first_name="Dana",
        last_name="Birchfield",
        mrn="BOS000042",
        date_of_birth=dt.date(1979, 11, 23),
        sex=Sex.FEMALE,
    )
    patient_factory(site=west_hartford, first_name="Eve", last_name="Birchwood", mrn="WH000007")

    page.goto(LOGIN_PATH)
    expect(page).to_have_title("Sign in · Ketaclinic")
    submit_login(page, "physician")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Welcome, {physician.get_full_name()}"
    )

    main_nav(page).get_by_role("link", name="Patients", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/patients/")
    expect(page.locator("#patient-count")).to_have_text("3 patients.")

    page.get_by_label("Search by name, MRN or date of birth").fill("birch")

    expect(page.locator("#patient-count")).to_have_text("1 patient matching “birch”.")
    expect(page).to_have_url(f"{live_server.url}/patients/?q=birch")
    rows = page.locator("#patient-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(
        ["Birchfield, Dana", "BOS000042", "1979-11-23", "Female", "Boston, MA"]
    )

    rows.first.get_by_role("link", name="Birchfield, Dana").click()

    expect(page).to_have_title("Birchfield, Dana · Ketaclinic")
    expect(page.get_by_role("heading", level=1)).to_have_text("Birchfield, Dana")
    expect(page.locator(".chart-header p")).to_have_text(
        "MRN BOS000042 · born 1979-11-23 · Female · Boston, MA"
    )


def test_wrong_password_is_refused_on_the_login_page(page: Page, live_server, physician):
    """Given the physician's account, when signing in with a wrong password,
    then the login page answers 400 with the wrong-password message and nobody is signed in."""
    page.goto(LOGIN_PATH)

    response = submit_login(page, "physician", WRONG_PASSWORD)

    assert response is not None
    assert response.status == 400
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}")
    expect(page).to_have_title("Sign in · Ketaclinic")
    expect(page.get_by_role("alert")).to_have_text(
        f"Wrong username or password. After {settings.AXES_FAILURE_LIMIT} wrong attempts "
        "the account is locked for 15 minutes."
    )
    expect(page.get_by_label("Username")).to_have_value("physician")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(main_nav(page).get_by_role("link", name="Patients")).to_have_count(0)


def test_too_many_wrong_passwords_lock_the_account_even_for_the_right_one(
    page: Page, live_server, physician
):
    """Given the physician's account, when AXES_FAILURE_LIMIT wrong passwords are entered,
    then the last one already shows "Account locked", the right password afterwards shows
    it again (429), and the physician is not signed in: the patient list sends them to login."""
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    page.goto(LOGIN_PATH)

    for _attempt in range(limit - 1):
        response = submit_login(page, "physician", WRONG_PASSWORD)
        assert response is not None
        assert response.status == 400
        expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")

    response = submit_login(page, "physician", WRONG_PASSWORD)
    assert response is not None
    assert response.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Account locked")

    page.get_by_role("link", name="Back to sign in").click()
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}")
    response = submit_login(page, "physician")

    assert response is not None
    assert response.status == 429
    expect(page).to_have_title("Account locked · Ketaclinic")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account locked")
    expect(page.get_by_role("alert")).to_contain_text(
        "Too many wrong passwords for this account. Sign-in is locked for 15 minutes"
    )
    expect(main_nav(page).get_by_role("link", name="Patients")).to_have_count(0)

    response = page.goto("/patients/")

    assert response is not None
    assert response.status == 200
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}?next=/patients/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

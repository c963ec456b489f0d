"""Steps several browser tests share: they drive the page the way a person would."""

from __future__ import annotations

import datetime as dt
import re
import threading
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from wsgiref.types import StartResponse, WSGIEnvironment

from playwright.sync_api import Locator, Page, Response, expect
from pytest_django.live_server_helper import LiveServer

from tests.factories import TEST_PASSWORD

LOGIN_PATH = "/accounts/login/"


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def submit_login(page: Page, username: str, password: str = TEST_PASSWORD) -> Response | None:
    """Fill the sign-in form already on screen and submit it; return the answer to the POST."""
    # The labels end in a hidden "*" (required), so they are matched as prefixes.
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    return navigation.value


def sign_in(page: Page, username: str, password: str = TEST_PASSWORD) -> None:
    """Open the sign-in page, sign in, and wait for the home page."""
    page.goto(LOGIN_PATH)
    submit_login(page, username, password)
    page.wait_for_url("/")


def sign_out(page: Page) -> None:
    """Click "Sign out" in the navigation and wait for the sign-in page."""
    with page.expect_navigation():
        main_nav(page).get_by_role("button", name="Sign out").click()
    page.wait_for_url(LOGIN_PATH)


def open_chart_from_search(page: Page, query: str, display_name: str) -> None:
    """Open Patients from the navigation, search, and click the one matching patient."""
    main_nav(page).get_by_role("link", name="Patients", exact=True).click()
    page.wait_for_url("/patients/")
    page.get_by_label("Search by name, MRN or date of birth").fill(query)
    results = page.locator("#patient-results")
    results.get_by_role("link", name=display_name, exact=True).click()
    page.wait_for_url("/patients/*/")


def expect_chart_loaded(page: Page) -> None:
    """Wait until every section the chart loads with htmx has replaced its "Loading…" text."""
    expect(page.locator("main section[hx-trigger='load']").first).to_be_attached()
    placeholders = page.locator("main section[hx-trigger='load'] > p.muted")
    expect(placeholders.filter(has_text=re.compile(r"^Loading .*…$"))).to_have_count(0)


@contextmanager
def one_request_at_a_time(live_server: LiveServer) -> Iterator[None]:
    """Let the live server run one request at a time while the block runs.

    On SQLite the tests' in-memory database is one connection, which pytest-django shares
    with every thread of the live server. The chart loads several sections with htmx at once,
    and two of them writing the session together on that one connection fail ("cannot start
    a transaction within a transaction"), which Django answers with 400 "session was
    deleted". Serialising the requests avoids that without changing what the pages do.

    Leaving the block waits for the request in progress; requests still queued then get an
    empty 503 without touching the database, so the test's flush never races a request.
    """
    server = live_server.thread.httpd
    application = server.get_app()
    assert application is not None
    lock = threading.Lock()
    closed = False

    def serialised(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with lock:
            if closed:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            return application(environ, start_response)

    server.set_app(serialised)
    try:
        yield
    finally:
        with lock:
            closed = True
            server.set_app(application)


def open_flowsheet_from_chair_board(page: Page, infusion_id: int, patient_label: str) -> None:
    """Open "Chair board" from the navigation and click the patient in the infusion's row."""
    main_nav(page).get_by_role("link", name="Chair board", exact=True).click()
    page.wait_for_url("/infusions/board/")
    row = page.locator(f"#board-infusion-{infusion_id}")
    row.get_by_role("link", name=patient_label, exact=True).click()
    page.wait_for_url(f"/infusions/{infusion_id}/")
    expect(page.locator("#flowsheet-heading")).to_be_visible()


def site_minute(moment: dt.datetime, zone: str = "America/New_York") -> str:
    """A moment as staff type it into a flowsheet time field: 2025-03-02 14:05, site time."""
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")

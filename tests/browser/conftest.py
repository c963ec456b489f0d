"""Browser tests: a real Chromium (Debian's, not a Playwright download) against `live_server`.

Every test under tests/browser is marked `browser`, so `pytest -m "not browser"` leaves them
out and `make test-browser` (`pytest -m browser`) runs only them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from axes.utils import reset as axes_reset
from django.core.cache import caches
from django.urls import get_resolver
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Response,
    sync_playwright,
)

from tests.browser.helpers import one_request_at_a_time

# Playwright's sync API runs an asyncio loop in the main thread; Django would otherwise refuse
# the ORM calls the test makes in that thread (factories, assertions) as "async-unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Local pages answer in milliseconds: fail in seconds, not after Playwright's default 30 s.
ACTION_TIMEOUT_MS = 10_000

_BROWSER_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of this folder `browser` before `-m` deselects anything."""
    for item in items:
        if _BROWSER_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session. A launch failure fails the tests; never skip."""
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Error as error:
            pytest.fail(f"Chromium did not start from {CHROMIUM}: {error}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _migration_data(transactional_db: None) -> None:
    """The live server's tests flush the database after each test, which also removes the
    rows data migrations install: put the checklist, consent templates, instruments and
    schedule rules back before each test."""
    from ketaclinic.consent.seed import ensure_example_templates
    from ketaclinic.eligibility.seed import seed_configuration as eligibility_configuration
    from ketaclinic.infusions.examples import ensure_example_rules
    from ketaclinic.protocols.seed import seed_library
    from ketaclinic.questionnaires.seed import seed_configuration as questionnaire_configuration

    eligibility_configuration()
    ensure_example_templates()
    questionnaire_configuration()
    seed_library()
    ensure_example_rules()


@pytest.fixture(autouse=True)
def _fresh_lockout_state(transactional_db: None) -> Iterator[None]:
    """No lockout may carry over: axes' attempts (database) and every cache are emptied.

    The transactional flush already deletes AccessAttempt rows after each test; resetting on
    both sides also covers a test that fails halfway and any cache-based axes handler.
    """
    axes_reset()
    for cache in caches.all():
        cache.clear()
    yield
    axes_reset()
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:
    """A page in a new browser context (own cookies, storage) against the live server.

    The test fails on a JavaScript error, a console error (a CSP violation shows as one) or a
    stylesheet/script that does not load. Pages themselves may answer 400, 404 or 429 on
    purpose, and htmx forms 400 or 422, so "Failed to load resource" messages are judged by
    the response, not the console.
    """
    # Import every URLconf and view module (lifelines and scipy among them) here, once,
    # rather than inside the first request a test times.
    get_resolver().url_patterns  # noqa: B018
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text}")

    def on_response(response: Response) -> None:
        # An htmx form answers a refused entry with 400 (or 422) and the re-rendered form;
        # a GET (a chart section loading) must never fail.
        refused_form = (
            response.status in {400, 422}
            and response.request.resource_type in {"xhr", "fetch"}
            and response.request.method != "GET"
        )
        if (
            response.status >= 400
            and response.request.resource_type != "document"
            and not (refused_form)
        ):
            problems.append(f"{response.request.resource_type} {response.url}: {response.status}")

    new_page = context.new_page()
    new_page.on("console", on_console)
    new_page.on("response", on_response)
    new_page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # The tests' in-memory SQLite is one connection shared with the server's threads: the
    # chart's parallel section loads must take turns (see helpers.one_request_at_a_time).
    with one_request_at_a_time(live_server):
        yield new_page
        context.close()
    assert problems == [], "the browser reported errors:\n" + "\n".join(problems)

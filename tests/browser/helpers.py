"""Steps several browser tests share: they drive the page the way a person would."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, Response

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

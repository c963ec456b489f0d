"""A patient checks in on a phone (issue 7): sign in, answer today's check-in for alcohol and
gambling, and see the streak and the calendar change.

The page runs at 390x844 CSS pixels (an iPhone 12-15 screen); every page the patient sees
must fit that width without scrolling sideways.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Response, ViewportSize, expect

from ketaclinic.accounts.models import Site, User
from ketaclinic.patients.models import AddictionTarget, RecoveryUnit, Target, TargetKind
from ketaclinic.portal.models import PatientAccount
from ketaclinic.portal.selectors import patient_today
from ketaclinic.recovery.models import DailyRecord
from tests.browser.conftest import ACTION_TIMEOUT_MS
from tests.browser.helpers import LOGIN_PATH, one_request_at_a_time, submit_login
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory
from tests.portal.factories import PatientAccountFactory

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser, live_server) -> Iterator[Page]:
    """Like the shared `page` fixture, on a phone-size touch screen; fails on any browser
    error (a CSP violation shows as a console error) or a stylesheet that does not load."""
    # The first request imports every app's URLs and views, which on a busy machine takes
    # longer than the 10 s a browser step may: warm the server up outside the browser.
    with urllib.request.urlopen(live_server.url + LOGIN_PATH, timeout=120) as answer:  # noqa: S310  # the test's own live server
        assert answer.status == 200
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    problems: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"{response.request.resource_type} {response.url}: {response.status}")

    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            problems.append(f"console error: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    with one_request_at_a_time(live_server):
        yield page
        context.close()
    assert problems == [], "the browser reported errors:\n" + "\n".join(problems)


def _fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide: it scrolls sideways"


def test_patient_checks_in_for_two_targets_on_a_phone_and_sees_streak_and_calendar(
    phone: Page, boston: Site, physician: User
) -> None:
    """Given Ann, a Boston patient with a portal login and two addiction targets (alcohol in
    standard drinks, gambling in dollars) and no check-in yet,
    when she signs in on her phone, opens today's check-in, answers alcohol 'No' and
    gambling 'Yes, $20' and sends it,
    then her progress page says 1 day in a row without alcohol, today's alcohol cell is
    marked abstinent and today's gambling cell used ($20), and home shows both checked in;
    no page scrolls sideways."""
    patient = PatientFactory(
        site=boston,
        first_name="Annabel",
        preferred_name="Ann",
        last_name="Alderwood",
        mrn="BOS000001",
        email="ann.alderwood@example.org",
    )
    account: PatientAccount = PatientAccountFactory(patient=patient, invited_by=physician)
    alcohol: AddictionTarget = AddictionTargetFactory(patient=patient, recorded_by=physician)
    gambling: AddictionTarget = AddictionTargetFactory(
        patient=patient,
        recorded_by=physician,
        target=Target.GAMBLING,
        kind=TargetKind.BEHAVIOURAL,
        unit=RecoveryUnit.MONEY_USD,
    )
    today = patient_today(patient=patient).isoformat()

    phone.goto(LOGIN_PATH)
    submit_login(phone, account.user.username)
    phone.wait_for_url("/portal/")
    expect(phone.get_by_role("heading", name="Hello, Ann")).to_be_visible()
    expect(phone.locator(f"#today-target-{alcohol.pk}")).to_contain_text("Not checked in yet")
    expect(phone.locator(f"#today-target-{gambling.pk}")).to_contain_text("Not checked in yet")
    _fits_the_screen(phone)

    phone.get_by_role("button", name="Check in for today").click()
    phone.wait_for_url("/portal/checkin/")
    _fits_the_screen(phone)
    drinks = phone.get_by_label("How much? Standard drinks (US, 14 g ethanol each)")
    dollars = phone.get_by_label("How much? Money spent (USD)")
    expect(drinks).to_be_hidden()  # asked only after "Yes"
    expect(dollars).to_be_hidden()

    phone.locator(f"label[for='id_target-{alcohol.pk}-used_0']").tap()  # No
    phone.locator(f"label[for='id_target-{alcohol.pk}-craving_2']").tap()
    phone.locator(f"label[for='id_target-{gambling.pk}-used_1']").tap()  # Yes
    expect(dollars).to_be_visible()
    expect(drinks).to_be_hidden()
    dollars.fill("20")
    phone.locator(f"label[for='id_target-{gambling.pk}-craving_6']").tap()
    phone.locator("label[for='id_day-mood_3']").tap()  # Good
    expect(phone.get_by_role("radio", name="No").first).to_be_checked()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Send my check-in").click()

    phone.wait_for_url("/portal/progress/")
    expect(phone.get_by_role("status")).to_contain_text("Thank you: today's check-in is saved.")
    expect(phone.locator(f"#streak-{alcohol.pk} .streak-count")).to_have_text("1 day in a row")
    expect(phone.locator(f"#streak-{gambling.pk} .streak-count")).to_have_text("Used today")
    alcohol_today = phone.locator(f"#calendar-{alcohol.pk} g[data-day='{today}']")
    gambling_today = phone.locator(f"#calendar-{gambling.pk} g[data-day='{today}']")
    expect(alcohol_today).to_have_attribute("data-status", "abstinent")
    expect(gambling_today).to_have_attribute("data-status", "used")
    expect(gambling_today.locator("title")).to_have_text(
        f"{_long_day(today)}: Used (20 USD)", use_inner_text=False
    )
    _fits_the_screen(phone)

    phone.get_by_role("navigation", name="Your portal").get_by_role("link", name="Home").click()
    phone.wait_for_url("/portal/")
    expect(phone.locator(f"#today-target-{alcohol.pk}")).to_contain_text("Checked in: did not use")
    expect(phone.locator(f"#today-target-{gambling.pk}")).to_contain_text(
        "Checked in: used (20 USD)"
    )
    expect(phone.get_by_role("button", name="Change today's check-in")).to_be_visible()
    assert list(
        DailyRecord.objects.order_by("target_id").values_list("target_id", "used", "craving")
    ) == [(alcohol.pk, False, 2), (gambling.pk, True, 6)]


def _long_day(iso: str) -> str:
    import datetime as dt

    day = dt.date.fromisoformat(iso)
    return f"{day:%A, %B} {day.day}"

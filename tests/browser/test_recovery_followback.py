"""Timeline follow-back from the chart (issue 7 item 3): the nurse enters recalled days;
a day where the patient's own check-in disagrees stays visible as a conflict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.recovery.models import DailyRecord, Source
from ketaclinic.recovery.services._common import site_today
from tests.browser.helpers import expect_chart_loaded, sign_in
from tests.factories import PatientFactory
from tests.patients.factories import AddictionTargetFactory


def test_nurse_enters_follow_back_and_sees_the_conflict_and_timeline(
    page: Page, boston: Site, make_user: Callable[..., User]
) -> None:
    """Given a patient whose check-in said no drinking yesterday,
    when the nurse opens Timeline follow-back from the chart and enters 5 drinks yesterday
    and 0 today from the interview,
    then both days are saved, yesterday shows the self-report beside the interview as a
    conflict, and the recovery timeline draws the strip and a lapse."""
    nurse = make_user(Role.NURSE, boston, username="nurse")
    patient = PatientFactory(site=boston, first_name="Morgan", last_name="Fakename")
    target = AddictionTargetFactory(patient=patient, recorded_by=nurse)
    today = site_today(boston)
    yesterday = today - dt.timedelta(days=1)
    target.quit_date = today - dt.timedelta(days=14)
    target.save()
    DailyRecord.objects.create(
        patient=patient,
        target=target,
        day=yesterday,
        source=Source.SELF_REPORT,
        used=False,
        quantity=Decimal(0),
        unit=target.unit,
        recorded_by=nurse,
        recorded_at=timezone.now(),
        updated_at=timezone.now(),
    )

    sign_in(page, "nurse")
    page.goto(patient.get_absolute_url())
    expect_chart_loaded(page)
    page.locator("#recovery-section").get_by_role("button", name="Timeline follow-back").click()
    page.wait_for_url(f"/recovery/patients/{patient.pk}/followback/")
    page.locator(f"#id_day-{yesterday.isoformat()}").fill("5")
    page.locator(f"#id_day-{today.isoformat()}").fill("0")
    page.get_by_role("button", name="Save days").click()

    expect(page.get_by_text("Saved 2 day(s).")).to_be_visible()
    row = page.locator(f"#fb-{yesterday.isoformat()}")
    expect(row).to_contain_text("Daily self-report: 0")
    expect(row).to_contain_text("Conflict")
    expect(page.locator(f"#fb-{today.isoformat()}")).to_contain_text("Abstinent")
    assert sorted(DailyRecord.objects.values_list("day", "source")) == [
        (yesterday, "interview"),
        (yesterday, "self_report"),
        (today, "interview"),
    ]

    page.goto(f"/recovery/patients/{patient.pk}/timeline/")
    expect(page.locator("#recovery-timeline svg")).to_be_visible()
    expect(page.locator("#recovery-events")).to_contain_text("Lapse")
    expect(page.locator(f"#outcome-{target.pk}")).to_contain_text("50.0 %")

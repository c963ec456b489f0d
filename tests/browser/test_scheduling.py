"""The front desk books a ready patient's preparation, an infusion in a chair and its
integration session from the calendar; a second infusion in the same chair at the same
time is refused with the conflict named on the page (issue 8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from playwright.sync_api import Page, expect

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.infusions.models import Infusion
from ketaclinic.scheduling.models import Appointment, ResourceKind
from tests.browser.helpers import main_nav, sign_in
from tests.factories import PatientFactory
from tests.scheduling.factories import chair, day_ahead, works_all_week
from tests.treatment import TreatmentCourseFactory, protocol_version, ready_patient


def _book_typed(page: Page, when: str, seat: str, nurse: str) -> None:
    page.locator("#book-starts_at").fill(when)
    page.get_by_label("Chair or room").select_option(label=seat)
    page.get_by_label("Nurse (infusions)").select_option(label=nurse)
    page.get_by_role("button", name="Book", exact=True).click()


def test_front_desk_books_preparation_infusion_and_integration_then_a_conflict_is_refused(
    page: Page, boston: Site, physician: User, make_user: Callable[..., User]
) -> None:
    """Given a ready Boston patient (Ann) in an active KARE course with a therapist, two
    chairs and two rooms open every day and the staff working 8:00-18:00,
    when the front desk finds Ann, asks for preparation times and picks the first one,
    then the preparation is booked with the physician;
    when she books Ann's infusion in Chair 2 at 9:00 the next day with the nurse,
    then the infusion is scheduled in Chair 2 and the page offers the integration session
    within 72 hours with the therapist; she books the first slot offered;
    when she books Ben's infusion in Chair 2 at 9:00 the same day,
    then the page answers with the conflict naming Ann's booking, her typed values kept, and
    nothing more is booked."""
    # Load the URL configuration (and every app's API) before the browser's first request,
    # so a slow first import cannot eat the page's 10-second budget.
    assert reverse("scheduling:book") == "/schedule/book/"
    physician.first_name, physician.last_name = "Casey", "Example"
    physician.save()
    works_all_week(physician, boston)
    make_user(Role.FRONT_DESK, boston, username="frontdesk")
    nurse = works_all_week(make_user(Role.NURSE, boston, username="nurse"), boston)
    therapist = works_all_week(make_user(Role.THERAPIST, boston, username="therapist"), boston)
    for name, kind, order in (
        ("Chair 1", ResourceKind.CHAIR, 1),
        ("Chair 2", ResourceKind.CHAIR, 2),
        ("Room 1", ResourceKind.ROOM, 1),
        ("Room 2", ResourceKind.ROOM, 2),
    ):
        chair(boston, name, kind=kind, order=order)
    ann = ready_patient(
        patient=PatientFactory(
            site=boston, first_name="Ann", last_name="Alderwood", mrn="BOS-00012"
        ),
        physician=physician,
    )
    ben = ready_patient(
        patient=PatientFactory(site=boston, first_name="Ben", last_name="Birch", mrn="BOS-00013"),
        physician=physician,
        seed=8,
    )
    kare = protocol_version("kare-2022")
    TreatmentCourseFactory(
        patient=ann, protocol_version=kare, supervising_physician=physician, therapist=therapist
    )
    TreatmentCourseFactory(
        patient=ben, protocol_version=kare, supervising_physician=physician, therapist=therapist
    )
    day = day_ahead(2)
    infusion_day = day + dt.timedelta(days=1)

    sign_in(page, "frontdesk")
    main_nav(page).get_by_role("link", name="Calendar", exact=True).click()
    page.get_by_role("button", name="Book an appointment").click()
    page.get_by_label("Find the patient by name or MRN").fill("Alder")
    page.locator("#patient-results").get_by_role("link", name="Alderwood, Ann").click()
    expect(page.locator("#chosen-patient")).to_contain_text("MRN BOS-00012")
    page.locator("#kind-choice").select_option(label="Preparation session")
    page.locator("#day-choice").fill(f"{day:%Y-%m-%d}")
    page.get_by_role("button", name="Show free times").click()
    page.locator("#slots a").first.click()
    expect(page.locator("#book-starts_at")).to_have_value(f"{day:%Y-%m-%d}T08:00")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#appointment-heading")).to_contain_text("Preparation session")
    expect(page.locator("#appointment-facts")).to_contain_text("Casey Example")

    page.goto(f"/schedule/book/?patient={ann.pk}&kind=infusion&day={infusion_day:%Y-%m-%d}")
    expect(page.locator("#course-context")).to_contain_text("session 1 of 3")
    expect(page.locator("#gate-warnings")).to_contain_text("Preparation session signed")
    _book_typed(page, f"{infusion_day:%Y-%m-%d}T09:00", "Chair 2", str(nurse))
    expect(page.locator("#appointment-heading")).to_contain_text("Infusion")
    infusion = Infusion.objects.get(patient=ann)
    assert (infusion.chair, infusion.session_number) == ("Chair 2", 1)
    integration = page.locator("#book-integration")
    expect(integration).to_contain_text(f"with {therapist}")
    integration.locator("#integration-slots a").first.click()
    expect(page.locator("#integration-window")).to_contain_text("due within 72 hours")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#appointment-heading")).to_contain_text("Integration session")
    assert Appointment.objects.get(kind="integration").integration_for_id == infusion.pk

    page.goto(f"/schedule/book/?patient={ben.pk}&kind=infusion&day={infusion_day:%Y-%m-%d}")
    _book_typed(page, f"{infusion_day:%Y-%m-%d}T09:00", "Chair 2", str(nurse))
    when = f"{infusion_day:%a} {infusion_day.day} {infusion_day:%b}"
    expect(page.locator("#booking-form .form-errors")).to_contain_text(
        f"Chair 2 is already booked 9:00-11:00 on {when} (infusion for Ann Alderwood, MRN "
        "BOS-00012): choose another chair or time."
    )
    expect(page.locator("#book-starts_at")).to_have_value(f"{infusion_day:%Y-%m-%d}T09:00")
    assert Appointment.objects.filter(patient=ben).count() == 0
    assert Infusion.objects.filter(patient=ben).count() == 0

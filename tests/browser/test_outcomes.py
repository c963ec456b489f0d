"""The researcher's cohort analytics and de-identified export (issue 7, "what it must show").

The researcher opens the outcomes from the main menu, filters by protocol, sees the
Kaplan-Meier chart and the Cox table, and downloads the research export; the test opens the
ZIP and finds no name, address, MRN or calendar date in any file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.patients.models import Patient
from tests.browser.helpers import main_nav, sign_in
from tests.outcomes.factories import build_cohort, daily

DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}")


def test_researcher_filters_by_protocol_and_downloads_the_deidentified_export(
    page: Page, boston: Site, physician: User, make_user: Callable[..., User], tmp_path: Path
) -> None:
    """Given 40 Boston patients treated with KARE and 12 with Dakwar's alcohol protocol, each
    with an address, outcomes, infusions and a MEQ-30, and daily records for some,
    when the researcher opens Outcomes and filters by KARE,
    then the page shows 40 patient targets, the Kaplan-Meier chart and the Cox table with its
    caution, and no patient name or MRN;
    when she downloads the de-identified export,
    then the ZIP holds the subjects of KARE only, and no file contains a name, an address,
    an MRN or a calendar date."""
    make_user(Role.RESEARCHER, boston, username="researcher")
    planned = build_cohort(site=boston, by=physician, n=40, protocols=["kare-2022"])
    planned += build_cohort(site=boston, by=physician, n=12, protocols=["dakwar-alc-2020"])
    for index, subject in enumerate(planned[:6]):
        for day in range(-5, 20):
            daily(subject.built, physician, day, used=day == 7 + index, craving=6 - day % 3)
    for patient in Patient.objects.all():
        patient.address = f"{patient.pk} Harbour Lane, Quincy, MA 02169"
        patient.save()
    patients = list(Patient.objects.all())

    sign_in(page, "researcher")
    main_nav(page).get_by_role("link", name="Outcomes").click()
    page.get_by_label("Protocol").select_option("kare-2022")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#cohort-size")).to_contain_text("40 patient targets")
    expect(page.get_by_role("img", name="Relapse-free survival")).to_be_visible()
    cox = page.locator("#cox-table")
    expect(cox).to_be_visible()
    expect(cox.get_by_role("row")).to_have_count(8)  # header + seven covariates
    expect(cox).to_contain_text("MEQ-30 total (% of maximum)")
    expect(page.locator("#cox-caution")).to_contain_text("observational")
    body = page.locator("main").inner_text()
    for patient in patients:
        assert patient.mrn not in body
        assert patient.last_name not in body

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download de-identified export").click()
    download = download_info.value
    assert download.suggested_filename == "ketaclinic-research-export.zip"
    path = tmp_path / "export.zip"
    download.save_as(path)

    forbidden = [p.first_name for p in patients] + [p.last_name for p in patients]
    forbidden += [p.mrn for p in patients] + ["Harbour Lane", "Quincy", "02169"]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert "subjects.csv" in names
        assert "data_dictionary.csv" in names
        for name in names:
            text = archive.read(name).decode()
            assert not DATE.search(text), f"{name} holds a date"
            for value in forbidden:
                assert value not in text, f"{name} holds {value!r}"
        subjects = list(csv.DictReader(io.StringIO(archive.read("subjects.csv").decode())))
    assert len(subjects) == 40
    assert {row["protocol"] for row in subjects} == {"kare-2022"}
